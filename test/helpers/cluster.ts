/**
 * A Nimbus cluster for tests: a temporary PostgreSQL and etcd (test/helpers/postgres.ts, etcd.ts)
 * and N cluster nodes on loopback, in this process, each with its own data directory. Clients
 * spread their calls over the nodes round-robin, so a suite written for one node runs "through any
 * node". `NIMBUS_TEST_CLUSTER=3` makes `startTestNimbus` (nimbus.ts) start one of these instead of
 * a single node.
 */
import { randomBytes } from 'node:crypto';
import { Keyring } from '../../src/secrets/keyring.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext } from 'node:test';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { BuildMiddleware } from '@smithy/types';
import { startNimbus, type Nimbus, type NimbusOptions } from '../../src/app.js';
import type { TestNimbus } from './nimbus.js';
import { skipWithoutEtcd, startEtcd, type TempEtcd } from './etcd.js';
import { skipWithoutPostgres, startPostgres, type TempPostgres } from './postgres.js';

/** How many nodes NIMBUS_TEST_CLUSTER asks for (0: the single-node suite as usual). */
export function testClusterSize(): number {
  const v = Number(process.env['NIMBUS_TEST_CLUSTER'] ?? '0');
  return Number.isInteger(v) && v > 1 ? v : 0;
}

/** Why a cluster cannot start here (no PostgreSQL or etcd); throws under CI=true. */
export function skipWithoutCluster(): string | false {
  return skipWithoutPostgres() || skipWithoutEtcd();
}

/** The PostgreSQL and the etcd that a suite's `serve --cluster` nodes share. */
export interface ClusterBackends {
  /** Both throw if asked before the suite's `before` hook has started them. */
  readonly pg: TempPostgres;
  readonly etcd: TempEtcd;
}

/**
 * Registers, in the current suite, a `before` hook that starts a temporary PostgreSQL and etcd and
 * an `after` hook that stops them. The caller decides about skipping (`skipWithoutCluster`).
 */
export function clusterBackends(): ClusterBackends {
  let pg: TempPostgres | undefined;
  let etcd: TempEtcd | undefined;
  before(async () => {
    pg = await startPostgres();
    etcd = await startEtcd();
  });
  after(() => {
    pg?.stop();
    etcd?.stop();
  });
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('PostgreSQL and etcd are not started yet (use them inside a test or a hook)');
    return v;
  };
  return {
    get pg() {
      return started(pg);
    },
    get etcd() {
      return started(etcd);
    },
  };
}

/** A fresh master key for NIMBUS_MASTER_KEY: every node of one cluster must be given the same. */
export function newMasterKey(): string {
  return randomBytes(32).toString('base64');
}

/**
 * The environment of `nimbus serve` as a cluster node on `b` (process isolation, no stem cells),
 * plus `extra` (typically NIMBUS_MASTER_KEY or NIMBUS_KEY_FILE: a node refuses to start without
 * the cluster's keyring). Returns a function of the node id.
 */
export function clusterNodeEnv(b: ClusterBackends, extra: Record<string, string> = {}): (id: string) => Record<string, string> {
  return (id) => ({
    NIMBUS_CLUSTER: b.pg.url,
    NIMBUS_ETCD: b.etcd.url,
    NIMBUS_NODE_ID: id,
    NIMBUS_ISOLATION: 'process',
    NIMBUS_STEM_CELLS: '0',
    ...extra,
  });
}

export interface TestCluster {
  nodes: Nimbus[];
  urls: string[];
  /** The next node's URL, round-robin: each call of this (or of `url` on the single-node facade) is another node. */
  next(): string;
  pg: TempPostgres;
  etcd: TempEtcd;
  /** Stops node `i` (a clean leave: its etcd key goes at once). */
  stop(i: number): Promise<void>;
  /** Starts one more node (id `n<k>`, k = nodes so far + 1) and waits until every live node sees it. */
  add(): Promise<Nimbus>;
}

