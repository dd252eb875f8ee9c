/**
 * sqs: Nimbus's SQS service next to ElasticMQ and moto's server mode, and the physical limits,
 * in one run, all driven by the same @aws-sdk/client-sqs over loopback HTTP.
 *
 * - SendMessage throughput: N concurrent senders for D seconds (Nimbus answers each after an
 *   fsync'd commit, shared by the sends of one event-loop turn; the peers keep messages in memory).
 * - Processing throughput with a poller: M preloaded messages, P SDK pollers (ReceiveMessage of
 *   10, the trivial handler in-process, DeleteMessageBatch) until all are deleted.
 * - Message-to-receive delay: one long-polling receiver while messages are sent 20 ms apart;
 *   delay = receive time - SentTimestamp.
 * - Nimbus's event-source mapping: the same M messages drained by a mapping into the trivial
 *   function in its sandbox (BatchSize 10, MaximumConcurrency P), and the message-to-invocation
 *   delay of a trickle, from the mapping's own batch records.
 * - Limits: the loopback echo server (SendMessage parsed and answered, nothing stored) and the
 *   rate of fsync'd one-row SQLite commits on the same disk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { FIXTURES } from '../lib/paths.js';
import { fmt, type Section } from '../lib/report.js';
import { startNimbus } from '../targets/nimbus.js';
import { startElasticMq, startMoto, startSqsEcho, type SqsTarget } from '../targets/sqs-peers.js';

export interface SqsBenchOptions {
  durationS: number;
  senders: number;
  messages: number;
  pollers: number;
  peers: boolean;
}

const { handler } = createRequire(import.meta.url)(`${FIXTURES}trivial/index.js`) as { handler: (e: unknown) => Promise<unknown> };

const client = (endpoint: string): SQSClient =>
  new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 1 });

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

interface SendResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function sendLoad(sqs: SQSClient, QueueUrl: string, senders: number, durationS: number): Promise<SendResult> {
  const lat: number[] = [];
  let errors = 0;
  const end = Date.now() + durationS * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (Date.now() < end) {
        const t0 = performance.now();
        try {
          await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"n":1,"pad":"0123456789012345678901234567890123456789"}' }));
          lat.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  return { rps: lat.length / ((performance.now() - start) / 1000), p50: pct(lat, 50), p99: pct(lat, 99), errors };
}

async function preload(sqs: SQSClient, QueueUrl: string, messages: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < messages) {
        const base = next;
        next += 10;
        const n = Math.min(10, messages - base);
        if (n <= 0) return;
        await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: n }, (_, i) => ({ Id: `m${i}`, MessageBody: `{"n":${base + i}}` })) }));
      }
    }),
  );
}

/** P pollers drain the queue through the handler; returns messages per second. */
async function pollerDrain(sqs: SQSClient, QueueUrl: string, messages: number, pollers: number): Promise<number> {
  let done = 0;
  const start = performance.now();
  const deadline = Date.now() + 300_000;
  await Promise.all(
    Array.from({ length: pollers }, async () => {
      while (done < messages && Date.now() < deadline) {
        const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }))).Messages ?? [];
        if (got.length === 0) continue;
        for (const m of got) await handler(JSON.parse(m.Body ?? '{}'));
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: got.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })) }));
        done += got.length;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

/** One long-polling receiver; messages sent 20 ms apart; delay = receipt - SentTimestamp. */
async function pollerDelay(sqs: SQSClient, QueueUrl: string, count: number): Promise<number[]> {
  const delays: number[] = [];
  let stop = false;
  const receiver = (async () => {
    while (!stop) {
      const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, MessageSystemAttributeNames: ['SentTimestamp'] }))).Messages ?? [];
      const now = Date.now();
      for (const m of got) delays.push(now - Number(m.Attributes?.['SentTimestamp']));
      if (got.length) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: got.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })) }));
    }
  })();
  for (let i = 0; i < count; i++) {
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `{"n":${i}}` }));
    await new Promise((r) => setTimeout(r, 20));
  }
  const end = Date.now() + 10_000;
  while (delays.length < count && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  stop = true;
  await receiver;
  return delays;
}

