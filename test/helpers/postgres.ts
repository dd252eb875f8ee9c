/**
 * A throwaway PostgreSQL 15 for tests: initdb in a temporary directory, a free loopback port, trust
 * authentication, stopped and deleted when the test ends. As root, initdb refuses to run, so the
 * cluster belongs to the `postgres` user (runuser). Without PostgreSQL the caller skips, except
 * under CI=true, where `startPostgres` throws so that the suite fails.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

const BIN = '/usr/lib/postgresql/15/bin';

export interface TempPostgres {
  url: string;
  port: number;
  stop(): void;
}

/** Why PostgreSQL cannot run here, or undefined when it can. */
export function postgresMissing(): string | undefined {
  if (!existsSync(join(BIN, 'initdb'))) return `PostgreSQL 15 is not installed (${BIN}/initdb)`;
  if (process.getuid?.() === 0) {
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    } catch {
      return 'running as root and there is no postgres user to run initdb as';
    }
  }
  return undefined;
}

/** For `describe(..., { skip })`: a reason to skip, or false; under CI=true a missing PostgreSQL throws. */
export function skipWithoutPostgres(): string | false {
  const why = postgresMissing();
  if (why === undefined) return false;
  if (process.env['CI'] === 'true') throw new Error(`PostgreSQL is required under CI=true: ${why}`);
  return `skipped: ${why}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<TempPostgres> {
  const why = postgresMissing();
  if (why) throw new Error(why);
  const root = mkdtempSync(join(tmpdir(), 'nimbus-pg-'));
  const data = join(root, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]): void => {
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' });
    else execFileSync(cmd, args, { stdio: 'pipe' });
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(root, uid, gid);
  }
  run(join(BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  // A free port can be taken by another process before PostgreSQL binds it (tests run in
  // parallel): a failed start is tried again on another port.
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      // fsync stays on (the default): the queue's durability is part of what the tests exercise.
      run(join(BIN, 'pg_ctl'), ['-D', data, '-l', join(root, 'log'), '-w', '-o', `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c max_connections=200`, 'start']);
      break;
    } catch (e) {
      if (attempt >= 5) throw e;
    }
  }
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run(join(BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

/** One temporary PostgreSQL shared by the tests of a suite, and fresh schema names on it. */
export interface SuitePostgres {
  /** The server; throws if asked before the suite's `before` hook has started it. */
  readonly server: TempPostgres;
  /** Shorthand for `server.url`. */
  readonly url: string;
  /** A schema name not used before in this suite: `${prefix}_1`, `${prefix}_2`, ... (one per case). */
  schema(prefix: string): string;
}

/**
 * Registers, in the current suite (or file), a `before` hook that starts a temporary PostgreSQL
 * and an `after` hook that stops it. The caller decides about skipping (`skipWithoutPostgres`).
 */
export function suitePostgres(): SuitePostgres {
  let server: TempPostgres | undefined;
  before(async () => {
    server = await startPostgres();
  });
  after(() => server?.stop());
  let n = 0;
  const started = (): TempPostgres => {
    if (!server) throw new Error('PostgreSQL is not started yet (use it inside a test or a hook)');
    return server;
  };
  return {
    get server() {
      return started();
    },
    get url() {
      return started().url;
    },
    schema: (prefix) => `${prefix}_${++n}`,
  };
}

/**
 * A file's contract suite against PostgreSQL: `body` registers its tests with one temporary
 * PostgreSQL for the file (`suitePostgres`). Without PostgreSQL a single test named `name` is
 * skipped instead; under CI=true a missing PostgreSQL throws (the file fails).
 */
export function postgresSuite(name: string, body: (pg: SuitePostgres) => void): void {
  const skip = skipWithoutPostgres();
  if (skip) {
    test(name, { skip }, () => undefined);
    return;
  }
  body(suitePostgres());
}
