/**
 * The IAM action each route is authorised as: Lambda's action names (Lambda's "Actions, resources,
 * and condition keys" page) for its REST API, and `nimbus:` names for Nimbus's own API. Looked up
 * by method and route pattern (api/table.ts); a route missing here is `lambda:<Method><path>`-free:
 * it gets `nimbus:Unlisted`, which only a wildcard grants.
 */
const FN = '/2015-03-31/functions/:FunctionName';
const EIC = '/2019-09-25/functions/:FunctionName/event-invoke-config';
const URL = '/2021-10-31/functions/:FunctionName';
const PROV = '/2019-09-30/functions/:FunctionName/provisioned-concurrency';
const ESM = '/2015-03-31/event-source-mappings';
const LAYER = '/2018-10-31/layers/:LayerName/versions/:VersionNumber';
const CSC = '/2020-04-22/code-signing-configs';

const ACTIONS: Readonly<Record<string, string>> = {
  'POST /2015-03-31/functions': 'lambda:CreateFunction',
  'GET /2015-03-31/functions': 'lambda:ListFunctions',
  [`GET ${FN}`]: 'lambda:GetFunction',
  [`DELETE ${FN}`]: 'lambda:DeleteFunction',
  [`GET ${FN}/configuration`]: 'lambda:GetFunctionConfiguration',
  [`PUT ${FN}/configuration`]: 'lambda:UpdateFunctionConfiguration',
  [`PUT ${FN}/code`]: 'lambda:UpdateFunctionCode',
  'GET /2016-08-19/account-settings': 'lambda:GetAccountSettings',
  [`POST ${FN}/versions`]: 'lambda:PublishVersion',
  [`GET ${FN}/versions`]: 'lambda:ListVersionsByFunction',
  [`POST ${FN}/aliases`]: 'lambda:CreateAlias',
  [`GET ${FN}/aliases`]: 'lambda:ListAliases',
  [`GET ${FN}/aliases/:Name`]: 'lambda:GetAlias',
  [`PUT ${FN}/aliases/:Name`]: 'lambda:UpdateAlias',
  [`DELETE ${FN}/aliases/:Name`]: 'lambda:DeleteAlias',
  'PUT /2017-10-31/functions/:FunctionName/concurrency': 'lambda:PutFunctionConcurrency',
  'GET /2019-09-30/functions/:FunctionName/concurrency': 'lambda:GetFunctionConcurrency',
  'DELETE /2017-10-31/functions/:FunctionName/concurrency': 'lambda:DeleteFunctionConcurrency',
  [`PUT ${PROV}`]: 'lambda:PutProvisionedConcurrencyConfig',
  [`GET ${PROV}`]: 'lambda:GetProvisionedConcurrencyConfig',
  [`DELETE ${PROV}`]: 'lambda:DeleteProvisionedConcurrencyConfig',
  [`POST ${FN}/invocations`]: 'lambda:InvokeFunction',
  'POST /2014-11-13/functions/:FunctionName/invoke-async': 'lambda:InvokeAsync',
  'POST /2021-11-15/functions/:FunctionName/response-streaming-invocations': 'lambda:InvokeFunction',
  [`POST ${URL}/url`]: 'lambda:CreateFunctionUrlConfig',
  [`GET ${URL}/url`]: 'lambda:GetFunctionUrlConfig',
  [`PUT ${URL}/url`]: 'lambda:UpdateFunctionUrlConfig',
  [`DELETE ${URL}/url`]: 'lambda:DeleteFunctionUrlConfig',
  [`GET ${URL}/urls`]: 'lambda:ListFunctionUrlConfigs',
  [`POST ${ESM}`]: 'lambda:CreateEventSourceMapping',
  [`GET ${ESM}`]: 'lambda:ListEventSourceMappings',
  [`GET ${ESM}/:UUID`]: 'lambda:GetEventSourceMapping',
  [`PUT ${ESM}/:UUID`]: 'lambda:UpdateEventSourceMapping',
  [`DELETE ${ESM}/:UUID`]: 'lambda:DeleteEventSourceMapping',
  [`PUT ${EIC}`]: 'lambda:PutFunctionEventInvokeConfig',
  [`POST ${EIC}`]: 'lambda:UpdateFunctionEventInvokeConfig',
  [`GET ${EIC}`]: 'lambda:GetFunctionEventInvokeConfig',
  [`DELETE ${EIC}`]: 'lambda:DeleteFunctionEventInvokeConfig',
  [`GET ${EIC}/list`]: 'lambda:ListFunctionEventInvokeConfigs',
  'POST /2018-10-31/layers/:LayerName/versions': 'lambda:PublishLayerVersion',
  'GET /2018-10-31/layers/:LayerName/versions': 'lambda:ListLayerVersions',
  'GET /2018-10-31/layers': 'lambda:ListLayers',
  [`GET ${LAYER}`]: 'lambda:GetLayerVersion',
  [`DELETE ${LAYER}`]: 'lambda:DeleteLayerVersion',
  [`POST ${LAYER}/policy`]: 'lambda:AddLayerVersionPermission',
  [`GET ${LAYER}/policy`]: 'lambda:GetLayerVersionPolicy',
  [`DELETE ${LAYER}/policy/:StatementId`]: 'lambda:RemoveLayerVersionPermission',
  'POST /2017-03-31/tags/:Resource': 'lambda:TagResource',
  'DELETE /2017-03-31/tags/:Resource': 'lambda:UntagResource',
  'GET /2017-03-31/tags/:Resource': 'lambda:ListTags',
  [`POST ${FN}/policy`]: 'lambda:AddPermission',
  [`GET ${FN}/policy`]: 'lambda:GetPolicy',
  [`DELETE ${FN}/policy/:StatementId`]: 'lambda:RemovePermission',
  'PUT /2026-07-09/resource-policy/:ResourceArn': 'lambda:PutResourcePolicy',
  'GET /2026-07-09/resource-policy/:ResourceArn': 'lambda:GetResourcePolicy',
  'DELETE /2026-07-09/resource-policy/:ResourceArn': 'lambda:DeleteResourcePolicy',
  [`POST ${CSC}`]: 'lambda:CreateCodeSigningConfig',
  [`GET ${CSC}`]: 'lambda:ListCodeSigningConfigs',
  [`GET ${CSC}/:CodeSigningConfigArn`]: 'lambda:GetCodeSigningConfig',
  [`PUT ${CSC}/:CodeSigningConfigArn`]: 'lambda:UpdateCodeSigningConfig',
  [`DELETE ${CSC}/:CodeSigningConfigArn`]: 'lambda:DeleteCodeSigningConfig',
  [`GET ${CSC}/:CodeSigningConfigArn/functions`]: 'lambda:ListFunctionsByCodeSigningConfig',
  'PUT /2020-06-30/functions/:FunctionName/code-signing-config': 'lambda:PutFunctionCodeSigningConfig',
  'GET /2020-06-30/functions/:FunctionName/code-signing-config': 'lambda:GetFunctionCodeSigningConfig',
  'DELETE /2020-06-30/functions/:FunctionName/code-signing-config': 'lambda:DeleteFunctionCodeSigningConfig',
  'GET /2024-08-31/functions/:FunctionName/recursion-config': 'lambda:GetFunctionRecursionConfig',
  'PUT /2024-08-31/functions/:FunctionName/recursion-config': 'lambda:PutFunctionRecursionConfig',
  'GET /2021-07-20/functions/:FunctionName/runtime-management-config': 'lambda:GetRuntimeManagementConfig',
  'PUT /2021-07-20/functions/:FunctionName/runtime-management-config': 'lambda:PutRuntimeManagementConfig',
  'GET /nimbus/v1/events': 'nimbus:ListEvents',
  'GET /nimbus/v1/events/:id': 'nimbus:GetEvent',
  'GET /nimbus/v1/queues': 'nimbus:ListQueues',
  'GET /nimbus/v1/queues/:name/messages': 'nimbus:ReadQueueMessages',
  'DELETE /nimbus/v1/queues/:name/messages': 'nimbus:DeleteQueueMessages',
  'GET /nimbus/v1/schedules': 'nimbus:ListSchedules',
  'GET /nimbus/v1/schedules/:name': 'nimbus:GetSchedule',
  'PUT /nimbus/v1/schedules/:name': 'nimbus:PutSchedule',
  'DELETE /nimbus/v1/schedules/:name': 'nimbus:DeleteSchedule',
  'GET /nimbus/v1/stacks': 'nimbus:ListStacks',
  'GET /nimbus/v1/stacks/:StackName': 'nimbus:GetStack',
  'PUT /nimbus/v1/stacks/:StackName': 'nimbus:DeployStack',
  'DELETE /nimbus/v1/stacks/:StackName': 'nimbus:DeleteStack',
  'PUT /nimbus/v1/artifacts/:sha256': 'nimbus:UploadArtifact',
  'GET /nimbus/v1/apis': 'nimbus:ListApis',
  'GET /nimbus/v1/event-source-mappings': 'nimbus:ListEventSourceMappings',
  'GET /nimbus/v1/event-source-mappings/:UUID': 'nimbus:GetEventSourceMapping',
  'GET /nimbus/v1/functions/:FunctionName/logs': 'nimbus:GetLogs',
  'GET /nimbus/v1/code/:sha': 'nimbus:GetCode',
  'GET /nimbus/v1/health': 'nimbus:GetHealth',
  'GET /nimbus/v1/stats': 'nimbus:GetStats',
  'GET /metrics': 'nimbus:GetMetrics',
};

/** Actions that are not changes: left out of the audit log (it records control-plane actions). */
const DATA_PLANE = new Set(['lambda:InvokeFunction', 'lambda:InvokeAsync', 'nimbus:GetHealth', 'nimbus:GetMetrics', 'nimbus:GetStats', 'nimbus:GetLogs']);

export function actionFor(method: string, pattern: string): string {
  return ACTIONS[`${method} ${pattern}`] ?? 'nimbus:Unlisted';
}

export const audited = (action: string): boolean => !DATA_PLANE.has(action);