/** Sends each request of `client` to the next of `urls`, before it is signed (the Host header is signed). */
export function roundRobin<C extends { middlewareStack: { add(m: BuildMiddleware<object, object>, o: object): void } }>(client: C, next: () => string): C {
  const mw: BuildMiddleware<object, object> = (nextHandler) => async (args) => {
    const req = args.request as { hostname?: string; port?: number; protocol?: string; headers?: Record<string, string> };
    const u = new URL(next());
    req.hostname = u.hostname;
    req.port = Number(u.port);
    req.protocol = u.protocol;
    if (req.headers) {
      delete req.headers['host'];
      delete req.headers['Host'];
    }
    return nextHandler(args);
  };
  client.middlewareStack.add(mw, { step: 'build', priority: 'high', name: 'nimbusRoundRobin' });
  return client;
}

/** A Lambda client whose every call goes to the next node. */
export function roundRobinLambda(c: { urls: string[]; next(): string }, region = 'us-east-1'): LambdaClient {
  const client = new LambdaClient({ endpoint: c.urls[0]!, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  return roundRobin(client, () => c.next());
}

/** Starts PostgreSQL, etcd and `n` nodes; everything stops when the test ends. Resolves once every node sees all `n`. */
export async function startTestCluster(t: { after: TestContext['after'] }, n: number, opts: Partial<NimbusOptions> = {}): Promise<TestCluster> {
  const pg = await startPostgres();
  const etcd = await startEtcd();
  const nodes: Nimbus[] = [];
  const dirs: string[] = [];
  const stopped = new Set<number>();
  t.after(async () => {
    await Promise.all(nodes.map((x, i) => (stopped.has(i) ? undefined : x.close())));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    pg.stop();
    etcd.stop();
  });
  // Every node of a cluster has the same keyring (a node refuses to start without it).
  const keyDir = mkdtempSync(join(tmpdir(), 'nimbus-cluster-key-'));
  dirs.push(keyDir);
  const keyFile = join(keyDir, 'keyring.json');
  Keyring.open(keyFile);
  const startNode = async (i: number): Promise<Nimbus> => {
    const dataDir = mkdtempSync(join(tmpdir(), `nimbus-cluster-n${i + 1}-`));
    dirs.push(dataDir);
    const node = await startNimbus({
      port: 0,
      dataDir,
      log: () => undefined,
      shutdownGraceMs: 2000,
      isolation: 'process',
      keyFile,
      ...opts,
      cluster: { postgres: pg.url, etcd: etcd.url, nodeId: `n${i + 1}`, ttlSeconds: 3, ...opts.cluster },
    });
    nodes.push(node);
    return node;
  };
  for (let i = 0; i < n; i++) await startNode(i);
  const urls = nodes.map((x) => x.url);
  await waitForMembers(urls, n);
  let turn = 0;
  return {
    async add() {
      const node = await startNode(nodes.length);
      urls.push(node.url);
      await waitForMembers(urls.filter((_, i) => !stopped.has(i)), nodes.length - stopped.size);
      return node;
    },
    nodes,
    urls,
    next: () => urls[turn++ % urls.length]!,
    pg,
    etcd,
    async stop(i) {
      stopped.add(i);
      await nodes[i]!.close();
    },
  };
}

/** Waits until every node's /nimbus/v1/cluster lists `n` live members. */
export async function waitForMembers(urls: readonly string[], n: number, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  for (const url of urls) {
    let last = '';
    for (;;) {
      try {
        const r = await fetch(`${url}/nimbus/v1/cluster`);
        last = `${r.status} ${await r.text()}`;
        if (r.ok && (JSON.parse(last.slice(4)) as { live: unknown[] }).live.length === n) break;
      } catch (e) {
        last = String(e); // not up yet
      }
      if (Date.now() > end) throw new Error(`${url} did not see ${n} live nodes within ${ms} ms; it last answered: ${last.slice(0, 1500)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * `startTestNimbus` under NIMBUS_TEST_CLUSTER: node 1's Nimbus, except that `url` names the next
 * node on every read and `lambda` sends every call to the next node.
 */
export async function startClusterAsTestNimbus(t: { after: TestContext['after'] }, opts: Partial<NimbusOptions>): Promise<TestNimbus> {
  // The single-node suites run under the machine's default isolation; so do their cluster runs.
  const c = await startTestCluster(t, testClusterSize(), { isolation: 'auto', ...opts });
  const lambda = roundRobinLambda(c);
  t.after(() => lambda.destroy());
  const first = c.nodes[0]!;
  const facade = { ...first, close: first.close, lambda, dataDir: first.dataDir } as TestNimbus;
  Object.defineProperty(facade, 'url', { get: () => c.next(), enumerable: true });
  return facade;
}
