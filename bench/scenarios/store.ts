/**
 * store: what keeping the control plane in PostgreSQL (cluster mode) costs next to the embedded
 * SQLite store, side by side in one run on one machine. Two parts:
 *
 * - the Store API in process (src/store/sqlite.ts vs src/store/pg), environments sealed by a real
 *   keyring in both: the median time of each operation;
 * - the Lambda API through a real server (a single node on SQLite vs a cluster node on
 *   PostgreSQL + etcd): CreateFunction, GetFunction and a warm Invoke with the AWS SDK.
 *
 * PostgreSQL 15 and etcd are started in temporary directories (as the tests do), fsync on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateFunctionCommand, GetFunctionCommand, InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { startNimbus, type NimbusOptions } from '../../src/app.js';
import type { FunctionVersion } from '../../src/core/model.js';
import { Keyring } from '../../src/secrets/keyring.js';
import { SecretBox } from '../../src/secrets/secret-box.js';
import { PgStore } from '../../src/store/pg/store.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { startEtcd } from '../../test/helpers/etcd.js';
import { makeZip, sdkClient } from '../../test/helpers/nimbus.js';
import { postgresMissing, startPostgres } from '../../test/helpers/postgres.js';
import { fmt, type Section } from '../lib/report.js';

const SCOPE = { accountId: '000000000000', region: 'us-east-1' };

function version(name: string, n = 0): FunctionVersion {
  return {
    ...SCOPE, name, version: '$LATEST', runtime: 'nodejs20.x', handler: 'index.handler', role: 'arn:aws:iam::000000000000:role/r',
    description: `d${n}`, timeout: 3, memorySize: 128, architectures: ['x86_64'], ephemeralStorageMb: 512, tracingMode: 'PassThrough',
    logFormat: 'Text', logGroup: `/aws/lambda/${name}`, packageType: 'Zip', environment: { STAGE: 'bench', N: String(n) },
    codeSha256: 'c0de'.padEnd(64, '0'), codeSize: 100, lastModified: 1_700_000_000_000 + n, revisionId: `rev-${n}`,
  };
}

/** Median microseconds of `n` sequential runs of `op(i)`. */
async function median(n: number, op: (i: number) => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await op(i);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function storeOps(store: Store, n: number): Promise<Record<string, number>> {
  const r: Record<string, number> = {};
  r['insertFunction'] = await median(n, (i) => store.insertFunction(version(`f${i}`, i)));
  r['getVersion'] = await median(n, (i) => store.getVersion(SCOPE, `f${i}`, '$LATEST'));
  // A warm invoke's read: the cache, filled by the reads above.
  for (let i = 0; i < n; i++) await store.getVersion(SCOPE, `f${i}`, '$LATEST');
  r['cachedVersion (warm)'] = await median(n, (i) => store.cachedVersion?.(SCOPE, `f${i}`, '$LATEST'));
  r['putVersion'] = await median(n, (i) => store.putVersion(version(`f${i}`, i + n)));
  r['publishVersion'] = await median(n, (i) => store.publishVersion(SCOPE, 'f0', (v) => ({ ...version('f0', i), version: v })));
  r['listFunctions (50)'] = await median(Math.min(n, 50), () => store.listFunctions(SCOPE, undefined, 50));
  r['appendLogs (1 entry)'] = await median(n, (i) =>
    store.appendLogs([{ ...SCOPE, functionName: 'f0', version: '$LATEST', requestId: `r${i}`, timestamp: i, text: 'START RequestId: x\n' }]),
  );
  return r;
}

async function apiOps(lambda: LambdaClient, n: number): Promise<Record<string, number>> {
  const zip = await makeZip({ 'index.mjs': 'export const handler = async (e) => e;' });
  const r: Record<string, number> = {};
  const create = (name: string): Promise<unknown> =>
    lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: 'arn:aws:iam::000000000000:role/r', Handler: 'index.handler', Code: { ZipFile: zip } }));
  r['CreateFunction'] = await median(n, (i) => create(`api${i}`));
  r['GetFunction'] = await median(n, (i) => lambda.send(new GetFunctionCommand({ FunctionName: `api${i}` })));
  await lambda.send(new InvokeCommand({ FunctionName: 'api0', Payload: Buffer.from('{}') }));
  r['Invoke (warm)'] = await median(n, () => lambda.send(new InvokeCommand({ FunctionName: 'api0', Payload: Buffer.from('{}') })));
  return r;
}

