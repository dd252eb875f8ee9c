/**
 * Everything Nimbus serves over HTTP, on one page: Lambda's REST API (by path), Nimbus's own
 * /nimbus/v1 and /metrics, and the two hooks that claim requests the table does not describe
 * (function URLs by Host or /nimbus/v1/url/..., stack APIs by Host or /nimbus/v1/apis/...). Both
 * hooks run before the table, and only on their own hosts or path prefixes: anything else that
 * matches no route is Lambda's UnknownOperationException, never a user's function. The composition root builds
 * the services and mounts this table on the server; the handlers live in their API area's folder.
 *
 * Paths use find-my-way's `:param` syntax. Lambda's API puts a date in each path: the date is the
 * API version the operation was introduced with (docs/reference/lambda-api.md §1.1), not a choice of Nimbus.
 */
import type { Clock } from '../core/clock.js';
import type { AsyncInvoker } from '../invoke/async.js';
import type { ConcurrencyLimiter } from '../invoke/concurrency.js';
import type { Invoker } from '../invoke/invoker.js';
import type { LogService } from '../logs/log-service.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Pool } from '../pool/pool.js';
import type { EventQueue } from '../queue/types.js';
import type { EventBridgeService } from '../eventbridge/service.js';
import type { SnsService } from '../sns/service.js';
import type { SqsService } from '../sqs/service.js';
import type { S3Service } from '../s3/service.js';
import { s3Hook } from './s3/hook.js';
import { registryHook } from './registry/hook.js';
import { ecrWireService } from './services/ecr.js';
import type { RegistryService } from '../registry/service.js';
import type { RegistryTokens } from '../registry/tokens.js';
import type { EcrApi } from '../registry/ecr.js';
import type { CodeStore } from '../store/code-store.js';
import type { UrlConfigStore } from '../store/types.js';
import { codeSigningHandlers } from './code-signing/routes.js';
import type { CodeSigningService } from './code-signing/service.js';
import { layerHandlers } from './layers/routes.js';
import type { LayerPermissions } from './layers/permissions.js';
import type { LayerService } from './layers/service.js';
import { permissionHandlers } from './permissions/routes.js';
import type { PermissionService } from './permissions/service.js';
import { refusedRoutes } from './refused/routes.js';
import { durableHandlers, type DurableApi } from './durable/routes.js';
import { settingsHandlers } from './settings/routes.js';
import type { FunctionSettingsService } from './settings/service.js';
import { tagHandlers } from './tags/routes.js';
import type { TagService } from './tags/service.js';
import { eventInvokeConfigHandlers } from './async/event-invoke-config-routes.js';
import type { EventInvokeConfigService } from './async/event-invoke-config.js';
import { queueHandlers } from './async/queues.js';
import { asyncHandlers } from './async/routes.js';
import type { ScheduleService } from './async/schedules.js';
import { provisionedHandlers } from './concurrency/provisioned-routes.js';
import type { ProvisionedService } from './concurrency/provisioned.js';
import { reservedConcurrencyHandlers } from './concurrency/reserved-routes.js';
import type { ConcurrencyService } from './concurrency/reserved.js';
import { esmHandlers, type MappingStatusOf } from './esm/routes.js';
import type { EventSourceMappingService } from './esm/service.js';
import { functionHandlers } from './functions/routes.js';
import type { FunctionService } from './functions/service.js';
import type { Route, RouteHook, Security } from './http/server.js';
import { apiRouteHook } from './http-routes/hook.js';
import { apiListHandlers } from './http-routes/routes.js';
import type { RouteService } from './http-routes/service.js';
import { responseStreamingHandler } from './invoke/response-streaming.js';
import { dynamoDbWireService } from './services/dynamodb.js';
import { kinesisWireService } from './services/kinesis.js';
import type { KinesisService } from '../kinesis/service.js';
import { ssmWireService } from './services/ssm.js';
import { secretsManagerWireService } from './services/secretsmanager.js';
import type { SecretsManagerService } from '../secretsmanager/service.js';
import type { SsmService } from '../ssm/service.js';
import { eventBridgeWireService } from './services/eventbridge.js';
import type { DynamoDbService } from '../dynamodb/service.js';
import type { CloudWatchLogsService } from './cwlogs/service.js';
import { logsWireService } from './cwlogs/wire.js';
import { cloudFormationWireService } from './cloudformation/wire.js';
import type { CloudFormationService } from './cloudformation/service.js';
import type { IamService } from './iam/service.js';
import { iamWireService } from './iam/wire.js';
import { servicesHook } from './services/hook.js';
import { snsWireService } from './services/sns.js';
import { sqsWireService } from './services/sqs.js';
import { invokeHandlers } from './invoke/routes.js';
import { metricsHandlers } from './nimbus/metrics.js';
import { nimbusHandlers, type HealthInfo } from './nimbus/routes.js';
import { secretsHandlers } from './secrets/routes.js';
import type { CodeUrls } from '../secrets/code-urls.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { Store } from '../store/types.js';
import { stackHandlers } from './stacks/routes.js';
import type { StackService } from './stacks/service.js';
import { functionUrlHook } from './urls/hook.js';
import { urlConfigHandlers } from './urls/routes.js';
import type { UrlConfigService } from './urls/service.js';
import type { AliasService } from './versions/aliases.js';
import { versionHandlers } from './versions/routes.js';
import type { VersionService } from './versions/versions.js';


