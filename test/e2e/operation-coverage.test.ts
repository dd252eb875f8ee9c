/**
 * Operation coverage: every operation of the current Lambda model (docs/reference/lambda-model.json)
 * either works, exercised here once with @aws-sdk/client-lambda and a check of what it answered,
 * or is refused exactly as docs/compatibility.md's refusal table says. An operation being built
 * elsewhere may sit in PENDING until it lands (the test fails while a name is in neither
 * WORKS, the refusal table nor PENDING, or in more than one).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as sdk from '@aws-sdk/client-lambda';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { makeZip, ROLE, startTestNimbus } from '../helpers/nimbus.js';
import { until } from '../helpers/until.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Operations being built elsewhere: neither counted nor refused (none now). */
const PENDING = new Set<string>([]);

interface Shape {
  type: string;
  traits?: { 'smithy.api#http'?: { method: string; uri: string; code?: number } };
}

/** Each operation of the vendored model, with its HTTP binding (`METHOD uri status`; Smithy's default status is 200). */
function modelBindings(): Map<string, string> {
  const model = JSON.parse(readFileSync(`${root}docs/reference/lambda-model.json`, 'utf8')) as { shapes: Record<string, Shape> };
  const ops = Object.entries(model.shapes).filter(([, s]) => s.type === 'operation');
  return new Map(
    ops.map(([id, s]) => {
      const h = s.traits?.['smithy.api#http'];
      return [id.slice(id.indexOf('#') + 1), h ? `${h.method} ${h.uri} ${h.code ?? 200}` : 'no binding'];
    }),
  );
}

function modelOperations(): string[] {
  return [...modelBindings().keys()].sort();
}

