/**
 * sqs-stores: the SQS engine on one node's SQLite file next to the cluster's PostgreSQL engine, on
 * the same machine and disk, through the programmatic API the HTTP operations use (no HTTP, so
 * the store is what differs):
 *
 * - send: N concurrent single-message sends for D seconds (each answered after its durable commit);
 * - drain: M preloaded messages received 10 at a time and deleted by P concurrent consumers;
 * - wake-up: on PostgreSQL, a long poll on a second engine ("node 2") woken by a send on the
 *   first (LISTEN/NOTIFY), message sent to message received.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqsBackend } from '../../src/sqs/backend.js';
import { PgSqsBackend } from '../../src/sqs/pg/engine.js';
import { SqliteSqsBackend } from '../../src/sqs/sqlite-backend.js';
import { postgresAvailable, startBenchPostgres } from '../lib/postgres.js';
import { fmt, type Section } from '../lib/report.js';

export interface SqsStoresOptions {
  durationS: number;
  senders: number;
  messages: number;
  consumers: number;
}

const SCOPE = { accountId: '000000000000', region: 'us-east-1' };
const BODY = '{"n":1,"pad":"0123456789012345678901234567890123456789"}';

async function sendRate(b: SqsBackend, queue: string, senders: number, durationS: number): Promise<number> {
  const q = await b.queue(SCOPE, queue);
  let n = 0;
  const end = Date.now() + durationS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (Date.now() < end) {
        await b.enqueueGrouped(q, [{ body: BODY }]);
        n++;
      }
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

async function drainRate(b: SqsBackend, queue: string, messages: number, consumers: number): Promise<number> {
  const q = await b.queue(SCOPE, queue);
  for (let i = 0; i < messages; i += 10) await b.enqueueGrouped(q, Array.from({ length: 10 }, () => ({ body: BODY })));
  let done = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: consumers }, async () => {
      while (done < messages) {
        const got = await b.receive(q, { max: 10 });
        if (got.length === 0) break;
        for (const m of got) await b.deleteMessage(q, m.receiptHandle);
        done += got.length;
      }
    }),
  );
  return done / ((performance.now() - t0) / 1000);
}

async function wakeDelays(a: SqsBackend, b: SqsBackend, samples: number): Promise<number[]> {
  const qa = await a.queue(SCOPE, 'wake');
  const qb = await b.queue(SCOPE, 'wake');
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const polling = b.receive(qb, { waitMs: 5000 });
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    await a.enqueueGrouped(qa, [{ body: BODY }]);
    const got = await polling;
    out.push(performance.now() - t0);
    for (const m of got) await b.deleteMessage(qb, m.receiptHandle);
  }
  return out;
}

async function measure(b: SqsBackend, o: SqsStoresOptions): Promise<{ send: number; drain: number }> {
  await b.createQueue(SCOPE, 'send', {}, {});
  await b.createQueue(SCOPE, 'drain', {}, {});
  return { send: await sendRate(b, 'send', o.senders, o.durationS), drain: await drainRate(b, 'drain', o.messages, o.consumers) };
}

export async function sqsStores(o: SqsStoresOptions): Promise<Section> {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-bench-sqs-'));
  const sqlite = new SqliteSqsBackend({ file: join(dir, 'sqs.db') });
  let lite: { send: number; drain: number };
  try {
    lite = await measure(sqlite, o);
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const rows: string[][] = [[`SQLite (one node)`, fmt(lite.send), fmt(lite.drain), '-']];
  const notes: string[] = [];
  if (!postgresAvailable()) {
    notes.push('PostgreSQL 15 is not installed: the cluster engine was not measured.');
  } else {
    const pg = await startBenchPostgres();
    try {
      const n1 = await PgSqsBackend.open({ url: pg.url, poolSize: 8 });
      const n2 = await PgSqsBackend.open({ url: pg.url, poolSize: 8 });
      try {
        const shared = await measure(n1, o);
        await n1.createQueue(SCOPE, 'wake', {}, {});
        const delays = (await wakeDelays(n1, n2, 20)).sort((x, y) => x - y);
        const p50 = delays[Math.floor(delays.length / 2)]!;
        rows.push([`PostgreSQL (cluster)`, fmt(shared.send), fmt(shared.drain), `${fmt(p50, 1)} ms`]);
        notes.push(`send: PostgreSQL ${fmt(shared.send / lite.send, 2)}x SQLite; drain (receive 10 + delete each): ${fmt(shared.drain / lite.drain, 2)}x.`);
        notes.push(`A long poll on node 2 woken by node 1's send (LISTEN/NOTIFY): median ${fmt(p50, 1)} ms over ${delays.length} messages.`);
      } finally {
        await n1.close();
        await n2.close();
      }
    } finally {
      pg.stop();
    }
  }
  return {
    scenario: 'sqs-stores',
    description: `SQS engine on SQLite vs PostgreSQL (same machine): ${o.senders} concurrent senders for ${o.durationS} s; ${o.messages} messages drained by ${o.consumers} consumers (receive 10, delete each).`,
    table: { header: ['store', 'sends/s', 'drained msgs/s', 'cross-node wake-up'], rows },
    notes,
  };
}