/** What the table's handlers and hooks are made from: built by the composition root alone. */
export interface ApiServices {
  clock: Clock;
  log: (line: string) => void;
  functions: FunctionService;
  versions: VersionService;
  aliases: AliasService;
  concurrency: ConcurrencyService;
  provisioned: ProvisionedService;
  invoker: Invoker;
  events: AsyncInvoker;
  urls: UrlConfigService;
  urlStore: UrlConfigStore;
  routes: RouteService;
  stacks: StackService;
  /** CloudFormation's API over the same stacks (api/cloudformation). */
  cloudFormation: CloudFormationService;
  eventInvokeConfigs: EventInvokeConfigService;
  schedules: ScheduleService;
  queue: EventQueue;
  /** The SQS-compatible service: its wire protocols on the endpoint, its queues under /nimbus/v1/queues. */
  sqs: SqsService;
  /** EventBridge and SNS subsets, on the endpoint by their wire markers. */
  eventBridge: EventBridgeService;
  sns: SnsService;
  /** The S3 REST API (src/s3), on the endpoint by its signing service or Host (api/s3). */
  s3: S3Service;
  /** The container registry (src/registry): OCI Distribution under /v2/ (api/registry), ECR's API by its X-Amz-Target. */
  registry: { service: RegistryService; tokens: RegistryTokens; ecr: EcrApi };
  /** IAM's roles API (api/iam), on the endpoint by its Query `Version`. */
  iam: IamService;
  /** A CloudWatch Logs subset over the function logs (api/cwlogs), on the endpoint by its X-Amz-Target. */
  cloudWatchLogs: CloudWatchLogsService;
  /** DynamoDB (dynalite, loaded on first use), on the endpoint by its X-Amz-Target. */
  dynamodb: DynamoDbService;
  /** Kinesis Data Streams (a subset, src/kinesis), on the endpoint by its X-Amz-Target. */
  kinesis: KinesisService;
  ssm: SsmService;
  secretsManager: SecretsManagerService;
  mappings: EventSourceMappingService;
  /** What a mapping's poller has done (src/esm/runner.ts). */
  mappingStatus: MappingStatusOf;
  logs: LogService;
  code: CodeStore;
  metrics: Metrics;
  pool: Pool;
  limiter: ConcurrencyLimiter;
  health: HealthInfo;
  layers: LayerService;
  layerPermissions: LayerPermissions;
  tags: TagService;
  permissions: PermissionService;
  codeSigning: CodeSigningService;
  functionSettings: FunctionSettingsService;
  /** Presigned code download links (src/secrets/code-urls.ts). */
  codeUrls: CodeUrls;
  /** The keyring and the store whose secrets it encrypts (api/secrets). */
  secrets: { box: SecretBox; store: Store; clustered?: boolean };
  /** Authentication for AWS_IAM function URLs (the gateway applies it to the API itself). */
  security?: Security | undefined;
  /** Lambda durable functions (api/durable); its engine is absent on a cluster node. */
  durable: DurableApi;
  /** `--time-scale`: a synchronous durable invoke waits this many times less. */
  timeScale: number;
}