/** The same, as the installed SDK sends them: its schemas list each operation as `Name$ = [9, n0, _X, { [_h]: [method, uri, status] } ...`. */
function sdkBindings(): Map<string, string> {
  const schemas = readFileSync(`${root}node_modules/@aws-sdk/client-lambda/dist-es/schemas/schemas_0.js`, 'utf8');
  const found = [...schemas.matchAll(/export var (\w+)\$ = \[9, n0, \w+,\s*\{ \[_h\]: \["(\w+)", "([^"]+)", (\d+)\] \}/g)];
  return new Map(found.map((m) => [m[1]!, `${m[2]!} ${m[3]!} ${m[4]!}`]));
}

/** docs/compatibility.md's refusal table: operation -> the exception it answers. */
function refusalTable(): Map<string, string> {
  const doc = readFileSync(`${root}docs/compatibility.md`, 'utf8');
  const section = doc.slice(doc.indexOf('## Refused operations'), doc.indexOf('## In progress'));
  return new Map([...section.matchAll(/^\| `(\w+)` \| (\w+) \|/gm)].map((m) => [m[1]!, m[2]!]));
}

type Lambda = sdk.LambdaClient;
type Call = (lambda: Lambda) => Promise<void>;

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:cov';
const LAYER = 'arn:aws:lambda:us-east-1:000000000000:layer:cov-layer';
const send = <T>(lambda: Lambda, command: unknown): Promise<T> => lambda.send(command as never) as Promise<T>;
let codeSigningArn = '';
let mappingUuid = '';
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:cov-q';
let durableArn = '';
let callbackIds: string[] = [];
const durableEvents = async (l: Lambda) => (await l.send(new sdk.GetDurableExecutionHistoryCommand({ DurableExecutionArn: durableArn, IncludeExecutionData: true }))).Events ?? [];

/**
 * A durable function without the durable SDK: on its first invocation it reads its state, records
 * how many operations it saw as a step's result, starts three callbacks and suspends.
 */
const RAW_DURABLE = `
const { LambdaClient, CheckpointDurableExecutionCommand, GetDurableExecutionStateCommand } = require('@aws-sdk/client-lambda');
const lambda = new LambdaClient({});
exports.handler = async (ev) => {
  if (ev.InitialExecutionState.Operations.length > 1) return { Status: 'PENDING' };
  const arn = ev.DurableExecutionArn;
  const state = await lambda.send(new GetDurableExecutionStateCommand({ DurableExecutionArn: arn, CheckpointToken: ev.CheckpointToken }));
  const seen = { Id: 'seen', Type: 'STEP', Action: 'SUCCEED', Payload: JSON.stringify({ operations: state.Operations.length }) };
  const callbacks = ['cb1', 'cb2', 'cb3'].map((Id) => ({ Id, Type: 'CALLBACK', Action: 'START' }));
  await lambda.send(new CheckpointDurableExecutionCommand({ DurableExecutionArn: arn, CheckpointToken: ev.CheckpointToken, Updates: [seen, ...callbacks] }));
  return { Status: 'PENDING' };
};`;

/**
 * One call per working operation, in an order where each finds what it needs (a function, a
 * version, a layer...), with one check each of what it answered. Keys are model operation names.
 */
const WORKS: [string, Call][] = [
  ['CreateFunction', async (l) => {
    const zip = await makeZip({ 'index.js': 'exports.handler = async (e) => ({ got: e });' });
    const r = await l.send(new sdk.CreateFunctionCommand({ FunctionName: 'cov', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip }, Tags: { a: '1' } }));
    assert.equal(r.FunctionArn, FN);
  }],
  ['GetFunction', async (l) => assert.deepEqual((await l.send(new sdk.GetFunctionCommand({ FunctionName: 'cov' }))).Tags, { a: '1' })],
  ['GetFunctionConfiguration', async (l) => assert.equal((await l.send(new sdk.GetFunctionConfigurationCommand({ FunctionName: 'cov' }))).Handler, 'index.handler')],
  ['ListFunctions', async (l) => assert.deepEqual((await l.send(new sdk.ListFunctionsCommand({}))).Functions?.map((f) => f.FunctionName), ['cov'])],
  ['Invoke', async (l) => {
    const r = await l.send(new sdk.InvokeCommand({ FunctionName: 'cov', Payload: Buffer.from('{"x":1}') }));
    assert.deepEqual(JSON.parse(Buffer.from(r.Payload!).toString()), { got: { x: 1 } });
  }],
  ['InvokeAsync', async (l) => assert.equal((await l.send(new sdk.InvokeAsyncCommand({ FunctionName: 'cov', InvokeArgs: Buffer.from('{}') }))).Status, 202)],
  ['UpdateFunctionCode', async (l) => {
    const r = await l.send(new sdk.UpdateFunctionCodeCommand({ FunctionName: 'cov', ZipFile: await makeZip({ 'index.js': 'exports.handler = async () => 2;' }) }));
    assert.equal(r.LastUpdateStatus, 'Successful');
  }],
  ['PublishLayerVersion', async (l) => {
    const r = await l.send(new sdk.PublishLayerVersionCommand({ LayerName: 'cov-layer', Content: { ZipFile: await makeZip({ 'nodejs/node_modules/m/index.js': '' }) } }));
    assert.equal(r.LayerVersionArn, `${LAYER}:1`);
  }],
  ['GetLayerVersion', async (l) => assert.equal((await l.send(new sdk.GetLayerVersionCommand({ LayerName: 'cov-layer', VersionNumber: 1 }))).Version, 1)],
  ['GetLayerVersionByArn', async (l) => assert.equal((await l.send(new sdk.GetLayerVersionByArnCommand({ Arn: `${LAYER}:1` }))).LayerArn, LAYER)],
  ['ListLayers', async (l) => assert.deepEqual((await l.send(new sdk.ListLayersCommand({}))).Layers?.map((x) => x.LayerName), ['cov-layer'])],
  ['ListLayerVersions', async (l) => assert.deepEqual((await l.send(new sdk.ListLayerVersionsCommand({ LayerName: 'cov-layer' }))).LayerVersions?.map((v) => v.Version), [1])],
  ['AddLayerVersionPermission', async (l) => {
    const r = await l.send(new sdk.AddLayerVersionPermissionCommand({ LayerName: 'cov-layer', VersionNumber: 1, StatementId: 's', Action: 'lambda:GetLayerVersion', Principal: '*' }));
    assert.equal((JSON.parse(r.Statement!) as { Sid: string }).Sid, 's');
  }],
  ['GetLayerVersionPolicy', async (l) => assert.match((await l.send(new sdk.GetLayerVersionPolicyCommand({ LayerName: 'cov-layer', VersionNumber: 1 }))).Policy!, /"Sid":"s"/)],
  ['RemoveLayerVersionPermission', async (l) => {
    await l.send(new sdk.RemoveLayerVersionPermissionCommand({ LayerName: 'cov-layer', VersionNumber: 1, StatementId: 's' }));
    await assert.rejects(l.send(new sdk.GetLayerVersionPolicyCommand({ LayerName: 'cov-layer', VersionNumber: 1 })), { name: 'ResourceNotFoundException' });
  }],
  ['UpdateFunctionConfiguration', async (l) => {
    const r = await l.send(new sdk.UpdateFunctionConfigurationCommand({ FunctionName: 'cov', Layers: [`${LAYER}:1`], Timeout: 9 }));
    assert.deepEqual([r.Timeout, r.Layers?.[0]?.Arn], [9, `${LAYER}:1`]);
  }],
  ['DeleteLayerVersion', async (l) => {
    await l.send(new sdk.DeleteLayerVersionCommand({ LayerName: 'cov-layer', VersionNumber: 1 }));
    assert.deepEqual((await l.send(new sdk.ListLayerVersionsCommand({ LayerName: 'cov-layer' }))).LayerVersions, []);
  }],
  ['PublishVersion', async (l) => assert.equal((await l.send(new sdk.PublishVersionCommand({ FunctionName: 'cov' }))).Version, '1')],
  ['ListVersionsByFunction', async (l) => assert.deepEqual((await l.send(new sdk.ListVersionsByFunctionCommand({ FunctionName: 'cov' }))).Versions?.map((v) => v.Version), ['$LATEST', '1'])],
  ['CreateAlias', async (l) => assert.equal((await l.send(new sdk.CreateAliasCommand({ FunctionName: 'cov', Name: 'live', FunctionVersion: '1' }))).AliasArn, `${FN}:live`)],
  ['GetAlias', async (l) => assert.equal((await l.send(new sdk.GetAliasCommand({ FunctionName: 'cov', Name: 'live' }))).FunctionVersion, '1')],
  ['UpdateAlias', async (l) => assert.equal((await l.send(new sdk.UpdateAliasCommand({ FunctionName: 'cov', Name: 'live', Description: 'd' }))).Description, 'd')],
  ['ListAliases', async (l) => assert.deepEqual((await l.send(new sdk.ListAliasesCommand({ FunctionName: 'cov' }))).Aliases?.map((a) => a.Name), ['live'])],
  ['AddPermission', async (l) => {
    const r = await l.send(new sdk.AddPermissionCommand({ FunctionName: 'cov', StatementId: 'url', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }));
    assert.equal((JSON.parse(r.Statement!) as { Resource: string }).Resource, FN);
  }],
  ['GetPolicy', async (l) => {
    const r = await l.send(new sdk.GetPolicyCommand({ FunctionName: 'cov' }));
    assert.equal(r.RevisionId, (await l.send(new sdk.GetFunctionConfigurationCommand({ FunctionName: 'cov' }))).RevisionId);
  }],
  ['RemovePermission', async (l) => {
    await l.send(new sdk.RemovePermissionCommand({ FunctionName: 'cov', StatementId: 'url' }));
    await assert.rejects(l.send(new sdk.GetPolicyCommand({ FunctionName: 'cov' })), { name: 'ResourceNotFoundException' });
  }],
  ['PutResourcePolicy', async (l) => {
    const doc = '{"Version":"2012-10-17","Statement":[{"Sid":"x","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"*"}]}';
    assert.equal((await send<{ Policy: string }>(l, new sdk.PutResourcePolicyCommand({ ResourceArn: `${FN}:live`, Policy: doc }))).Policy, doc);
  }],
  ['GetResourcePolicy', async (l) => assert.match((await l.send(new sdk.GetResourcePolicyCommand({ ResourceArn: `${FN}:live` }))).Policy!, /"Sid":"x"/)],
  ['DeleteResourcePolicy', async (l) => {
    await l.send(new sdk.DeleteResourcePolicyCommand({ ResourceArn: `${FN}:live` }));
    await assert.rejects(l.send(new sdk.GetResourcePolicyCommand({ ResourceArn: `${FN}:live` })), { name: 'ResourceNotFoundException' });
  }],
  ['TagResource', async (l) => {
    await l.send(new sdk.TagResourceCommand({ Resource: FN, Tags: { b: '2' } }));
    assert.deepEqual((await l.send(new sdk.GetFunctionCommand({ FunctionName: 'cov' }))).Tags, { a: '1', b: '2' });
  }],
  ['ListTags', async (l) => assert.deepEqual((await l.send(new sdk.ListTagsCommand({ Resource: FN }))).Tags, { a: '1', b: '2' })],
  ['UntagResource', async (l) => {
    await l.send(new sdk.UntagResourceCommand({ Resource: FN, TagKeys: ['a'] }));
    assert.deepEqual((await l.send(new sdk.ListTagsCommand({ Resource: FN }))).Tags, { b: '2' });
  }],
  ['CreateCodeSigningConfig', async (l) => {
    const r = await l.send(new sdk.CreateCodeSigningConfigCommand({ AllowedPublishers: { SigningProfileVersionArns: ['arn:aws:signer:us-east-1:000000000000:/signing-profiles/p'] } }));
    codeSigningArn = r.CodeSigningConfig!.CodeSigningConfigArn!;
    assert.equal(r.CodeSigningConfig!.CodeSigningPolicies?.UntrustedArtifactOnDeployment, 'Warn');
  }],
  ['GetCodeSigningConfig', async (l) => assert.equal((await l.send(new sdk.GetCodeSigningConfigCommand({ CodeSigningConfigArn: codeSigningArn }))).CodeSigningConfig?.CodeSigningConfigArn, codeSigningArn)],
  ['UpdateCodeSigningConfig', async (l) => assert.equal((await l.send(new sdk.UpdateCodeSigningConfigCommand({ CodeSigningConfigArn: codeSigningArn, Description: 'd' }))).CodeSigningConfig?.Description, 'd')],
  ['ListCodeSigningConfigs', async (l) => assert.equal((await l.send(new sdk.ListCodeSigningConfigsCommand({}))).CodeSigningConfigs?.length, 1)],
  ['PutFunctionCodeSigningConfig', async (l) => assert.equal((await l.send(new sdk.PutFunctionCodeSigningConfigCommand({ FunctionName: 'cov', CodeSigningConfigArn: codeSigningArn }))).FunctionName, 'cov')],
  ['GetFunctionCodeSigningConfig', async (l) => assert.equal((await l.send(new sdk.GetFunctionCodeSigningConfigCommand({ FunctionName: 'cov' }))).CodeSigningConfigArn, codeSigningArn)],
  ['ListFunctionsByCodeSigningConfig', async (l) => assert.deepEqual((await l.send(new sdk.ListFunctionsByCodeSigningConfigCommand({ CodeSigningConfigArn: codeSigningArn }))).FunctionArns, [FN])],
  ['DeleteFunctionCodeSigningConfig', async (l) => {
    await l.send(new sdk.DeleteFunctionCodeSigningConfigCommand({ FunctionName: 'cov' }));
    assert.equal((await l.send(new sdk.GetFunctionCodeSigningConfigCommand({ FunctionName: 'cov' }))).CodeSigningConfigArn, undefined);
  }],
  ['DeleteCodeSigningConfig', async (l) => {
    await l.send(new sdk.DeleteCodeSigningConfigCommand({ CodeSigningConfigArn: codeSigningArn }));
    assert.deepEqual((await l.send(new sdk.ListCodeSigningConfigsCommand({}))).CodeSigningConfigs, []);
  }],
  ['PutFunctionRecursionConfig', async (l) => assert.equal((await l.send(new sdk.PutFunctionRecursionConfigCommand({ FunctionName: 'cov', RecursiveLoop: 'Allow' }))).RecursiveLoop, 'Allow')],
  ['GetFunctionRecursionConfig', async (l) => assert.equal((await l.send(new sdk.GetFunctionRecursionConfigCommand({ FunctionName: 'cov' }))).RecursiveLoop, 'Allow')],
  ['PutRuntimeManagementConfig', async (l) => assert.equal((await l.send(new sdk.PutRuntimeManagementConfigCommand({ FunctionName: 'cov', UpdateRuntimeOn: 'FunctionUpdate' }))).UpdateRuntimeOn, 'FunctionUpdate')],
  ['GetRuntimeManagementConfig', async (l) => assert.equal((await l.send(new sdk.GetRuntimeManagementConfigCommand({ FunctionName: 'cov' }))).UpdateRuntimeOn, 'FunctionUpdate')],
  ['PutFunctionConcurrency', async (l) => assert.equal((await l.send(new sdk.PutFunctionConcurrencyCommand({ FunctionName: 'cov', ReservedConcurrentExecutions: 5 }))).ReservedConcurrentExecutions, 5)],
  ['GetFunctionConcurrency', async (l) => assert.equal((await l.send(new sdk.GetFunctionConcurrencyCommand({ FunctionName: 'cov' }))).ReservedConcurrentExecutions, 5)],
  ['DeleteFunctionConcurrency', async (l) => {
    await l.send(new sdk.DeleteFunctionConcurrencyCommand({ FunctionName: 'cov' }));
    assert.equal((await l.send(new sdk.GetFunctionConcurrencyCommand({ FunctionName: 'cov' }))).ReservedConcurrentExecutions, undefined);
  }],
  ['GetAccountSettings', async (l) => assert.equal((await l.send(new sdk.GetAccountSettingsCommand({}))).AccountUsage?.FunctionCount, 1)],
  ['PutProvisionedConcurrencyConfig', async (l) => assert.equal((await l.send(new sdk.PutProvisionedConcurrencyConfigCommand({ FunctionName: 'cov', Qualifier: '1', ProvisionedConcurrentExecutions: 1 }))).RequestedProvisionedConcurrentExecutions, 1)],
  ['GetProvisionedConcurrencyConfig', async (l) => assert.equal((await l.send(new sdk.GetProvisionedConcurrencyConfigCommand({ FunctionName: 'cov', Qualifier: '1' }))).RequestedProvisionedConcurrentExecutions, 1)],
  ['ListProvisionedConcurrencyConfigs', async (l) => assert.equal((await l.send(new sdk.ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'cov' }))).ProvisionedConcurrencyConfigs?.length, 1)],
  ['DeleteProvisionedConcurrencyConfig', async (l) => {
    await l.send(new sdk.DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'cov', Qualifier: '1' }));
    await assert.rejects(l.send(new sdk.GetProvisionedConcurrencyConfigCommand({ FunctionName: 'cov', Qualifier: '1' })), { name: 'ProvisionedConcurrencyConfigNotFoundException' });
  }],
  ['CreateFunctionUrlConfig', async (l) => assert.equal((await l.send(new sdk.CreateFunctionUrlConfigCommand({ FunctionName: 'cov', AuthType: 'NONE' }))).AuthType, 'NONE')],
  ['GetFunctionUrlConfig', async (l) => assert.match((await l.send(new sdk.GetFunctionUrlConfigCommand({ FunctionName: 'cov' }))).FunctionUrl!, /^http/)],
  ['UpdateFunctionUrlConfig', async (l) => assert.equal((await l.send(new sdk.UpdateFunctionUrlConfigCommand({ FunctionName: 'cov', Cors: { AllowOrigins: ['*'] } }))).Cors?.AllowOrigins?.[0], '*')],
  ['ListFunctionUrlConfigs', async (l) => assert.equal((await l.send(new sdk.ListFunctionUrlConfigsCommand({ FunctionName: 'cov' }))).FunctionUrlConfigs?.length, 1)],
  ['DeleteFunctionUrlConfig', async (l) => {
    await l.send(new sdk.DeleteFunctionUrlConfigCommand({ FunctionName: 'cov' }));
    assert.equal((await l.send(new sdk.ListFunctionUrlConfigsCommand({ FunctionName: 'cov' }))).FunctionUrlConfigs?.length, 0);
  }],
  ['PutFunctionEventInvokeConfig', async (l) => assert.equal((await l.send(new sdk.PutFunctionEventInvokeConfigCommand({ FunctionName: 'cov', MaximumRetryAttempts: 1 }))).MaximumRetryAttempts, 1)],
  ['UpdateFunctionEventInvokeConfig', async (l) => assert.equal((await l.send(new sdk.UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'cov', MaximumEventAgeInSeconds: 120 }))).MaximumEventAgeInSeconds, 120)],
  ['GetFunctionEventInvokeConfig', async (l) => assert.equal((await l.send(new sdk.GetFunctionEventInvokeConfigCommand({ FunctionName: 'cov' }))).MaximumRetryAttempts, 1)],
  ['ListFunctionEventInvokeConfigs', async (l) => assert.equal((await l.send(new sdk.ListFunctionEventInvokeConfigsCommand({ FunctionName: 'cov' }))).FunctionEventInvokeConfigs?.length, 1)],
  ['DeleteFunctionEventInvokeConfig', async (l) => {
    await l.send(new sdk.DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'cov' }));
    await assert.rejects(l.send(new sdk.GetFunctionEventInvokeConfigCommand({ FunctionName: 'cov' })), { name: 'ResourceNotFoundException' });
  }],
  ['InvokeWithResponseStream', async (l) => {
    const r = await l.send(new sdk.InvokeWithResponseStreamCommand({ FunctionName: 'cov', Payload: Buffer.from('{}') }));
    let body = '';
    let completed = false;
    for await (const e of r.EventStream!) {
      if (e.PayloadChunk?.Payload) body += Buffer.from(e.PayloadChunk.Payload).toString();
      if (e.InvokeComplete) completed = e.InvokeComplete.ErrorCode === undefined;
    }
    assert.deepEqual([body, completed], ['2', true]);
  }],
  ['CreateEventSourceMapping', async (l) => {
    const sqs = new SQSClient({ endpoint: await l.config.endpoint!().then((e) => `${e.protocol}//${e.hostname}:${e.port}`), region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await sqs.send(new CreateQueueCommand({ QueueName: 'cov-q' }));
    sqs.destroy();
    const r = await l.send(new sdk.CreateEventSourceMappingCommand({ FunctionName: 'cov', EventSourceArn: QUEUE, BatchSize: 5, Enabled: false }));
    mappingUuid = r.UUID!;
    assert.deepEqual([r.EventSourceArn, r.BatchSize], [QUEUE, 5]);
  }],
  ['GetEventSourceMapping', async (l) => assert.equal((await l.send(new sdk.GetEventSourceMappingCommand({ UUID: mappingUuid }))).FunctionArn, FN)],
  ['UpdateEventSourceMapping', async (l) => assert.equal((await l.send(new sdk.UpdateEventSourceMappingCommand({ UUID: mappingUuid, BatchSize: 7 }))).BatchSize, 7)],
  ['ListEventSourceMappings', async (l) => assert.deepEqual((await l.send(new sdk.ListEventSourceMappingsCommand({ FunctionName: 'cov' }))).EventSourceMappings?.map((m) => m.UUID), [mappingUuid])],
  ['DeleteEventSourceMapping', async (l) => assert.equal((await l.send(new sdk.DeleteEventSourceMappingCommand({ UUID: mappingUuid }))).State, 'Deleting')],
  ['DeleteAlias', async (l) => {
    await l.send(new sdk.DeleteAliasCommand({ FunctionName: 'cov', Name: 'live' }));
    assert.deepEqual((await l.send(new sdk.ListAliasesCommand({ FunctionName: 'cov' }))).Aliases, []);
  }],
  // Durable functions (docs/durable.md): a durable function speaking the wire contract itself.
  ['CheckpointDurableExecution', async (l) => {
    await l.send(new sdk.CreateFunctionCommand({ FunctionName: 'covd', Runtime: 'nodejs22.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await makeZip({ 'index.js': RAW_DURABLE }) }, DurableConfig: { ExecutionTimeout: 600 } }));
    const r = await l.send(new sdk.InvokeCommand({ FunctionName: 'covd', Qualifier: '$LATEST', InvocationType: 'Event', Payload: Buffer.from('{}') }));
    durableArn = r.DurableExecutionArn!;
    const started = await until('the callbacks start', async () => {
      const ids = (await durableEvents(l)).flatMap((e) => (e.CallbackStartedDetails?.CallbackId ? [e.CallbackStartedDetails.CallbackId] : []));
      return ids.length === 3 ? ids : undefined;
    });
    callbackIds = started;
  }],
  ['GetDurableExecutionState', async (l) => {
    const step = (await durableEvents(l)).find((e) => e.EventType === 'StepSucceeded');
    assert.deepEqual(JSON.parse(step!.StepSucceededDetails!.Result!.Payload!), { operations: 1 });
  }],
  ['GetDurableExecution', async (l) => assert.equal((await l.send(new sdk.GetDurableExecutionCommand({ DurableExecutionArn: durableArn }))).Status, 'RUNNING')],
  ['GetDurableExecutionHistory', async (l) => assert.equal((await durableEvents(l))[0]!.EventType, 'ExecutionStarted')],
  ['ListDurableExecutionsByFunction', async (l) => {
    const r = await l.send(new sdk.ListDurableExecutionsByFunctionCommand({ FunctionName: 'covd' }));
    assert.deepEqual(r.DurableExecutions?.map((e) => e.DurableExecutionArn), [durableArn]);
  }],
  ['SendDurableExecutionCallbackHeartbeat', async (l) => {
    const r = await l.send(new sdk.SendDurableExecutionCallbackHeartbeatCommand({ CallbackId: callbackIds[0]! }));
    assert.equal(r.$metadata.httpStatusCode, 200);
  }],
  ['SendDurableExecutionCallbackSuccess', async (l) => {
    await l.send(new sdk.SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackIds[0]!, Result: Buffer.from('"yes"') }));
    const ok = (await durableEvents(l)).find((e) => e.EventType === 'CallbackSucceeded');
    assert.equal(ok?.CallbackSucceededDetails?.Result?.Payload, '"yes"');
  }],
  ['SendDurableExecutionCallbackFailure', async (l) => {
    await l.send(new sdk.SendDurableExecutionCallbackFailureCommand({ CallbackId: callbackIds[1]!, Error: { ErrorMessage: 'no' } }));
    const failed = (await durableEvents(l)).find((e) => e.EventType === 'CallbackFailed');
    assert.equal(failed?.CallbackFailedDetails?.Error?.Payload?.ErrorMessage, 'no');
  }],
  ['StopDurableExecution', async (l) => {
    await l.send(new sdk.StopDurableExecutionCommand({ DurableExecutionArn: durableArn }));
    assert.equal((await l.send(new sdk.GetDurableExecutionCommand({ DurableExecutionArn: durableArn }))).Status, 'STOPPED');
  }],
  ['DeleteFunction', async (l) => {
    await l.send(new sdk.DeleteFunctionCommand({ FunctionName: 'cov' }));
    await assert.rejects(l.send(new sdk.GetFunctionCommand({ FunctionName: 'cov' })), { name: 'ResourceNotFoundException' });
  }],
];

/** The least input the SDK sends for each refused operation (its required members). */
const REFUSED_INPUT: Record<string, Record<string, unknown>> = {
  CreateCapacityProvider: { CapacityProviderName: 'cp', VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: ['sg-1'] }, PermissionsConfig: { CapacityProviderOperatorRoleArn: ROLE } },
  GetCapacityProvider: { CapacityProviderName: 'cp' },
  UpdateCapacityProvider: { CapacityProviderName: 'cp' },
  DeleteCapacityProvider: { CapacityProviderName: 'cp' },
  ListCapacityProviders: {},
  ListFunctionVersionsByCapacityProvider: { CapacityProviderName: 'cp' },
  GetFunctionScalingConfig: { FunctionName: 'cov', Qualifier: '1' },
  PutFunctionScalingConfig: { FunctionName: 'cov', Qualifier: '1', FunctionScalingConfig: { MinExecutionEnvironments: 1 } },
};

test('the model Nimbus is held to is the one @aws-sdk/client-lambda speaks: its operations and their methods, paths and statuses', () => {
  const commands = Object.keys(sdk)
    .filter((k) => /^[A-Z]\w+Command$/.test(k))
    .map((k) => k.slice(0, -'Command'.length))
    .sort();
  assert.deepEqual(modelOperations(), commands);
  const sdkSide = sdkBindings();
  assert.equal(sdkSide.size, commands.length, 'every operation found in the SDK schemas');
  assert.deepEqual(Object.fromEntries([...modelBindings()].sort()), Object.fromEntries([...sdkSide].sort()));
});

test('every operation of the Lambda model works or is refused as docs/compatibility.md says', async (t) => {
  const ops = modelOperations();
  const refused = refusalTable();
  const works = new Map(WORKS);
  for (const op of ops) {
    const homes = [works.has(op), refused.has(op), PENDING.has(op)].filter(Boolean).length;
    assert.equal(homes, 1, `${op} must be in exactly one of WORKS, the refusal table and PENDING`);
  }
  assert.deepEqual([...works.keys(), ...refused.keys(), ...PENDING].filter((op) => !ops.includes(op)), [], 'names that are not operations of the model');
  assert.equal(works.size, WORKS.length, 'each working operation is exercised once');

  const { lambda } = await startTestNimbus(t, { isolation: 'process' });
  for (const [op, call] of WORKS) await t.test(`${op} works`, () => call(lambda));

  // Refused operations run against a function with a published version, so that only the refusal can answer.
  await t.test('a function for the refused operations', async () => {
    const zip = await makeZip({ 'index.js': 'exports.handler = async () => 1;' });
    const r = await lambda.send(new sdk.CreateFunctionCommand({ FunctionName: 'cov', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip }, Publish: true }));
    assert.equal(r.Version, '1');
  });
  for (const [op, error] of refused) {
    await t.test(`${op} is refused with ${error}`, async () => {
      const Command = (sdk as unknown as Record<string, new (input: unknown) => unknown>)[`${op}Command`];
      assert.ok(Command, `the SDK has ${op}Command`);
      const input = REFUSED_INPUT[op];
      assert.ok(input, `REFUSED_INPUT has ${op}`);
      await assert.rejects(send(lambda, new Command(input)), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, error, `${op}: ${e.name}: ${e.message}`);
        assert.equal(e.$metadata?.httpStatusCode, 400);
        assert.match(e.message, /Nimbus does not support|no capacity provider/);
        return true;
      });
    });
  }

  t.diagnostic(`operations: ${ops.length}; work: ${works.size}; refused: ${refused.size}; pending: ${PENDING.size} (${[...PENDING].join(', ')})`);
});
