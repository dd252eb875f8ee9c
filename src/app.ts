/**
 * The composition root: the one place that picks concrete implementations (SQLite store and queue,
 * sandbox isolation level, keep-alive policy), constructs every service, and mounts the route
 * table (api/table.ts) on the HTTP server. Nothing imports it but `nimbus serve` and the tests.
 * It reads top to bottom as the parts of Nimbus, from the sandboxes up to the HTTP surface.
 */
import { randomUUID } from 'node:crypto';
import { hostname, networkInterfaces, totalmem } from 'node:os';
import type { ClusterNode, ClusterOptions } from './app-cluster.js';
import { join, resolve } from 'node:path';
import type { EventQueue, InvokeConfigStore, ScheduleStore } from './queue/types.js';
import { EventInvokeConfigService } from './api/async/event-invoke-config.js';
import { ScheduleService } from './api/async/schedules.js';
import { ProvisionedService } from './api/concurrency/provisioned.js';
import { ConcurrencyService } from './api/concurrency/reserved.js';
import { CodeSigningService } from './api/code-signing/service.js';
import { FunctionService } from './api/functions/service.js';
import { FunctionLayerRefs } from './api/layers/function-layers.js';
import { LayerPermissions } from './api/layers/permissions.js';
import { LayerService } from './api/layers/service.js';
import { PermissionService } from './api/permissions/service.js';
import { FunctionSettingsService } from './api/settings/service.js';
import { TagService } from './api/tags/service.js';
import { KeyringSecretBox } from './accounts/keyring-box.js';
import { SqliteAccountStore, type AccountStore } from './accounts/store.js';
import { Authenticator, type AuthMode } from './api/http/authn.js';
import { IamService } from './api/iam/service.js';
import { Authorizer } from './api/http/authz.js';
import { AWS_REGIONS } from './api/http/regions.js';
import type { PolicyDocument } from './auth/iam-policy.js';
import { isLoopback, isWildcard, RequestGuard } from './api/http/guard.js';
import { Gateway, type ServerLimits } from './api/http/server.js';
import { RouteService } from './api/http-routes/service.js';
import { StackService } from './api/stacks/service.js';
import { CloudFormationService } from './api/cloudformation/service.js';
import { apiTable } from './api/table.js';
import { UrlConfigService } from './api/urls/service.js';
import { EventSourceMappingService } from './api/esm/service.js';
import { AliasService } from './api/versions/aliases.js';
import { VersionService } from './api/versions/versions.js';
import { scaledClock, systemClock, type Clock } from './core/clock.js';
import { messageOf, NimbusError } from './core/errors.js';
import { functionKey, type Scope } from './core/model.js';
import { functionArn } from './core/names.js';
import { privateDir } from './core/private-files.js';
import { readFileSync } from 'node:fs';
import { EventBridgeService } from './eventbridge/service.js';
import { batchInvoker } from './esm/invoke.js';
import { MappingRunner } from './esm/runner.js';
import { dynamoDbStreamSource } from './esm/dynamodb-stream-source.js';
import { kinesisSource } from './esm/kinesis-source.js';
import { KinesisService } from './kinesis/service.js';
import { sqsSource } from './esm/sqs-source.js';
import { AsyncInvoker } from './invoke/async.js';
import { ConcurrencyLimiter } from './invoke/concurrency.js';
import { Invoker, type InvokeRequest, type InvokeResult } from './invoke/invoker.js';
import { LogService, type LogRetentionSettings } from './logs/log-service.js';
import { CloudWatchLogsService } from './api/cwlogs/service.js';
import { Metrics } from './metrics/metrics.js';
import { parsePolicy } from './policy/parse.js';
import type { KeepAlivePolicy } from './policy/types.js';
import { HANDOFF_DEFAULTS, type HandoffSettings } from './pool/handoff.js';
import { Pool } from './pool/pool.js';
import { Acceptor } from './queue/acceptor.js';
import { makeAttempt } from './queue/attempt.js';
import { Dispatcher } from './queue/dispatcher.js';
import { Outbox } from './queue/outbox.js';
import { sqsHandOver } from './queue/sqs-target.js';
import { serviceHandOver, TargetGone } from './queue/service-targets.js';
import { isServiceTarget } from './queue/records.js';
import { Scheduler } from './queue/scheduler.js';
import { SqliteQueue } from './queue/sqlite-queue.js';
import { CredentialIssuer } from './runtimes/credentials.js';
import { builtinRuntimes } from './runtimes/registry.js';
import { installMissingSdks } from './runtimes/sdk-install.js';
import { createSandboxFactory, type CpuModel, type IsolationChoice, type SandboxFactoryChoice } from './sandbox/index.js';
import { SnsService } from './sns/service.js';
import { SnsError } from './sns/errors.js';
import { DynamoDbService } from './dynamodb/service.js';
import { SsmService } from './ssm/service.js';
import { SecretsManagerService } from './secretsmanager/service.js';
import { SqsService } from './sqs/service.js';
import { BlobDir } from './s3/blobs.js';
import { S3Service } from './s3/service.js';
import { notify, type Deliver } from './s3/notify.js';
import { RemoteObjectReader } from './s3/remote-reader.js';
import { SqliteObjectStore } from './s3/sqlite-store.js';
import { RegistryBlobs } from './registry/blobs.js';
import { EcrApi } from './registry/ecr.js';
import { RegistryService } from './registry/service.js';
import { SqliteRegistryStore } from './registry/sqlite-store.js';
import { RegistryTokens } from './registry/tokens.js';
import { ImageService } from './registry/images.js';
import type { BucketAdmin, ObjectReader } from './core/objects.js';
import { ObjectError } from './core/objects.js';
import type { MessageAttributes } from './sqs/types.js';
import type { SandboxFactory } from './sandbox/types.js';
import { CodeStore } from './store/code-store.js';
import { SqliteStore } from './store/sqlite.js';
import { DurableEngine } from './durable/engine.js';
import { SqliteDurableStore } from './durable/sqlite-store.js';
import { CodeUrls } from './secrets/code-urls.js';
import { Keyring } from './secrets/keyring.js';
import { SecretBox } from './secrets/secret-box.js';
import type { PolicyStateStore, Store } from './store/types.js';