export interface ApiTable {
  routes: Route[];
  /**
   * Run before the routes: function URLs and stack APIs, which own every path under their host;
   * then the AWS service protocols (SQS, SNS, EventBridge), each selected by its wire markers
   * (api/services/hook.ts).
   */
  before: RouteHook[];
  /** Run when no route matched: none, so an unknown path is always UnknownOperationException. */
  fallback: RouteHook[];
  /**
   * `METHOD pattern` of the routes the lean front end may serve (api/http/lean.ts): a handler that
   * reads only the request's head and body and answers a plain Reply (never `stream`).
   */
  lean: string[];
}

export function apiTable(s: ApiServices): ApiTable {
  const fn = functionHandlers(s.functions, s.concurrency, s.codeUrls, s.tags);
  const ver = versionHandlers(s.versions, s.aliases);
  const reserved = reservedConcurrencyHandlers(s.concurrency);
  const prov = provisionedHandlers(s.provisioned);
  const inv = invokeHandlers(s.functions, s.invoker, s.events, { api: s.durable, timeScale: s.timeScale });
  const dur = durableHandlers(s.durable);
  const DX = '/2025-12-01/durable-executions/:DurableExecutionArn';
  const CB = '/2025-12-01/durable-execution-callbacks/:CallbackId';
  const url = urlConfigHandlers(s.urls);
  const eic = eventInvokeConfigHandlers(s.eventInvokeConfigs);
  const apis = apiListHandlers(s.routes);
  const stacks = stackHandlers({ stacks: s.stacks, routes: s.routes, urls: s.urlStore, code: s.code });
  const async = asyncHandlers({ queue: s.queue, schedules: s.schedules });
  const queues = queueHandlers(s.sqs);
  const esm = esmHandlers(s.mappings, s.mappingStatus);
  const ESM = '/2015-03-31/event-source-mappings';
  const nimbus = nimbusHandlers({ logs: s.logs, code: s.code, health: s.health, codeUrls: s.codeUrls });
  const secrets = secretsHandlers(s.secrets);
  const metrics = metricsHandlers({ metrics: s.metrics, pool: s.pool, limiter: s.limiter, sqs: { longPolls: () => s.sqs.engine.waitingReceives } });
  const FN = '/2015-03-31/functions/:FunctionName';
  const EIC = '/2019-09-25/functions/:FunctionName/event-invoke-config';
  const URL = '/2021-10-31/functions/:FunctionName';
  const PROVISIONED = '/2019-09-30/functions/:FunctionName/provisioned-concurrency';
  const layer = layerHandlers(s.layers, s.layerPermissions, s.codeUrls);
  const tag = tagHandlers(s.tags);
  const perm = permissionHandlers(s.permissions);
  const csc = codeSigningHandlers(s.codeSigning);
  const set = settingsHandlers(s.functionSettings);
  const LAYER = '/2018-10-31/layers/:LayerName/versions/:VersionNumber';
  const CSC = '/2020-04-22/code-signing-configs';
  return {
    routes: [
      // Functions (api/functions)
      ['POST', '/2015-03-31/functions', fn.create],
      ['GET', '/2015-03-31/functions', fn.list],
      ['GET', FN, fn.get],
      ['DELETE', FN, fn.delete],
      ['GET', `${FN}/configuration`, fn.getConfiguration],
      ['PUT', `${FN}/configuration`, fn.updateConfiguration],
      ['PUT', `${FN}/code`, fn.updateCode],
      ['GET', '/2016-08-19/account-settings', fn.accountSettings],
      // Versions and aliases (api/versions)
      ['POST', `${FN}/versions`, ver.publish],
      ['GET', `${FN}/versions`, ver.list],
      ['POST', `${FN}/aliases`, ver.createAlias],
      ['GET', `${FN}/aliases`, ver.listAliases],
      ['GET', `${FN}/aliases/:Name`, ver.getAlias],
      ['PUT', `${FN}/aliases/:Name`, ver.updateAlias],
      ['DELETE', `${FN}/aliases/:Name`, ver.deleteAlias],
      // Reserved and provisioned concurrency (api/concurrency)
      ['PUT', '/2017-10-31/functions/:FunctionName/concurrency', reserved.put],
      ['GET', '/2019-09-30/functions/:FunctionName/concurrency', reserved.get],
      ['DELETE', '/2017-10-31/functions/:FunctionName/concurrency', reserved.delete],
      ['PUT', PROVISIONED, prov.put],
      ['GET', PROVISIONED, prov.getOrList],
      ['DELETE', PROVISIONED, prov.delete],
      // Invoke (api/invoke)
      ['POST', `${FN}/invocations`, inv.invoke],
      ['POST', '/2014-11-13/functions/:FunctionName/invoke-async', inv.invokeAsync],
      ['POST', '/2021-11-15/functions/:FunctionName/response-streaming-invocations', responseStreamingHandler(s.functions, s.invoker)],
      // Function URL configs (api/urls); serving them is the `before` hook
      ['POST', `${URL}/url`, url.create],
      ['GET', `${URL}/url`, url.get],
      ['PUT', `${URL}/url`, url.update],
      ['DELETE', `${URL}/url`, url.delete],
      ['GET', `${URL}/urls`, url.list],
      // Event-source mappings (api/esm); polling is src/esm
      ['POST', ESM, esm.create],
      ['GET', ESM, esm.list],
      ['GET', `${ESM}/:UUID`, esm.get],
      ['PUT', `${ESM}/:UUID`, esm.update],
      ['DELETE', `${ESM}/:UUID`, esm.delete],
      // Async invocation configs (api/async)
      ['PUT', EIC, eic.put],
      ['POST', EIC, eic.update],
      ['GET', EIC, eic.get],
      ['DELETE', EIC, eic.delete],
      ['GET', `${EIC}/list`, eic.list],
      // Layers and layer version permissions (api/layers); GetLayerVersionByArn is ListLayers' path with `find=LayerVersion`
      ['POST', '/2018-10-31/layers/:LayerName/versions', layer.publish],
      ['GET', '/2018-10-31/layers/:LayerName/versions', layer.listVersions],
      ['GET', '/2018-10-31/layers', layer.listOrFind],
      ['GET', LAYER, layer.get],
      ['DELETE', LAYER, layer.delete],
      ['POST', `${LAYER}/policy`, layer.addPermission],
      ['GET', `${LAYER}/policy`, layer.getPolicy],
      ['DELETE', `${LAYER}/policy/:StatementId`, layer.removePermission],
      // Tags (api/tags)
      ['POST', '/2017-03-31/tags/:Resource', tag.tag],
      ['DELETE', '/2017-03-31/tags/:Resource', tag.untag],
      ['GET', '/2017-03-31/tags/:Resource', tag.list],
      // Resource-based policies (api/permissions)
      ['POST', `${FN}/policy`, perm.add],
      ['GET', `${FN}/policy`, perm.get],
      ['DELETE', `${FN}/policy/:StatementId`, perm.remove],
      ['PUT', '/2026-07-09/resource-policy/:ResourceArn', perm.putResource],
      ['GET', '/2026-07-09/resource-policy/:ResourceArn', perm.getResource],
      ['DELETE', '/2026-07-09/resource-policy/:ResourceArn', perm.deleteResource],
      // Code signing configs (api/code-signing)
      ['POST', CSC, csc.create],
      ['GET', CSC, csc.list],
      ['GET', `${CSC}/:CodeSigningConfigArn`, csc.get],
      ['PUT', `${CSC}/:CodeSigningConfigArn`, csc.update],
      ['DELETE', `${CSC}/:CodeSigningConfigArn`, csc.delete],
      ['GET', `${CSC}/:CodeSigningConfigArn/functions`, csc.listFunctions],
      ['PUT', '/2020-06-30/functions/:FunctionName/code-signing-config', csc.putForFunction],
      ['GET', '/2020-06-30/functions/:FunctionName/code-signing-config', csc.getForFunction],
      ['DELETE', '/2020-06-30/functions/:FunctionName/code-signing-config', csc.deleteForFunction],
      // Recursion, runtime management and (refused) scaling configs (api/settings)
      ['GET', '/2024-08-31/functions/:FunctionName/recursion-config', set.getRecursion],
      ['PUT', '/2024-08-31/functions/:FunctionName/recursion-config', set.putRecursion],
      ['GET', '/2021-07-20/functions/:FunctionName/runtime-management-config', set.getRuntimeManagement],
      ['PUT', '/2021-07-20/functions/:FunctionName/runtime-management-config', set.putRuntimeManagement],
      ['GET', '/2025-11-30/functions/:FunctionName/function-scaling-config', set.getScaling],
      ['PUT', '/2025-11-30/functions/:FunctionName/function-scaling-config', set.putScaling],
      // Durable functions (api/durable, docs/durable.md)
      ['POST', `${DX}/checkpoint`, dur.checkpoint],
      ['GET', DX, dur.get],
      ['GET', `${DX}/history`, dur.history],
      ['GET', `${DX}/state`, dur.state],
      ['POST', `${DX}/stop`, dur.stop],
      ['GET', '/2025-12-01/functions/:FunctionName/durable-executions', dur.list],
      ['POST', `${CB}/succeed`, dur.callbackSuccess],
      ['POST', `${CB}/fail`, dur.callbackFailure],
      ['POST', `${CB}/heartbeat`, dur.callbackHeartbeat],
      // Capacity providers: refused with Lambda's error (api/refused, docs/compatibility.md)
      ...refusedRoutes(),
      // Nimbus's own API: events, built-in queues, schedules (api/async)
      // Nimbus's own API: events, SQS queues, schedules (api/async)
      ['GET', '/nimbus/v1/events', async.listEvents],
      ['GET', '/nimbus/v1/events/:id', async.getEvent],
      ['GET', '/nimbus/v1/queues', queues.listQueues],
      ['GET', '/nimbus/v1/queues/:name/messages', queues.readMessages],
      ['DELETE', '/nimbus/v1/queues/:name/messages', queues.deleteMessages],
      ['GET', '/nimbus/v1/schedules', async.listSchedules],
      ['GET', '/nimbus/v1/schedules/:name', async.getSchedule],
      ['PUT', '/nimbus/v1/schedules/:name', async.putSchedule],
      ['DELETE', '/nimbus/v1/schedules/:name', async.deleteSchedule],
      // Nimbus's own API: SAM stacks and the packages they name (api/stacks), their APIs (api/http-routes);
      // serving the APIs is the second `before` hook
      ['GET', '/nimbus/v1/stacks', stacks.list],
      ['GET', '/nimbus/v1/stacks/:StackName', stacks.get],
      ['PUT', '/nimbus/v1/stacks/:StackName', stacks.deploy],
      ['DELETE', '/nimbus/v1/stacks/:StackName', stacks.delete],
      ['PUT', '/nimbus/v1/artifacts/:sha256', stacks.uploadArtifact],
      ['GET', '/nimbus/v1/apis', apis.list],
      // Nimbus's own API: event-source mappings with their recent batches and lag (api/esm)
      ['GET', '/nimbus/v1/event-source-mappings', esm.nimbusList],
      ['GET', '/nimbus/v1/event-source-mappings/:UUID', esm.nimbusGet],
      // Nimbus's own API: logs, code, health, metrics (api/nimbus)
      ['GET', '/nimbus/v1/functions/:FunctionName/logs', nimbus.logs],
      ['GET', '/nimbus/v1/code/:sha', nimbus.code],
      ['GET', '/nimbus/v1/health', nimbus.health],
      // Nimbus's own API: the keyring that encrypts secrets at rest (api/secrets)
      ['GET', '/nimbus/v1/secrets/keys', secrets.list],
      ['POST', '/nimbus/v1/secrets/keys', secrets.addKey],
      ['POST', '/nimbus/v1/secrets/rotate', secrets.rotate],
      ['GET', '/nimbus/v1/stats', metrics.stats],
      ['GET', '/metrics', metrics.prometheus],
    ],
    before: [
      functionUrlHook({ urls: s.urlStore, clock: s.clock, functions: s.functions, invoker: s.invoker, security: s.security }),
      apiRouteHook({ routes: s.routes, clock: s.clock, functions: s.functions, invoker: s.invoker, log: s.log, security: s.security, sqs: s.sqs, eventBridge: s.eventBridge }),
      s3Hook({ s3: s.s3, log: s.log }),
      registryHook({ registry: s.registry.service, tokens: s.registry.tokens, security: s.security, now: () => s.clock.now(), log: s.log }),
      servicesHook([ecrWireService(s.registry.ecr), sqsWireService(s.sqs), snsWireService(s.sns), eventBridgeWireService(s.eventBridge), iamWireService(s.iam), logsWireService(s.cloudWatchLogs), dynamoDbWireService(s.dynamodb), kinesisWireService(s.kinesis), ssmWireService(s.ssm), secretsManagerWireService(s.secretsManager), cloudFormationWireService({ cfn: s.cloudFormation, routes: s.routes, log: s.log })]),
    ],
    fallback: [],
    lean: [`POST ${FN}/invocations`],
  };
}
