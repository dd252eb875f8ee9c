/**
 * The composition root: the one place that picks concrete implementations (SQLite store,
 * sandbox isolation level, keep-alive policy) and wires the modules together. Nothing imports it
 * but the CLI and the tests.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { systemClock, type Clock } from './clock.js';
import { FunctionService } from './control/functions.js';
import { functionRoutes } from './gateway/routes/functions.js';
import { invokeRoutes } from './gateway/routes/invoke.js';
import { nimbusRoutes } from './gateway/routes/nimbus.js';
import { Gateway } from './gateway/server.js';
import { Invoker } from './invoke/invoker.js';
import { LogService } from './logs/log-service.js';
import { FixedKeepAlive } from './policy/fixed.js';
import type { KeepAlivePolicy } from './policy/types.js';
import { Pool } from './pool/pool.js';
import { builtinRuntimes } from './runtimes/registry.js';
import { ProcessSandboxFactory } from './sandbox/process.js';
import type { SandboxFactory } from './sandbox/types.js';
import { CodeStore } from './store/code-store.js';
import { SqliteStore } from './store/sqlite.js';

export const NIMBUS_VERSION = '0.1.0';

export interface NimbusOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  dataDir: string;
  /** The keep-alive policy; default: fixed 10 minutes. */
  policy?: KeepAlivePolicy;
  /** Sandboxes; default: process isolation under `<dataDir>/sandboxes`. */
  sandboxFactory?: SandboxFactory;
  clock?: Clock;
  /** How long in-flight requests may finish after a shutdown begins. */
  shutdownGraceMs?: number;
  log?: (line: string) => void;
}

export interface Nimbus {
  url: string;
  port: number;
  dataDir: string;
  isolation: string;
  /** Stops accepting work, lets in-flight requests finish, kills every sandbox, closes the store. */
  close(): Promise<void>;
}

export async function startNimbus(opts: NimbusOptions): Promise<Nimbus> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const store = new SqliteStore(join(dataDir, 'nimbus.db'));
  const code = new CodeStore(dataDir);
  const runtimes = builtinRuntimes();
  const factory: SandboxFactory = opts.sandboxFactory ?? new ProcessSandboxFactory(join(dataDir, 'sandboxes'));
  await factory.cleanupStale?.();
  const pool = new Pool({ factory, policy: opts.policy ?? new FixedKeepAlive(10 * 60_000), clock });
  const logs = new LogService(store);
  const invoker = new Invoker({ pool, code, runtimes, logs, clock });
  const functions = new FunctionService({
    store,
    code,
    runtimes,
    clock,
    onChange: (scope, name) => {
      const prefix = `${scope.accountId}/${scope.region}/${name}/`;
      invoker.forget(prefix);
      pool.retire(prefix);
    },
  });

  const gateway = new Gateway(log);
  functionRoutes(gateway.route, functions);
  invokeRoutes(gateway.route, functions, invoker);
  nimbusRoutes(gateway.route, { functions, logs, code, health: { isolation: factory.isolation, version: NIMBUS_VERSION } });
  const host = opts.host ?? '127.0.0.1';
  const port = await gateway.listen(opts.port ?? 9000, host);

  let closing: Promise<void> | null = null;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    dataDir,
    isolation: factory.isolation,
    close: () =>
      (closing ??= (async () => {
        await gateway.close(opts.shutdownGraceMs ?? 10_000);
        // Whatever still runs after the grace period is killed; its caller gets an explicit error.
        await pool.close();
        gateway.destroy();
        logs.close();
        store.close();
      })()),
  };
}