export const NIMBUS_VERSION = '0.1.0';
/** Whether hand-off to hot sandboxes is on when nothing says (docs/performance.md, "Fifth pass"). */
export const HOT_HANDOFF_DEFAULT = true;
/** How often the keep-alive policy's learned state is written to the store. */
const POLICY_SAVE_MS = 60_000;

/** Cluster mode (docs/cluster.md): what only cluster nodes construct is in app-cluster.ts. */
export type { ClusterOptions } from './app-cluster.js';

export interface NimbusOptions {
  /** Join a cluster (see ClusterOptions); without it Nimbus is one node on SQLite. */
  cluster?: ClusterOptions;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  dataDir: string;
  /** The keep-alive policy, as an object or a spec such as `fixed:10m`, `hybrid`, `learned` (default `fixed:10m`). */
  policy?: KeepAlivePolicy | string;
  /** Sandboxes: an isolation level (default `auto`: namespace where the host allows, else process), or a factory. */
  isolation?: IsolationChoice;
  sandboxFactory?: SandboxFactory;
  /** Stem cells kept ready per runtime family (docs/sandbox-lifecycle.md); default 0 (`nimbus serve`: 1). */
  stemCells?: number;
  /** How namespace sandboxes share the CPU: `shared` (default, weights) or `lambda` (hard quotas); docs/performance.md. */
  cpuModel?: CpuModel;
  /**
   * Hand-off to hot sandboxes (docs/sandbox-lifecycle.md): an invocation of a short one-at-a-time
   * function may wait a bounded moment for a busy sandbox of its function instead of waking an
   * idle one or starting a new one. Default HOT_HANDOFF_DEFAULT; always off with a `poolTimeScale`
   * other than 1 (the simulator `nimbus replay` compares with does not model it). An object
   * turns it on with some of its settings changed (tests use it to make waiting certain).
   */
  hotHandoff?: boolean | Partial<HandoffSettings>;
  clock?: Clock;
  /**
   * The pool's time runs this many times faster than `clock` (keep-alive windows, pre-warms, idle
   * GB-seconds), for `nimbus replay`'s time-compressed traces; default 1.
   */
  poolTimeScale?: number;
  /**
   * Durable functions' waits, retry delays, callback and execution timeouts pass this many times
   * faster than their seconds say (docs/durable.md); default `poolTimeScale`, else 1.
   */
  durableTimeScale?: number;
  /** How long in-flight requests may finish after a shutdown begins. */
  shutdownGraceMs?: number;
  /** The account's concurrent executions (AWS default 1000). */
  accountConcurrency?: number;
  /** Memory for sandboxes in MB (sum of MemorySize); default three quarters of the machine's RAM. */
  memoryCapacityMb?: number;
  log?: (line: string) => void;
  /** Largest Event payload in bytes: default and at most 1048576 (AWS's 1 MB). */
  asyncPayloadLimit?: number;
  /** Largest streamed response in bytes (InvokeWithResponseStream, RESPONSE_STREAM URLs); default AWS's 200 MB. */
  streamResponseLimitBytes?: number;
  /** Randomness for weighted aliases, in [0, 1); default Math.random. */
  random?: () => number;
  /** HTTP server limits: how long a request may take to arrive, how many connections at most. */
  httpLimits?: ServerLimits;
  /** Browser origins allowed to call the API (a dashboard served elsewhere); none by default. */
  allowOrigins?: readonly string[];
  /** Host names the API answers under besides loopback and `host` (a proxy's name, a DNS name). */
  publicHosts?: readonly string[];
  /**
   * Listening on a non-loopback address without authentication exposes an API that deploys and
   * runs code: refused unless this is set, and then warned about at every start.
   */
  allowPublicUnauthenticated?: boolean;
  /** Log retention per function, by count, size and age (docs/logging.md); default 10,000 entries and 64 MB, no age limit. */
  logRetention?: LogRetentionSettings;
  /** The keyring file (docs/security.md); default `<dataDir>/keyring.json`, made 0600 on first start. */
  keyFile?: string;
  /** The base of links Nimbus hands out (code downloads), e.g. `https://nimbus.example`; default the listening address. */
  publicUrl?: string;
  /**
   * `keys`: every API request must be signed with an access key (`nimbus keys create`).
   * `local` (the default on loopback): any well-formed credentials, or none, as the default
   * account; keys Nimbus knows are still verified (docs/auth.md).
   */
  auth?: AuthMode;
  /** Regions a credential scope may name (default: AWS's commercial regions); the first is the default region. */
  regions?: readonly string[];
  /** Accept presigned (query-string) SigV4 requests. */
  allowPresigned?: boolean;
  /** Read Lambda code from this external S3 endpoint instead of Nimbus's own (src/s3/remote-reader.ts). */
  s3Endpoint?: string;
  /**
   * Once listening, install the runtimes' SDKs this machine lacks (the AWS SDK for JavaScript,
   * boto3), in the background (`nimbus serve` does; runtimes/sdk-install.ts).
   */
  installRuntimeSdks?: boolean;
  /** Serve HTTPS: PEM certificate and key files. */
  tlsCert?: string;
  tlsKey?: string;
}

