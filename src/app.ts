/**
 * The composition root: the one place that picks concrete implementations (SQLite store,
 * sandbox isolation level, keep-alive policy) and wires the modules together. Nothing imports it
 * but the CLI and the tests.
 */
import { mkdirSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { startAsync } from './app-async.js';
import { systemClock, type Clock } from './clock.js';
import { ConcurrencyService } from './control/concurrency.js';
import { FunctionService } from './control/functions.js';
import { ProvisionedService } from './control/provisioned.js';
import { DEFAULT_ACCOUNT } from './gateway/auth.js';
import { concurrencyRoutes } from './gateway/routes/concurrency.js';
import { metricsRoutes } from './gateway/routes/metrics.js';
import { provisionedRoutes } from './gateway/routes/provisioned.js';
import { ConcurrencyLimiter } from './invoke/concurrency.js';
import { Metrics } from './metrics/metrics.js';
import { functionRoutes } from './gateway/routes/functions.js';
import { invokeRoutes } from './gateway/routes/invoke.js';
import { nimbusRoutes } from './gateway/routes/nimbus.js';
import { registerHttpFeatures } from './gateway/http/register.js';
import { Gateway } from './gateway/server.js';
import { Invoker } from './invoke/invoker.js';
import { LogService } from './logs/log-service.js';
import { parsePolicy } from './policy/parse.js';
import type { KeepAlivePolicy } from './policy/types.js';
import { Pool } from './pool/pool.js';
import { CredentialIssuer } from './runtimes/credentials.js';
import { builtinRuntimes } from './runtimes/registry.js';
import { createSandboxFactory, type IsolationChoice, type SandboxFactoryChoice } from './sandbox/index.js';
import type { SandboxFactory } from './sandbox/types.js';
import { CodeStore } from './store/code-store.js';
import { SqliteStore } from './store/sqlite.js';
import { functionKey } from './store/types.js';

export const NIMBUS_VERSION = '0.1.0';
/** How often the keep-alive policy's learned state is written to the store. */
const POLICY_SAVE_MS = 60_000;

export interface NimbusOptions {
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
  clock?: Clock;
  /** How long in-flight requests may finish after a shutdown begins. */
  shutdownGraceMs?: number;
  /** The account's concurrent executions (AWS default 1000). */
  accountConcurrency?: number;
  /** Memory for sandboxes in MB (sum of MemorySize); default three quarters of the machine's RAM. */
  memoryCapacityMb?: number;
  log?: (line: string) => void;
  /** Largest Event payload in bytes: default 262144 (AWS's 256 KB), at most 1048576. */
  asyncPayloadLimit?: number;
  /** Randomness for weighted aliases, in [0, 1); default Math.random. */
  random?: () => number;
}

export interface Nimbus {
  url: string;
  port: number;
  dataDir: string;
  isolation: string;
  /** Set when functions are not (fully) isolated: print it where the operator sees it. */
  warning?: string;
  /** Stops accepting work, lets in-flight requests finish, kills every sandbox, closes the store. */
  close(): Promise<void>;
}

export async function startNimbus(opts: NimbusOptions): Promise<Nimbus> {
  // Bad settings fail before anything is opened.
  const policy = typeof opts.policy === 'object' ? opts.policy : parsePolicy(opts.policy ?? 'fixed:10m');
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const store = new SqliteStore(join(dataDir, 'nimbus.db'));
  const code = new CodeStore(dataDir);
  const runtimes = builtinRuntimes({ dataDir });
  // Egress sandboxes must never reach Nimbus itself; the port is known once the gateway listens.
  const hostPorts: number[] = [];
  const choice: SandboxFactoryChoice = opts.sandboxFactory
    ? { factory: opts.sandboxFactory, isolation: opts.sandboxFactory.isolation }
    : createSandboxFactory({
        isolation: opts.isolation ?? 'auto',
        dataDir,
        hostPorts,
        warn: log,
        stemCells: opts.stemCells ?? 0,
        stemRuntimes: [...new Set(runtimes.ids().map((id) => runtimes.get(id)!))],
      });
  const factory = choice.factory;
  await factory.cleanupStale?.();
  factory.prestart?.();
  const capacityMb = opts.memoryCapacityMb ?? Math.floor((totalmem() / 2 ** 20) * 0.75);
  // What the policy learned survives restarts: restored now, saved every minute and at shutdown.
  const saved = store.policyState.get(policy.name);
  try {
    if (saved !== undefined) policy.restore(saved);
  } catch (e) {
    // A snapshot from another build of the policy must not keep Nimbus from starting.
    log(`keep-alive policy ${policy.name}: stored state not restored (${e instanceof Error ? e.message : String(e)}); starting fresh`);
  }
  const savePolicy = (): void => store.policyState.put(policy.name, policy.snapshot(), clock.now());
  let cancelSave = (): void => undefined;
  const scheduleSave = (): void => {
    cancelSave = clock.setTimer(POLICY_SAVE_MS, () => {
      savePolicy();
      scheduleSave();
    });
  };
  scheduleSave();
  const pool = new Pool({ factory, policy, clock, capacityMb });
  const logs = new LogService(store);
  const accountLimit = opts.accountConcurrency ?? 1000;
  const limiter = new ConcurrencyLimiter(accountLimit);
  const concurrency = new ConcurrencyService({ store, accountLimit, onChange: (key, v) => limiter.setReserved(key, v) });
  concurrency.loadAll(DEFAULT_ACCOUNT);
  const metrics = new Metrics();
  const credentials = CredentialIssuer.forDataDir(dataDir);
  const invoker = new Invoker({ pool, code, runtimes, logs, clock, limiter, metrics, credentials });
  const provisioned = new ProvisionedService({
    store,
    clock,
    pool,
    targetOf: (fn) => invoker.target(fn),
    unreserved: (accountId) => concurrency.unreserved(accountId),
    capacityMb,
  });
  const functions = new FunctionService({
    store,
    code,
    runtimes,
    clock,
    ...(opts.random ? { random: opts.random } : {}),
    onChange: (scope, name) => {
      const prefix = `${functionKey(scope, name)}/`;
      invoker.forget(prefix);
      // Before retiring: pins of a deleted version are released first, the others are spared.
      provisioned.sync(scope, name);
      pool.retire(prefix);
      asyncParts.functionChanged(scope, name);
    },
  });

  const gateway = new Gateway(log);
  functionRoutes(gateway.route, functions, concurrency);
  concurrencyRoutes(gateway.route, concurrency);
  provisionedRoutes(gateway.route, provisioned);
  metricsRoutes(gateway.route, { metrics, pool, limiter });
  const asyncParts = startAsync({
    dataDir,
    clock,
    log,
    functions,
    invoker,
    logs,
    route: gateway.route,
    reservedConcurrency: (scope, name) => limiter.getReserved(functionKey(scope, name)),
    payloadLimit: opts.asyncPayloadLimit,
  });
  invokeRoutes(gateway.route, functions, invoker, asyncParts.events);
  registerHttpFeatures(gateway, { store, clock, functions, invoker, log, onAliasChange: (scope, name) => provisioned.sync(scope, name) });
  nimbusRoutes(gateway.route, { functions, logs, code, health: { isolation: factory.isolation, version: NIMBUS_VERSION } });
  const host = opts.host ?? '127.0.0.1';
  const port = await gateway.listen(opts.port ?? 9000, host);
  hostPorts.push(port);
  // Provisioned sandboxes start again now that the port is known (egress rules exclude it).
  provisioned.restoreAll(DEFAULT_ACCOUNT);

  let closing: Promise<void> | null = null;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    dataDir,
    isolation: factory.isolation,
    ...(choice.warning ? { warning: choice.warning } : {}),
    close: () =>
      (closing ??= (async () => {
        await gateway.close(opts.shutdownGraceMs ?? 10_000);
        await asyncParts.drain(opts.shutdownGraceMs ?? 10_000);
        // Whatever still runs after the grace period is killed; its caller gets an explicit error.
        await pool.close();
        // A factory Nimbus built is Nimbus's to close (its stem cells, egress rules, parent cgroups).
        if (!opts.sandboxFactory) await factory.close?.();
        cancelSave();
        savePolicy();
        // Async attempts cut short by that go back in the queue for the next start.
        await asyncParts.close();
        gateway.destroy();
        logs.close();
        store.close();
      })()),
  };
}
