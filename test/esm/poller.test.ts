/**
 * The poller against a real SQS service (its own database in a temporary directory) and a
 * scripted function: throttles are retried without losing a message, concurrency never exceeds
 * the mapping's maximum and backs off after function errors, filtered records are deleted, FIFO
 * groups arrive in order one batch at a time, and an idle mapping does not read its queue.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { systemClock } from '../../src/core/clock.js';
import { compileFilterCriteria } from '../../src/events/filter-criteria.js';
import { Poller } from '../../src/esm/poller.js';
import { sqsSource } from '../../src/esm/sqs-source.js';
import type { InvokeOutcome, MappingSpec, SourceReader } from '../../src/esm/types.js';
import { SqsService } from '../../src/sqs/service.js';
import { waitFor, waitForAsync } from '../helpers/ledger.js';

const SCOPE = { accountId: '000000000000', region: 'us-east-1' };

function open(t: TestContext): SqsService {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-poller-'));
  const sqs = new SqsService({ file: join(dir, 'sqs.db'), log: () => undefined });
  t.after(async () => {
    await sqs.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return sqs;
}

function spec(queue: string, over: Partial<MappingSpec> = {}): MappingSpec {
  return {
    ...SCOPE,
    uuid: 'u',
    functionName: 'f',
    qualifier: undefined,
    eventSourceArn: `arn:aws:sqs:us-east-1:000000000000:${queue}`,
    batchSize: 1,
    batchingWindowMs: 0,
    filter: { filters: [] },
    reportBatchItemFailures: false,
    maximumConcurrency: 5,
    ...over,
  };
}

const bodies = (payload: Buffer): string[] => (JSON.parse(payload.toString()) as { Records: { body: string }[] }).Records.map((r) => r.body);

async function start(t: TestContext, sqs: SqsService, s: MappingSpec, invoke: (payload: Buffer) => Promise<InvokeOutcome>, wrap?: (r: SourceReader) => SourceReader): Promise<Poller> {
  const kind = sqsSource(sqs);
  const reader = kind.open(s);
  const p = new Poller(s, wrap ? wrap(reader) : reader, await kind.ordered(s.eventSourceArn, s), { invoke: (_s, payload) => invoke(payload), clock: systemClock, log: () => undefined });
  p.start();
  t.after(() => p.stop());
  return p;
}

test('throttles are retried while the messages stay invisible; every message is processed once', async (t) => {
  const sqs = open(t);
  await sqs.createQueue(SCOPE, 'q', { VisibilityTimeout: '30' });
  for (let i = 0; i < 12; i++) await sqs.send(SCOPE, 'q', `m${i}`);
  let running = 0;
  let maxRunning = 0;
  const done: string[] = [];
  let throttles = 0;
  // Reserved concurrency 2, as the limiter would enforce it: a third concurrent call is a 429.
  const p = await start(t, sqs, spec('q', { maximumConcurrency: 4 }), async (payload) => {
    if (running >= 2) {
      throttles++;
      return { kind: 'throttled', message: 'Rate Exceeded.' };
    }
    running++;
    maxRunning = Math.max(maxRunning, running);
    await new Promise((r) => setTimeout(r, 30));
    running--;
    done.push(...bodies(payload));
    return { kind: 'ok', payload: Buffer.from('{}') };
  });
  assert.ok(await waitFor(() => done.length === 12, 15_000), `processed ${done.length}`);
  assert.deepEqual(done.sort(), Array.from({ length: 12 }, (_, i) => `m${i}`).sort());
  assert.ok(throttles > 0, 'the function was throttled');
  assert.ok(maxRunning <= 2);
  assert.equal(p.stats.snapshot().throttles >= throttles - 4, true);
  assert.deepEqual(await p.lag(), { waiting: 0, inFlight: 0, oldestAgeMs: undefined });
});

test('concurrency stays under the maximum and halves after function errors', async (t) => {
  const sqs = open(t);
  await sqs.createQueue(SCOPE, 'q', { VisibilityTimeout: '1' });
  for (let i = 0; i < 8; i++) await sqs.send(SCOPE, 'q', `m${i}`);
  let running = 0;
  let maxRunning = 0;
  let failing = true;
  const concurrentAfterErrors: number[] = [];
  let errors = 0;
  await start(t, sqs, spec('q', { maximumConcurrency: 4 }), async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    if (!failing) concurrentAfterErrors.push(running);
    await new Promise((r) => setTimeout(r, 50));
    running--;
    if (failing && ++errors >= 4) failing = false;
    return errors <= 4 && concurrentAfterErrors.length === 0 ? { kind: 'function-error', payload: Buffer.from('{"errorType":"Error","errorMessage":"x"}') } : { kind: 'ok', payload: Buffer.from('null') };
  });
  assert.ok((await waitForAsync(() => sqs.backlog(SCOPE, 'q'), (b) => b.visible + b.inFlight === 0, 15_000)).visible === 0, 'drained');
  assert.equal(maxRunning, 4, 'four batches at once at first');
  assert.ok(concurrentAfterErrors.length > 0);
  assert.ok(concurrentAfterErrors[0]! <= 2, `after four errors the poller runs ${concurrentAfterErrors[0]} at once`);
});

test('filtered records are deleted without an invocation; an idle mapping does not read its queue', async (t) => {
  const sqs = open(t);
  await sqs.createQueue(SCOPE, 'q');
  const compiled = compileFilterCriteria({ Filters: [{ Pattern: '{"body":{"keep":[true]}}' }] });
  assert.ok(compiled.ok);
  const seen: string[] = [];
  let reads = 0;
  const p = await start(t, sqs, spec('q', { filter: compiled.criteria, batchSize: 10 }), async (payload) => {
    seen.push(...bodies(payload));
    return { kind: 'ok', payload: Buffer.from('{}') };
  }, (r) => ({ ...r, read: (max) => (reads++, r.read(max)) }));
  for (const b of ['{"keep":true}', '{"keep":false}', 'text', '{"keep":true,"n":2}']) await sqs.send(SCOPE, 'q', b);
  assert.ok((await waitForAsync(() => sqs.backlog(SCOPE, 'q'), (b) => b.visible + b.inFlight === 0, 5000)).visible === 0);
  await waitFor(() => seen.length === 2, 2000);
  assert.deepEqual(seen.sort(), ['{"keep":true,"n":2}', '{"keep":true}']);
  assert.equal(p.stats.snapshot().filtered, 2);
  const before = reads;
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(reads, before, 'no reads while nothing arrives (the queue wakes the poller)');
  await sqs.send(SCOPE, 'q', '{"keep":true,"n":3}');
  assert.ok(await waitFor(() => seen.length === 3, 2000), 'a send wakes it');
});

test('FIFO: one batch per group at a time, groups in order, partial failures retried in order', async (t) => {
  const sqs = open(t);
  await sqs.createQueue(SCOPE, 'q.fifo', { FifoQueue: 'true', VisibilityTimeout: '1' });
  for (let i = 0; i < 9; i++) await sqs.send(SCOPE, 'q.fifo', `${'abc'[i % 3]}${i}`, { groupId: 'abc'[i % 3]!, deduplicationId: String(i) });
  const order: string[] = [];
  const inFlight = new Set<string>();
  let overlap = false;
  let failedOnce = false;
  await start(t, sqs, spec('q.fifo', { batchSize: 3, maximumConcurrency: 3, reportBatchItemFailures: true }), async (payload) => {
    const doc = JSON.parse(payload.toString()) as { Records: { body: string; messageId: string; attributes: { MessageGroupId: string } }[] };
    const group = doc.Records[0]!.attributes.MessageGroupId;
    if (inFlight.has(group)) overlap = true;
    inFlight.add(group);
    await new Promise((r) => setTimeout(r, 20));
    inFlight.delete(group);
    // The first time group b comes, its second and third records fail: they come back, in order.
    if (group === 'b' && !failedOnce && doc.Records.length === 3) {
      failedOnce = true;
      order.push(doc.Records[0]!.body);
      return { kind: 'ok', payload: Buffer.from(JSON.stringify({ batchItemFailures: doc.Records.slice(1).map((r) => ({ itemIdentifier: r.messageId })) })) };
    }
    order.push(...doc.Records.map((r) => r.body));
    return { kind: 'ok', payload: Buffer.from('{}') };
  });
  assert.ok(await waitFor(() => order.length === 9, 15_000), `got ${order.join(',')}`);
  assert.equal(overlap, false, 'never two batches of one group at once');
  assert.ok(failedOnce);
  for (const g of 'abc') assert.deepEqual(order.filter((b) => b.startsWith(g)), [0, 1, 2, 3, 4, 5, 6, 7, 8].filter((i) => 'abc'[i % 3] === g).map((i) => `${g}${i}`));
});
