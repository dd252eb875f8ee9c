/**
 * The dependency direction of src/, as the README's architecture section states it, held against
 * the code's own imports: every arrow between rooms must be in the table below, no file may take
 * part in an import cycle, and nothing but `nimbus serve` imports the composition root.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cycles, readGraph, violations, type Graph } from '../helpers/imports.js';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/** Which rooms each room may import (README, "Architecture"). Read top to bottom. */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  cli: ['app', 'accounts', 'auth', 'sam', 'sim', 'policy', 'sandbox', 'runtimes', 'metrics', 'core'],
  app: ['app-cluster', 'api', 'accounts', 'auth', 'cluster', 'pg', 'invoke', 'pool', 'sandbox', 'queue', 'store', 'logs', 'metrics', 'runtimes', 'policy', 'esm', 'eventbridge', 'sns', 'sqs', 's3', 'dynamodb', 'ssm', 'secretsmanager', 'secrets', 'core'],
  // The composition root's cluster half: what only cluster nodes construct (PostgreSQL stores, membership, routing).
  'app-cluster': ['api', 'accounts', 'cluster', 'invoke', 'metrics', 'queue', 'store', 'eventbridge', 'sns', 'sqs', 'secrets', 'core'],
  api: ['sam', 's3', 'auth', 'invoke', 'pool', 'queue', 'store', 'logs', 'metrics', 'runtimes', 'httpapi', 'esm', 'eventbridge', 'sns', 'events', 'sqs', 'dynamodb', 'ssm', 'secretsmanager', 'secrets', 'core'],
  esm: ['sqs', 'queue', 'store', 'events', 'core'],
  eventbridge: ['queue', 'events', 'pg', 'core'],
  sns: ['events', 'auth', 'pg', 'core'],
  invoke: ['pool', 'sandbox', 'runtimes', 'store', 'logs', 'metrics', 'queue', 'core'],
  pool: ['sandbox', 'policy', 'core'],
  sandbox: ['runtimes', 'core'],
  queue: ['sqs', 'pg', 'core'],
  cluster: ['invoke', 'queue', 'core'],
  logs: ['store', 'core'],
  store: ['pg', 'core'],
  pg: [],
  runtimes: ['core'],
  httpapi: ['core'],
  metrics: ['core'],
  sim: ['policy', 'cluster', 'core'],
  policy: ['core'],
  sam: ['auth', 'core'],
  accounts: ['auth', 'pg', 'secrets', 'core'],
  auth: ['core'],
  secrets: ['core'],
  events: ['core'],
  sqs: ['auth', 'pg', 'core'],
  // S3-compatible object storage: its REST handlers and stores; api/s3 serves it, app.ts opens it.
  s3: ['auth', 'core'],
  // DynamoDB: dynalite embedded (docs/dynamodb.md).
  dynamodb: ['core'],
  // Parameter Store: its operations and SQLite store (docs/parameters-and-secrets.md).
  ssm: ['core'],
  secretsmanager: ['core'],
  core: [],
};

/** Rules finer than rooms. */
function fileRules(from: string, to: string): string | undefined {
  if (to === 'app.ts' && from !== 'cli/commands/serve.ts') return 'only cli/commands/serve.ts imports the composition root';
  if (to === 'app-cluster.ts' && from !== 'app.ts') return 'only app.ts imports its cluster half';
  return undefined;
}

describe('dependency direction', () => {
  const graph = readGraph(SRC);

  it('reads the whole of src/', () => {
    assert.ok(graph.edges.size > 150, `${graph.edges.size} files`);
    assert.ok([...graph.edges.values()].reduce((n, s) => n + s.size, 0) > 300, 'and their imports');
  });

  it('every arrow between rooms is one the table allows', () => {
    const bad = violations(graph, ALLOWED, fileRules);
    assert.deepEqual(bad.map((v) => `${v.from} -> ${v.to}: ${v.rule}`), []);
  });

  it('no import cycles between files', () => {
    assert.deepEqual(cycles(graph), []);
  });

  it('the checks catch a reversed arrow and a cycle (a graph with one of each)', () => {
    const g: Graph = {
      edges: new Map([
        ['core/errors.ts', new Set(['pool/pool.ts'])],
        ['pool/pool.ts', new Set(['core/errors.ts', 'sandbox/types.ts'])],
        ['sandbox/types.ts', new Set<string>()],
        ['store/sqlite.ts', new Set(['app.ts'])],
        ['app.ts', new Set<string>()],
      ]),
    };
    const bad = violations(g, ALLOWED, fileRules).map((v) => `${v.from} -> ${v.to}`);
    assert.deepEqual(bad.sort(), ['core/errors.ts -> pool/pool.ts', 'store/sqlite.ts -> app.ts']);
    assert.deepEqual(cycles(g), [['core/errors.ts', 'pool/pool.ts']]);
  });
});

describe('one composition root', () => {
  it('app.ts (with its cluster half, app-cluster.ts) is the only file of src/ that constructs a service, store, queue, pool or server', () => {
    const SERVICE = /\bnew (\w+Service|Pool|Invoker|AsyncInvoker|Gateway|SqliteStore|SqliteQueue|CodeStore|Dispatcher|Acceptor|Scheduler|ConcurrencyLimiter|LogService|Metrics|RequestGuard)\(/g;
    const found: string[] = [];
    for (const file of readGraph(SRC).edges.keys()) {
      if (file === 'app.ts' || file === 'app-cluster.ts') continue;
      const text = readFileSync(join(SRC, file), 'utf8');
      for (const m of text.matchAll(SERVICE)) found.push(`${file}: new ${m[1]!}(`);
    }
    assert.deepEqual(found, []);
  });
});