/** One-row transactions with synchronous=FULL in WAL mode, as Nimbus commits an unbatched send. */
function fsyncRate(durationS: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-bench-fsync-'));
  try {
    const db = new Database(join(dir, 'f.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
    const ins = db.prepare('INSERT INTO t (body) VALUES (?)');
    let n = 0;
    const end = Date.now() + durationS * 1000;
    const start = performance.now();
    while (Date.now() < end) {
      ins.run('x'.repeat(64));
      n++;
    }
    const rate = n / ((performance.now() - start) / 1000);
    db.close();
    return rate;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitDrained(sqs: SQSClient, QueueUrl: string, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes ?? {};
    if (a['ApproximateNumberOfMessages'] === '0' && a['ApproximateNumberOfMessagesNotVisible'] === '0') return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

interface Measured {
  target: SqsTarget;
  send: SendResult;
  poller?: number;
  delays?: number[];
}

export async function sqsBench(o: SqsBenchOptions): Promise<Section> {
  const nimbusProc = await startNimbus();
  const nimbus: SqsTarget = { name: 'nimbus', endpoint: nimbusProc.url, durable: true, stop: () => nimbusProc.stop() };
  const targets: SqsTarget[] = [nimbus];
  const measured: Measured[] = [];
  let esm: { rate: number; delays: number[] } | undefined;
  let fsync = NaN;
  try {
    if (o.peers) targets.push(await startElasticMq(), await startMoto());
    targets.push(await startSqsEcho());
    for (const t of targets) {
      process.stderr.write(`bench: sqs: ${t.name}...\n`);
      const sqs = client(t.endpoint);
      try {
        const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench' }));
        const send = await sendLoad(sqs, QueueUrl!, o.senders, o.durationS);
        const m: Measured = { target: t, send };
        if (t !== targets[targets.length - 1]) {
          // Every target but the echo stores messages: processing is measured on fresh queues.
          const { QueueUrl: work } = await sqs.send(new CreateQueueCommand({ QueueName: 'work' }));
          await preload(sqs, work!, o.messages);
          m.poller = await pollerDrain(sqs, work!, o.messages, o.pollers);
          const { QueueUrl: trickle } = await sqs.send(new CreateQueueCommand({ QueueName: 'trickle' }));
          m.delays = await pollerDelay(sqs, trickle!, 100);
        }
        measured.push(m);
      } finally {
        sqs.destroy();
      }
    }
    esm = await mappingRun(nimbusProc.url, o);
    fsync = fsyncRate(Math.max(2, o.durationS / 2));
  } finally {
    for (const t of targets) await t.stop();
  }
  const rows = measured.map((m) => [
    m.target.name + (m.target.durable ? ' (durable)' : ''),
    fmt(m.send.rps),
    fmt(m.send.p50, 2),
    fmt(m.send.p99, 2),
    m.poller === undefined ? '-' : fmt(m.poller),
    m.delays ? fmt(pct(m.delays, 50), 1) : '-',
    m.delays ? fmt(pct(m.delays, 99), 1) : '-',
  ]);
  if (esm) rows.push(['nimbus event-source mapping -> function', '-', '-', '-', fmt(esm.rate), fmt(pct(esm.delays, 50), 1), fmt(pct(esm.delays, 99), 1)]);
  rows.push([`fsync'd SQLite commits, 1 row each (limit)`, fmt(fsync), '-', '-', '-', '-', '-']);
  const by = (prefix: string): Measured | undefined => measured.find((m) => m.target.name.startsWith(prefix));
  const n = by('nimbus');
  const ratio = (a: number | undefined, b: number | undefined): string => (a && b ? `${(a / b).toFixed(2)}x` : 'n/a');
  const notes = [
    `SendMessage: Nimbus ${ratio(n?.send.rps, by('elasticmq')?.send.rps)} ElasticMQ, ${ratio(n?.send.rps, by('moto')?.send.rps)} moto, ${ratio(n?.send.rps, by('loopback')?.send.rps)} the loopback echo limit; ${ratio(n?.send.rps, fsync)} the one-commit-per-message fsync rate (group commit shares an fsync between concurrent sends)`,
    `Poller processing: Nimbus ${ratio(n?.poller, by('elasticmq')?.poller)} ElasticMQ, ${ratio(n?.poller, by('moto')?.poller)} moto`,
    esm ? `Event-source mapping into a sandboxed function: ${fmt(esm.rate)} msg/s (${ratio(esm.rate, n?.poller)} an SDK poller with the handler in-process on Nimbus)` : 'no mapping figures',
    'ElasticMQ and moto keep messages in memory; Nimbus fsyncs each acknowledged send (WAL, synchronous=FULL).',
  ];
  return {
    scenario: 'sqs',
    description: `SQS with @aws-sdk/client-sqs over loopback: SendMessage by ${o.senders} concurrent senders for ${o.durationS} s; ${o.messages} preloaded messages drained by ${o.pollers} pollers (receive 10, handle in-process, delete batch); message-to-receive delay of 100 messages sent 20 ms apart to one long-polling receiver; Nimbus's event-source mapping draining the same ${o.messages} messages into the trivial function (BatchSize 10, MaximumConcurrency ${o.pollers}) and its message-to-invocation delay (20 messages sent 100 ms apart).`,
    table: { header: ['target', 'send msg/s', 'send p50 ms', 'send p99 ms', 'processed msg/s', 'delay p50 ms', 'delay p99 ms'], rows },
    notes,
  };
}

/** Nimbus's mapping: drain M preloaded messages into the function, then a trickle for the delay. */
async function mappingRun(url: string, o: SqsBenchOptions): Promise<{ rate: number; delays: number[] }> {
  const sqs = client(url);
  try {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'esm' }));
    const create = await fetch(`${url}/2015-03-31/event-source-mappings`, {
      method: 'POST',
      body: JSON.stringify({ EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:esm', FunctionName: 'bench', BatchSize: 10, Enabled: false, ScalingConfig: { MaximumConcurrency: Math.max(2, o.pollers) } }),
    });
    const { UUID } = (await create.json()) as { UUID: string };
    await preload(sqs, QueueUrl!, o.messages);
    const start = performance.now();
    await fetch(`${url}/2015-03-31/event-source-mappings/${UUID}`, { method: 'PUT', body: JSON.stringify({ Enabled: true }) });
    if (!(await waitDrained(sqs, QueueUrl!, 300_000))) throw new Error('the mapping did not drain the queue in 5 minutes');
    const rate = o.messages / ((performance.now() - start) / 1000);
    for (let i = 0; i < 20; i++) {
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `{"n":${i}}` }));
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitDrained(sqs, QueueUrl!, 30_000);
    const status = (await (await fetch(`${url}/nimbus/v1/event-source-mappings/${UUID}`)).json()) as { Nimbus: { stats: { recent: { delayMs: number; records: number }[] } } };
    return { rate, delays: status.Nimbus.stats.recent.slice(-20).map((b) => b.delayMs) };
  } finally {
    sqs.destroy();
  }
}