export interface Nimbus {
  url: string;
  port: number;
  dataDir: string;
  isolation: string;
  /** Set when functions are not (fully) isolated: print it where the operator sees it. */
  warning?: string;
  /** How requests are authenticated, said at start-up (docs/auth.md). */
  authMode: AuthMode;
  notice: string;
  /** Accounts, access keys and the audit log (the same file the CLI's `nimbus keys` uses). */
  accounts: AccountStore;
  /** Nimbus's S3 (src/s3): reads objects and makes buckets for whatever deploys through it (core/objects.ts). */
  objects: ObjectReader & BucketAdmin;
  /** Requests the lean front end served (api/http/lean.ts; on unless `NIMBUS_LEAN_FRONT=0`); 0 when it is off. */
  leanServed(): number;
  /** Stops accepting work, lets in-flight requests finish, kills every sandbox, closes the store. */
  close(): Promise<void>;
}

export async function startNimbus(opts: NimbusOptions): Promise<Nimbus> {
  // Bad settings fail before anything is opened.
  const policy = typeof opts.policy === 'object' ? opts.policy : parsePolicy(opts.policy ?? 'fixed:10m');
  const host = opts.host ?? '127.0.0.1';
  const authMode: AuthMode = opts.auth ?? 'local';
  const tls = opts.tlsCert || opts.tlsKey ? readTls(opts.tlsCert, opts.tlsKey) : undefined;
  const exposure = exposureWarning(host, authMode, tls !== undefined, opts.allowPublicUnauthenticated ?? false);
  const regions = opts.regions?.length ? opts.regions : AWS_REGIONS;
  const dataDir = resolve(opts.dataDir);
  privateDir(dataDir);
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const graceMs = opts.shutdownGraceMs ?? 10_000;

  // Sandboxes. Egress sandboxes must never reach Nimbus itself; its port is known once it listens.
  const runtimes = builtinRuntimes({ dataDir });
  const hostPorts: number[] = [];
  const choice: SandboxFactoryChoice = opts.sandboxFactory
    ? { factory: opts.sandboxFactory, isolation: opts.sandboxFactory.isolation }
    : createSandboxFactory({
        isolation: opts.isolation ?? 'auto',
        dataDir,
        hostPorts,
        warn: log,
        stemCells: opts.stemCells ?? 0,
        ...(opts.cpuModel ? { cpuModel: opts.cpuModel } : {}),
        stemRuntimes: [...new Set(runtimes.ids().map((id) => runtimes.get(id)!))],
      });
  const factory = choice.factory;

  // Storage, opened once the isolation level is settled: a refusal to start leaves nothing open.
  // Secrets at rest: the keyring seals every function's environment in the store.
  // A cluster node seals and opens what every other node does: one keyring for all, never a per-node file.
  if (opts.cluster && !opts.keyFile && process.env['NIMBUS_MASTER_KEY'] === undefined) {
    throw new NimbusError(
      'ERR_CONFIG',
      'A cluster node needs the keyring all nodes share: give every node the same --key-file <file> (env NIMBUS_KEY_FILE) or the same NIMBUS_MASTER_KEY (32 bytes, base64; e.g. `openssl rand -base64 32`). A key of its own per node would leave each node unable to open what the others sealed (docs/cluster.md).',
    );
  }
  const keyring = Keyring.open(opts.keyFile ? resolve(opts.keyFile) : join(dataDir, 'keyring.json'));
  const box = new SecretBox(keyring);
  const codeUrls = new CodeUrls(box, () => clock.now());
  // Access keys' secrets are sealed with the keyring.
  const keyBox = new KeyringSecretBox(box);
  // A cluster node keeps its stores in the cluster's PostgreSQL, so that every node sees the same
  // functions, accounts, code, queues, buses and topics (app-cluster.ts, loaded only for a cluster);
  // one node keeps them in SQLite in the data directory.
  const cluster: ClusterNode | undefined = opts.cluster
    ? await (await import('./app-cluster.js')).wireCluster(opts.cluster, { box, keyBox, clock, log })
    : undefined;
  const store: Store = cluster?.store ?? new SqliteStore(join(dataDir, 'nimbus.db'), box);
  const accounts: AccountStore = cluster?.accounts ?? new SqliteAccountStore(join(dataDir, 'auth.db'), keyBox);
  const accountIds = (await accounts.listAccounts()).map((a) => a.accountId);
  // A cluster node's code directory is a cache of the packages in PostgreSQL (docs/cluster.md).
  const code = new CodeStore(dataDir, cluster?.blobs, log);
  code.keepSets(await store.layerSets());
  const queue: EventQueue & InvokeConfigStore & ScheduleStore = cluster?.queue ?? new SqliteQueue(join(dataDir, 'queue.db'));
  const sqs = cluster ? new SqsService({ backend: cluster.sqs, log }) : new SqsService({ file: join(dataDir, 'sqs.db'), clock, log });
  await factory.cleanupStale?.();

  // The data plane: warm sandboxes under a keep-alive policy, one invocation at a time.
  const capacityMb = opts.memoryCapacityMb ?? Math.floor((totalmem() / 2 ** 20) * 0.75);
  const policyState = await keepPolicyState(policy, store.policyState, clock, log);
  const poolClock = scaledClock(clock, opts.poolTimeScale ?? 1);
  const handoffChoice = opts.hotHandoff ?? HOT_HANDOFF_DEFAULT;
  const handoff = handoffChoice !== false && (opts.poolTimeScale ?? 1) === 1 ? { ...HANDOFF_DEFAULTS, ...(handoffChoice === true ? {} : handoffChoice) } : undefined;
  const pool = new Pool({ factory, policy, clock: poolClock, capacityMb, ...(handoff ? { handoff } : {}) });
  const logs = new LogService(store, opts.logRetention ?? {}, () => clock.now());
  const accountLimit = opts.accountConcurrency ?? 1000;
  const limiter = new ConcurrencyLimiter(accountLimit);
  const metrics = new Metrics();
  // A function's credentials are verified by whichever node its request reaches: a cluster's nodes
  // share their secret through the keyring they share; one node keeps its own in the data directory.
  const credentials = opts.cluster ? new CredentialIssuer(keyring.derive('function-credentials')) : CredentialIssuer.forDataDir(dataDir);
  // The container registry (src/registry): blobs under registry/, metadata in registry.db; like S3, per node.
  const registryService = new RegistryService(new SqliteRegistryStore(join(dataDir, 'registry.db')), new RegistryBlobs(join(dataDir, 'registry')), () => clock.now());
  const registryTokens = new RegistryTokens(keyring.derive('registry-tokens'));
  const registry = { service: registryService, tokens: registryTokens, ecr: new EcrApi(registryService, registryTokens, () => clock.now()) };
  // Container-image functions (docs/images.md): images resolved at create, unpacked once per digest under images/.
  const images = new ImageService(registryService, join(dataDir, 'images'));
  const invoker = new Invoker({ pool, code, runtimes, logs, clock, limiter, metrics, credentials, images, streamResponseLimitBytes: opts.streamResponseLimitBytes });
  // A cluster node: each node enforces its slice of the concurrency limits, and sync invocations go to their home node.
  const slices = cluster?.slices(accountLimit, limiter);
  const { runHere, api: apiInvoker } = cluster?.invokers(invoker) ?? { runHere: (req: InvokeRequest): Promise<InvokeResult> => invoker.invoke(req), api: invoker };

  // The control plane: functions, versions, aliases, concurrency, URLs, routes.
  const concurrency = new ConcurrencyService({ store, accountLimit, onChange: (key, v) => (slices ?? limiter).setReserved(key, v) });
  for (const id of accountIds) await concurrency.loadAll(id);
  const provisioned = new ProvisionedService({
    store,
    clock,
    pool,
    targetOf: (fn) => invoker.target(fn),
    // A package that cannot be fetched fails the pinned sandboxes' start, not the whole sync (nor a node's start).
    // The runtime's interpreters may still be being probed (runtimes/catalog.ts): their command waits for that.
    fetchCode: async (fn) => {
      await code.ensure([fn.codeSha256, ...(fn.layers ?? []).map((l) => l.codeSha256)])?.catch((e: unknown) => log(`provisioned concurrency: ${messageOf(e)}`));
      await runtimes.ready(fn.runtime);
    },
    unreserved: async (accountId) => await concurrency.unreserved(accountId),
    capacityMb,
  });
  // What functions carry besides code and configuration: layers, tags, code signing, policies.
  // S3-compatible object storage (src/s3): its REST API on the endpoint, and code for the Lambda API.
  // Metadata in s3.db, bodies under s3/blobs/; a cluster node keeps its own (S3 is single-node, docs/s3.md).
  const s3 = new S3Service({ store: new SqliteObjectStore(join(dataDir, 's3.db')), blobs: new BlobDir(join(dataDir, 's3')), now: () => clock.now() });
  await s3.sweep(log);
  if (cluster) log('s3: objects are kept on this node only; other nodes of the cluster do not see them (docs/s3.md, "Storage")');
  // Lambda code from S3: Nimbus's own, or an external endpoint's (AWS S3, MinIO, moto) with the environment's credentials.
  const codeObjects: ObjectReader = opts.s3Endpoint
    ? new RemoteObjectReader(opts.s3Endpoint, () => ({
        accessKeyId: process.env['AWS_ACCESS_KEY_ID'] ?? 'test',
        secretAccessKey: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'test',
        sessionToken: process.env['AWS_SESSION_TOKEN'],
      }))
    : s3;
  const layers = new LayerService({ store, code, clock, objects: codeObjects });
  const tags = new TagService(store);
  const codeSigning = new CodeSigningService({ store, clock, tags });
  const functions = new FunctionService({
    images,
    objects: codeObjects,
    store,
    code,
    runtimes,
    clock,
    layers: new FunctionLayerRefs({ store, code }),
    tags,
    codeSigning,
    keys: box,
    ...(opts.random ? { random: opts.random } : {}),
    onChange: async (scope, name) => {
      const prefix = `${functionKey(scope, name)}/`;
      invoker.forget(prefix);
      // Before retiring: pins of a deleted version are released first, the others are spared.
      await provisioned.sync(scope, name);
      pool.retire(prefix);
      // A deleted function loses its EventInvokeConfigs.
      if (!(await exists(scope, name, undefined))) await eventInvokeConfigs.forget(scope, name);
    },
  });
  const exists = async (scope: Scope, name: string, qualifier: string | undefined): Promise<boolean> => {
    try {
      await functions.resolve(scope, name, qualifier);
      return true;
    } catch {
      return false;
    }
  };
  const versions = new VersionService({ store, clock });
  // Provisioned concurrency follows its alias when the alias moves or goes.
  const aliases = new AliasService({ store, onChange: async (scope, name) => await provisioned.sync(scope, name) });
  const urls = new UrlConfigService({ store, clock });
  const routes = new RouteService(store);

  // Asynchronous invocation: group commit into the durable queue, delivery with retries, schedules.
  const eventInvokeConfigs = new EventInvokeConfigService({ store: queue, clock, exists });
  const deadLetterOf = async (ev: Scope & { functionName: string; qualifier: string | undefined }): Promise<string | undefined> => {
    try {
      return (await functions.resolve(ev, ev.functionName, ev.qualifier)).fn.deadLetterTargetArn;
    } catch {
      return undefined;
    }
  };
  const dispatcher = new Dispatcher({
    queue,
    clock,
    // An event for a durable function starts a durable execution (src/durable, docs/durable.md).
    attempt: makeAttempt({ resolve: async (scope, name, qualifier) => await functions.resolve(scope, name, qualifier), invoke: async (req) => (req.fn.durable && durable ? await durable.startFromEvent(req) : await runHere(req)) }),
    config: async (ev) => await eventInvokeConfigs.effective(ev, ev.functionName, ev.qualifier, await deadLetterOf(ev)),
    reservedConcurrency: (scope, name) => (slices ?? limiter).getReserved(functionKey(scope, name)),
    onHandedOn: () => outbox.wake(),
    appendLog: (ev, text) =>
      logs.append({ accountId: ev.accountId, region: ev.region, functionName: ev.functionName, version: ev.qualifier ?? '$LATEST', requestId: ev.id, timestamp: clock.now(), text }),
    log,
  });
  // Destination records and dead letters move from the queue's outbox into SQS queues, SNS topics,
  // EventBridge buses and S3 buckets (topics and buses are constructed below; the outbox starts after them).
  const toQueues = sqsHandOver(sqs, log);
  const toServices = serviceHandOver({
    publish: async (topicArn, message, attributes) => {
      try {
        await sns.publishFromService(topicArn, message, attributes, new Set(['ErrorCode']));
      } catch (e) {
        if (e instanceof SnsError && e.status < 500) throw new TargetGone(`${e.code}: ${e.message}`);
        throw e;
      }
    },
    putEvent: async (busArn, ev) => {
      const [, , , region = '', accountId = ''] = busArn.split(':');
      const entry = { Source: ev.source, DetailType: ev.detailType, Detail: ev.detail, EventBusName: busArn, Resources: ev.resources };
      const r = (await eventBridge.call({ accountId, region }, 'PutEvents', { Entries: [entry] })) as { Entries: { ErrorCode?: string; ErrorMessage?: string }[] };
      const failed = r.Entries[0];
      // An entry's error (no such bus, a detail over the limit) is the same on every try.
      if (failed?.ErrorCode) throw new TargetGone(`${failed.ErrorCode}: ${failed.ErrorMessage ?? ''}`);
    },
    putObject: async (scope, bucket, key, body, contentType) => {
      try {
        await s3.write(scope, bucket, key, body, contentType);
      } catch (e) {
        if (e instanceof ObjectError) throw new TargetGone(`${e.code}: ${e.message}`);
        throw e;
      }
    },
  });
  const outbox = new Outbox({ queue, clock, deliver: async (m, key) => await (isServiceTarget(m.queue) ? toServices(m, key) : toQueues(m, key)), log });
  const acceptor = new Acceptor(queue, () => dispatcher.wake(), log);
  const scheduler: Scheduler = new Scheduler({ store: queue, clock, onEnqueued: () => dispatcher.wake(), log, render: (s, ev) => eventBridge.renderScheduled(s, ev) });
  const schedules = new ScheduleService({ store: queue, clock, exists, onChange: async () => await scheduler.changed() });
  const events = new AsyncInvoker({ acceptor, clock, payloadLimit: opts.asyncPayloadLimit });
  // Durable functions (src/durable): executions in durable.db; single nodes only (docs/durable.md).
  const durableScale = opts.durableTimeScale ?? opts.poolTimeScale ?? 1;
  const durableStore = cluster ? undefined : new SqliteDurableStore(join(dataDir, 'durable.db'));
  const durable = durableStore
    ? new DurableEngine({
        store: durableStore,
        clock,
        timeScale: durableScale,
        version: async (scope, name, version) => (await functions.resolve(scope, name, version)).fn,
        target: async (scope, name) => await functions.resolve(scope, name, undefined),
        invoke: async (req) => await invoker.invoke(req),
        log,
      })
    : undefined;

  // Push sources: EventBridge rules and SNS subscriptions invoke through the durable async queue.
  const invokeAsync = async (scope: Scope, functionName: string, qualifier: string | undefined, payload: Buffer, source: string, sourceArn?: string): Promise<void> => {
    // A topic or rule of another account reaches a function only through the function's resource
    // policy naming the service principal (docs/auth.md); within one account, as SAM deploys them, always.
    const sourceAccount = sourceArn?.split(':')[4];
    if (sourceArn && sourceAccount !== scope.accountId) {
      const service = source.startsWith('sns:') ? 'sns.amazonaws.com' : 'events.amazonaws.com';
      const fn = { accountId: scope.accountId, region: scope.region, name: functionName, qualifier, arn: functionArn(scope, functionName, qualifier) };
      if (!(await security.authorizer.serviceMayInvoke(service, fn, sourceArn, sourceAccount ?? ''))) {
        log(`${source}: not delivered to ${fn.arn}: its resource policy does not allow ${service} from ${sourceArn}`);
        return;
      }
    }
    try {
      await events.enqueue({ scope, functionName, qualifier, payload, source });
    } catch (e) {
      // Over the async payload limit: the delivery fails, as it would on AWS; anything else is the caller's to report.
      if (!(e instanceof NimbusError && e.code === 'ERR_REQUEST_TOO_LARGE')) throw e;
      log(`${source}: not delivered to ${functionName}: ${e.message}`);
    }
  };
  // S3 event notifications: per matching object change an asynchronous invocation, a queue message or
  // a topic publication, to destinations of the bucket owner's account (docs/s3.md); the record
  // shape is S3's (src/s3/notify.ts). SNS is constructed below; a notification only goes out once both are up.
  const s3Deliver = (owner: string, bucket: string): Deliver => async (kind, arn, body) => {
    const [, , , region = '', accountId = ''] = arn.split(':');
    if (accountId !== owner) throw new Error("the destination is not in the bucket owner's account");
    if (kind === 'functions') {
      const ref = parseS3Target(arn)!;
      await invokeAsync({ accountId, region }, ref.name, ref.qualifier, Buffer.from(body), `s3:${bucket}`);
    } else if (kind === 'queues') await sqs.send({ accountId, region }, arn, body);
    else await sns.publishFromService(arn, body, {}, new Set(), 'Amazon S3 Notification');
  };
  s3.onEvents((e) => {
    void notify(e, s3Deliver(e.bucket.accountId, e.bucket.name), clock.now(), log);
  });
  s3.onDeliver(s3Deliver, log);
  /**
   * A topic's or rule's delivery to a queue: the queue's policy must let the service send on
   * the source's behalf (src/sqs/policy.ts); a refusal throws, and the caller logs it as a
   * delivery failure, as a queue that cannot take the message is on AWS.
   */
  const sendToQueue = async (arn: string, body: string, opts: { attributes?: MessageAttributes; groupId?: string; source?: { service: string; arn: string } } = {}): Promise<void> => {
    const [, , , region = '', accountId = ''] = arn.split(':');
    const refused = opts.source ? await sqs.serviceSendRefusal({ accountId, region }, arn, opts.source.service, opts.source.arn) : undefined;
    if (refused) throw new Error(refused);
    await sqs.send({ accountId, region }, arn, body, {
      ...(opts.attributes ? { attributes: opts.attributes } : {}),
      ...(opts.groupId ? { groupId: opts.groupId, deduplicationId: randomUUID() } : {}),
    });
  };
  // EventBridge: buses, rules and targets in SQLite on one node, in PostgreSQL shared by a cluster's nodes.
  const eventBridge = new EventBridgeService({
    file: join(dataDir, 'eventbridge.db'),
    ...(cluster ? { store: cluster.eventBridge } : {}),
    clock,
    log,
    sinks: {
      invokeAsync,
      sendToQueue: (arn, body, groupId, sourceArn) =>
        sendToQueue(arn, body, { ...(groupId ? { groupId } : {}), ...(sourceArn ? { source: { service: 'events.amazonaws.com', arn: sourceArn } } : {}) }),
      // SNS is constructed below; a rule only delivers once both are up.
      publishToTopic: async (topicArn, message) => await sns.publishFromService(topicArn, message),
    },
    schedules: { store: queue, changed: async (): Promise<void> => await scheduler.changed() },
  });
  // SNS: topics and subscriptions in SQLite on one node, in PostgreSQL shared by a cluster's nodes.
  const sns = new SnsService({ file: join(dataDir, 'sns.db'), ...(cluster ? { store: cluster.sns } : {}), clock, log, sinks: {
      invokeAsync,
      sendToQueue: (arn, body, attributes, sourceArn) =>
        sendToQueue(arn, body, { attributes, ...(sourceArn ? { source: { service: 'sns.amazonaws.com', arn: sourceArn } } : {}) }),
    },
  });

  // DynamoDB: dynalite in-process, one LevelDB per account and region, loaded on the first request.
  const dynamodb = new DynamoDbService({ dir: join(dataDir, 'dynamodb'), clustered: cluster !== undefined, log });

  // Kinesis Data Streams (a subset): streams in SQLite on one node, refused on cluster nodes as DynamoDB is.
  const kinesis = new KinesisService({ file: join(dataDir, 'kinesis.db'), clustered: cluster !== undefined, now: () => clock.now() });

  // Event-source mappings: the API stores them, the runner polls their sources and invokes.
  const sourceKinds = [sqsSource(sqs), dynamoDbStreamSource(dynamodb), kinesisSource(kinesis)];
  const mappingRunner = new MappingRunner({
    store: store.eventSourceMappings,
    kinds: sourceKinds,
    invoke: batchInvoker({ resolve: async (scope, name, qualifier) => await functions.resolve(scope, name, qualifier, { weighted: true }), invoke: (req) => invoker.invoke(req) }),
    clock,
    log,
    // A stream mapping's OnFailure destination: Lambda's failure record to a queue or a topic.
    sendFailure: async (arn, body) => (arn.split(':')[2] === 'sns' ? void (await sns.publishFromService(arn, body)) : await sendToQueue(arn, body)),
  });
  const mappings = new EventSourceMappingService({
    store: store.eventSourceMappings,
    kinds: sourceKinds,
    clock,
    resolve: async (scope, name, qualifier) => (await functions.resolve(scope, name, qualifier)).fn,
    onChange: (uuid) => mappingRunner.changed(uuid),
  });

  // Parameter Store (src/ssm) and Secrets Manager (src/secretsmanager): a SQLite file each on each
  // node, values (SecureStrings, every secret) sealed with the keyring.
  const sealer = {
    seal: (plaintext: string, aad: string): string => box.seal(plaintext, aad),
    open: (sealed: string, aad: string): string | undefined => {
      const r = box.open(sealed, aad);
      return r.ok ? r.plaintext : undefined;
    },
  };
  const ssm = new SsmService({ file: join(dataDir, 'ssm.db'), sealer, now: () => clock.now(), log });
  const secretsManager = new SecretsManagerService({ file: join(dataDir, 'secretsmanager.db'), sealer, now: () => clock.now(), log });
  if (cluster) log('ssm, secretsmanager: parameters and secrets are kept on this node only; other nodes of the cluster do not see them (docs/parameters-and-secrets.md)');

  // SAM stacks: deployed through the services above, each change undone if the deployment fails.
  const stacks = new StackService({
    store, code, clock, functions, versions, aliases, urls, concurrency, provisioned, eventInvokeConfigs, routes, schedules, sqs, sns, eventBridge, dynamodb, kinesis, mappings, log, roles: accounts, buckets: s3, ssm, secretsManager,
    dynamicReferences: {
      parameter: async (scope, name, version) => ssm.valueOf(scope, name, version),
      secret: async (scope, id, stage, versionId) => secretsManager.secretString(scope, id, stage, versionId),
    },
  });
  // CloudFormation's API (sam deploy, aws cloudformation deploy) over the same stacks.
  const cloudFormation = new CloudFormationService({ stacks, code, clock, log, layers, objects: s3 });

  // The HTTP surface: every route and hook of api/table.ts, behind the browser and Host guard.
  const guard = new RequestGuard({
    listenHost: host,
    allowOrigins: opts.allowOrigins ?? [],
    publicHosts: opts.publicHosts ?? [],
    wildcardNames: isWildcard(host) ? machineNames() : [],
  });
  // Who may call: SigV4 on every API request, then identity and resource policies (docs/auth.md).
  const permissions = new PermissionService(store);
  const resourcePolicy = async (scope: Scope, name: string, qualifier: string | undefined): Promise<PolicyDocument | undefined> =>
    JSON.parse((await permissions.get(scope, name, qualifier)).policy) as PolicyDocument;
  const security = {
    authenticator: new Authenticator({ mode: authMode, regions, keys: accounts, functions: credentials, roles: accounts, allowPresigned: opts.allowPresigned ?? false }),
    authorizer: new Authorizer(resourcePolicy),
    audit: accounts,
  };
  const gateway = new Gateway(log, guard, { lean: process.env['NIMBUS_LEAN_FRONT'] !== '0', ...opts.httpLimits, tls }, security);
  gateway.mount(
    apiTable({
      clock, log, functions, versions, aliases, concurrency, provisioned, invoker: apiInvoker, events, urls, routes, stacks, cloudFormation, eventInvokeConfigs, schedules, queue, sqs, logs, code, metrics, pool, limiter,
      mappings, mappingStatus: (uuid) => mappingRunner.status(uuid), eventBridge, sns, s3, registry,
      iam: new IamService(accounts),
      dynamodb,
      kinesis,
      ssm,
      secretsManager,
      cloudWatchLogs: new CloudWatchLogsService({ logs, functions: store, now: () => clock.now(), log }),
      layers, tags, codeSigning,
      layerPermissions: new LayerPermissions(store),
      permissions,
      security,
      functionSettings: new FunctionSettingsService(store),
      urlStore: store.urls,
      codeUrls,
      secrets: { box, store, clustered: cluster !== undefined },
      durable: { engine: durable, store: durableStore, functions },
      timeScale: durableScale,
      health: { isolation: factory.isolation, version: NIMBUS_VERSION, poolTimeScale: opts.poolTimeScale ?? 1, policy: policy.name },
    }),
  );
  // A cluster node drops what it holds when another node changes it, and takes forwarded invocations.
  cluster?.attach({ gateway, functions, invoker, metrics, routes, concurrency });
  await dispatcher.start();
  outbox.start();
  await eventBridge.start();
  await scheduler.start();
  await mappingRunner.start();
  await durable?.resume();
  const port = await gateway.listen(opts.port ?? 9000, host);
  // An ImageUri naming this server's own address is its own registry (any loopback name, and the public hosts).
  images.setOwnHosts([...['localhost', '127.0.0.1', '[::1]', ...(isWildcard(host) || isLoopback(host) ? [] : [host]), ...(opts.publicHosts ?? [])].map((h) => (h.includes(':') && !h.startsWith('[') ? h : `${h}:${port}`))]);
  hostPorts.push(port);
  const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  await cluster?.join(url, { wake: () => dispatcher.wake(), resyncMappings: () => mappingRunner.resync() });
  // Links name the configured public URL or host, else the listening address: never a request's Host header.
  const linkHost = opts.publicHosts?.[0] ?? (isWildcard(host) ? '127.0.0.1' : host);
  codeUrls.setBase(opts.publicUrl ?? `${tls ? 'https' : 'http'}://${urlHost(linkHost)}:${port}`);
  // Provisioned sandboxes start again now that the port is known (egress rules exclude it).
  for (const id of accountIds) await provisioned.restoreAll(id);
  // What the first requests do not need starts now, in the background: the machine's interpreters
  // are probed in child processes (a request for a runtime being probed waits for it, others are
  // served meanwhile), then the stem cells start and `nimbus serve` installs missing SDKs.
  const catalog = runtimes.catalog;
  let closing: Promise<void> | null = null;
  // (setImmediate: the caller says it listens first.)
  setImmediate(() => {
    const work = async (): Promise<void> => {
      if ((opts.stemCells ?? 0) > 0) await catalog?.probeAll();
      if (closing) return;
      factory.prestart?.();
      if (opts.installRuntimeSdks && catalog) await installMissingSdks(catalog, log);
    };
    // Installing SDKs: from here, before any request is read, sandboxes of Node.js and Python functions wait for it.
    void (opts.installRuntimeSdks && catalog ? catalog.inBackground(work) : work()).catch((e: unknown) => log(`runtimes: ${messageOf(e)}`));
  });

  const notice =
    authMode === 'keys'
      ? `Authentication: every API request must be SigV4-signed with a Nimbus access key (nimbus keys create --data-dir ${dataDir}).`
      : 'Authentication: local-development mode. Any well-formed credentials (or none) are accepted as account 000000000000; ' +
        'keys made with `nimbus keys create` are verified. Start with --auth keys to require keys.';
  return {
    url,
    authMode,
    notice,
    accounts,
    objects: s3,
    leanServed: () => gateway.leanServed,
    port,
    dataDir,
    isolation: factory.isolation,
    ...(choice.warning || exposure ? { warning: [exposure, choice.warning].filter(Boolean).join('\n') } : {}),
    close: () =>
      (closing ??= (async () => {
        // Long polls answer (empty) at once instead of holding the shutdown for up to 20 s.
        const stopping = gateway.close(graceMs);
        sqs.endLongPolls();
        await stopping;
        // Stack operations CloudFormation's API started finish (or roll back) before the stores close.
        await cloudFormation.idle();
        // No new events or batches; running attempts and batches may finish.
        scheduler.stop();
        await acceptor.flush();
        cluster?.stopMappingSync();
        const mappingsStopped = mappingRunner.stop();
        await Promise.all([dispatcher.drain(graceMs), Promise.race([mappingsStopped, new Promise((r) => setTimeout(r, graceMs).unref())])]);
        // Durable invocations cut short now are invoked again at the next start (src/durable).
        durable?.halt();
        // Whatever still runs after the grace period is killed; its caller gets an explicit error.
        await pool.close();
        catalog?.close();
        // A factory Nimbus built is Nimbus's to close (its stem cells, egress rules, parent cgroups).
        if (!opts.sandboxFactory) await factory.close?.();
        policyState.stop();
        // Async attempts cut short by that go back in the queue for the next start; batches cut
        // short stay in their queues and come back after their visibility timeout.
        await dispatcher.finish();
        // A poller still waiting on its source after the pool closed must not hold the shutdown (its batch comes again).
        await bounded(mappingsStopped, graceMs, () => log('shutdown: an event-source mapping did not stop in time; its batch is delivered again at the next start'));
        // What the last results handed on moves into SQS now; anything left moves at the next start.
        await outbox.pass();
        outbox.stop();
        await eventBridge.close();
        await sns.close();
        await sqs.close();
        await s3.store.close();
        await registryService.store.close();
        await bounded(dynamodb.close(), graceMs, () => log('shutdown: DynamoDB did not close in time'));
        await kinesis.close();
        ssm.close();
        secretsManager.close();
        await cluster?.close();
        await durable?.close();
        await durableStore?.close();
        await queue.close();
        await code.close();
        gateway.destroy();
        await logs.close();
        await store.close();
        await accounts.close();
      })()),
  };
}