async function onServer(opts: Partial<NimbusOptions>, n: number): Promise<Record<string, number>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-bench-store-'));
  const nimbus = await startNimbus({ port: 0, dataDir, log: () => undefined, isolation: 'process', stemCells: 0, ...opts });
  const lambda = sdkClient(nimbus.url);
  try {
    return await apiOps(lambda, n);
  } finally {
    lambda.destroy();
    await nimbus.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function storeBench(o: { ops: number; apiOps: number }): Promise<Section> {
  const missing = postgresMissing();
  if (missing) return { scenario: 'store', description: `skipped: ${missing}`, table: { header: [], rows: [] }, notes: [] };
  const pg = await startPostgres();
  const etcd = await startEtcd();
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-bench-store-'));
  const rows: string[][] = [];
  const notes: string[] = [];
  try {
    const box = new SecretBox(Keyring.open(join(dir, 'keyring.json')));
    process.stderr.write('  store: Store API on SQLite...\n');
    const sqlite = new SqliteStore(join(dir, 'nimbus.db'), box);
    const s = await storeOps(sqlite, o.ops);
    await sqlite.close();
    process.stderr.write('  store: Store API on PostgreSQL...\n');
    const pgStore = new PgStore({ url: pg.url, sealer: box });
    await pgStore.open();
    const p = await storeOps(pgStore, o.ops);
    // How long another node's cache may serve the previous version: from the commit of an update
    // through one store until the other store's cache has dropped it.
    const other = new PgStore({ url: pg.url, sealer: box });
    await other.open();
    const lags: number[] = [];
    for (let i = 0; i < Math.min(o.ops, 100); i++) {
      while (other.cachedVersion(SCOPE, 'f1', '$LATEST') === undefined) await other.getVersion(SCOPE, 'f1', '$LATEST');
      await pgStore.putVersion(version('f1', 10_000 + i));
      const t0 = process.hrtime.bigint();
      while (other.cachedVersion(SCOPE, 'f1', '$LATEST') !== undefined) await new Promise((r) => setImmediate(r));
      lags.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    lags.sort((a, b) => a - b);
    const lag = { p50: lags[Math.floor(lags.length / 2)]!, max: lags[lags.length - 1]! };
    await other.close();
    await pgStore.close();
    for (const k of Object.keys(s)) rows.push([`Store.${k}`, fmt(s[k]!, 1), fmt(p[k]!, 1), fmt(p[k]! / s[k]!, 1)]);

    process.stderr.write('  store: Lambda API on a single node (SQLite)...\n');
    const single = await onServer({}, o.apiOps);
    process.stderr.write('  store: Lambda API on a cluster node (PostgreSQL + etcd)...\n');
    const cluster = await onServer({ cluster: { postgres: pg.url, etcd: etcd.url, nodeId: 'bench' } }, o.apiOps);
    for (const k of Object.keys(single)) rows.push([k, fmt(single[k]!, 0), fmt(cluster[k]!, 0), fmt(cluster[k]! / single[k]!, 1)]);
    notes.push(
      `another node's cache drops an updated version ${fmt(lag.p50, 0)} µs (median; max ${fmt(lag.max, 0)} µs) after the updating node's commit returned: the window in which an invoke there may run the previous configuration`,
      `a warm invoke's configuration read: ${fmt(p['cachedVersion (warm)']!, 1)} µs from the NOTIFY-invalidated cache vs ${fmt(p['getVersion']!, 1)} µs for a PostgreSQL round trip (getVersion)`,
      'medians of sequential calls, one caller; PostgreSQL on the same machine with fsync on; the Lambda API rows include HTTP and the SDK',
    );
  } finally {
    pg.stop();
    etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    scenario: 'store',
    description: `The control-plane store: SQLite (one node) next to PostgreSQL (cluster mode), ${o.ops} Store calls and ${o.apiOps} API calls per operation.`,
    table: { header: ['operation', 'SQLite µs (median)', 'PostgreSQL µs (median)', 'PostgreSQL / SQLite'], rows },
    notes,
  };
}