/** Waits for `p`, or `ms` at most (then calls `late`): a step of the shutdown that must not hang it. */
async function bounded(p: Promise<unknown>, ms: number, late: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), Math.max(ms, 1000))));
  const late1st = await Promise.race([p.then(() => false, () => false), timedOut]);
  clearTimeout(timer);
  if (late1st) late();
}

/** `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`, as a notification names its function. */
function parseS3Target(arn: string): { accountId: string; region: string; name: string; qualifier: string | undefined } | undefined {
  const p = arn.split(':');
  if (p.length < 7 || p[2] !== 'lambda' || p[5] !== 'function') return undefined;
  return { region: p[3]!, accountId: p[4]!, name: p[6]!, qualifier: p[7] };
}

/**
 * What the policy learned survives restarts: restored now, saved every minute and at shutdown.
 * A snapshot from another build of the policy must not keep Nimbus from starting.
 */
async function keepPolicyState(policy: KeepAlivePolicy, state: PolicyStateStore, clock: Clock, log: (line: string) => void): Promise<{ stop(): void }> {
  const saved = await state.get(policy.name);
  try {
    if (saved !== undefined) policy.restore(saved);
  } catch (e) {
    log(`keep-alive policy ${policy.name}: stored state not restored (${messageOf(e)}); starting fresh`);
  }
  const save = async (): Promise<void> => await state.put(policy.name, policy.snapshot(), clock.now());
  let cancel = (): void => undefined;
  const schedule = (): void => {
    cancel = clock.setTimer(POLICY_SAVE_MS, async () => {
      await save();
      schedule();
    });
  };
  schedule();
  return {
    async stop() {
      cancel();
      await save();
    },
  };
}

/**
 * An API reachable from the network must authenticate: without `--auth keys` anyone there could
 * deploy and run code on this machine, so that is refused unless the operator says so
 * explicitly, and then warned about at every start. With keys but without TLS, signatures still
 * hold, but bodies (environment secrets, code) cross the network readable: warned about too.
 */
const urlHost = (h: string): string => (h.includes(':') ? `[${h}]` : h);

function exposureWarning(host: string, mode: AuthMode, tls: boolean, allowed: boolean): string | undefined {
  if (isLoopback(host)) return undefined;
  if (mode === 'keys') {
    return tls
      ? undefined
      : `WARNING: Nimbus listens on ${host} without TLS: signatures are checked, but request and response bodies (environment variables, code) ` +
          'cross the network in plain text. Give --tls-cert and --tls-key, or put a TLS proxy in front.';
  }
  const risk =
    `${host} is reachable from other machines, and without --auth keys Nimbus does not authenticate requests: anyone who can reach ` +
    'this address can deploy functions, read their environment and run code on this machine.';
  if (!allowed) {
    throw new NimbusError(
      'ERR_CONFIG',
      `Refusing to listen on ${risk} Start with --auth keys (NIMBUS_AUTH=keys) and create keys with \`nimbus keys create\`, listen on 127.0.0.1 (the default), or, on a network you trust, ` +
        'pass --allow-public-unauthenticated (NIMBUS_ALLOW_PUBLIC_UNAUTHENTICATED=1).',
    );
  }
  return `WARNING: Nimbus listens on ${risk} (--allow-public-unauthenticated is set.)`;
}

/** The PEM certificate and key for HTTPS; both or neither. */
function readTls(cert: string | undefined, key: string | undefined): { cert: Buffer; key: Buffer } {
  if (!cert || !key) throw new NimbusError('ERR_CONFIG', '--tls-cert and --tls-key go together: give both.');
  try {
    return { cert: readFileSync(cert), key: readFileSync(key) };
  } catch (e) {
    throw new NimbusError('ERR_CONFIG', `cannot read the TLS certificate or key: ${messageOf(e)}`);
  }
}

/** This machine's addresses and name: the Host values a client may use when Nimbus listens on all of them. */
function machineNames(): string[] {
  const addrs = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
  return [hostname(), ...addrs];
}
