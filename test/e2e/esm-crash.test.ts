/**
 * SIGKILL while event-source mappings work: clients send SQS messages to `nimbus serve` (a real
 * process) while a mapping feeds them to a function; the server is killed with SIGKILL at a
 * random moment, several times, and restarted on the same data directory. Every message whose
 * SendMessage was answered 200 must reach the function at least once, and none may be left in
 * the queue. Seeded: NIMBUS_CHAOS_SEED replays a run.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { ledgerDir, readLedger, waitFor } from '../helpers/ledger.js';
import { deployNode, sdkClient } from '../helpers/nimbus.js';
import { serve } from '../helpers/serve.js';

const ACCOUNT = '000000000000';
/** One ledger line per record, after a short pause so that batches are in flight at the kill. */
const HANDLER = `const fs = require('fs');
process.umask(0);
exports.handler = async (event) => {
  await new Promise((r) => setTimeout(r, 20));
  fs.appendFileSync(process.env.LEDGER, event.Records.map((r) => JSON.stringify({ id: r.messageId, body: r.body, event: {} })).join('\\n') + '\\n');
  return {};
};`;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const sqsCall = (url: string, op: string, body: unknown): Promise<Response> =>
  fetch(`${url}/`, { method: 'POST', headers: { 'x-amz-target': `AmazonSQS.${op}`, 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify(body) });

test('SIGKILL while mappings process messages: every acknowledged message is processed at least once', { timeout: 600_000 }, async (t) => {
  const seed = Number(process.env['NIMBUS_CHAOS_SEED'] ?? Date.now() % 100_000);
  const random = rng(seed);
  const tmp = ledgerDir('nimbus-esm-chaos-');
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const dataDir = join(tmp, 'data');
  const ledger = join(tmp, 'ledger');
  mkdirSync(dataDir);
  const env = { NIMBUS_ISOLATION: 'process' };
  const queueUrl = (url: string): string => `${url}/${ACCOUNT}/chaos`;
  const acked = new Set<number>();
  let n = 0;
  const rounds = 4;
  let kills = 0;
  for (let round = 0; round < rounds; round++) {
    const s = await serve(t, { dataDir, env, startMs: 90_000 });
    if (round === 0) {
      const lambda = sdkClient(s.url);
      await deployNode(lambda, 'consumer', { 'index.js': HANDLER }, { Timeout: 2, Environment: { Variables: { LEDGER: ledger } } });
      // A short visibility timeout: batches cut off by a kill come back soon after the restart.
      assert.equal((await sqsCall(s.url, 'CreateQueue', { QueueName: 'chaos', Attributes: { VisibilityTimeout: '2' } })).status, 200);
      await lambda.send(new CreateEventSourceMappingCommand({ EventSourceArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:chaos`, FunctionName: 'consumer', BatchSize: 5, ScalingConfig: { MaximumConcurrency: 3 } }));
      lambda.destroy();
    }
    let stop = false;
    const clients = Array.from({ length: 6 }, async () => {
      while (!stop) {
        const i = n++;
        try {
          const r = await sqsCall(s.url, 'SendMessage', { QueueUrl: queueUrl(s.url), MessageBody: JSON.stringify({ n: i }) });
          if (r.status === 200) acked.add(i);
          await r.arrayBuffer();
        } catch {
          // Cut off by the kill: not acknowledged, nothing promised.
          return;
        }
      }
    });
    const target = acked.size + 80 + Math.floor(random() * 120);
    await waitFor(() => acked.size >= target, 30_000);
    await new Promise((r) => setTimeout(r, Math.floor(random() * 50)));
    s.child.kill('SIGKILL');
    kills++;
    await s.exited;
    stop = true;
    await Promise.all(clients);
  }

  // The last start works the queue off.
  const s = await serve(t, { dataDir, env, startMs: 90_000 });
  const processed = (): Set<number> => new Set(readLedger(ledger).map((l) => (JSON.parse((l as unknown as { body: string }).body) as { n: number }).n));
  const done = await waitFor(() => [...acked].every((i) => processed().has(i)), 120_000);
  const missing = [...acked].filter((i) => !processed().has(i));
  assert.ok(done, `seed ${seed}: ${missing.length} acknowledged messages never processed: ${missing.slice(0, 20).join(', ')}`);
  const attrs = async (): Promise<Record<string, string>> =>
    ((await (await sqsCall(s.url, 'GetQueueAttributes', { QueueUrl: queueUrl(s.url), AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] })).json()) as { Attributes: Record<string, string> }).Attributes;
  let last: Record<string, string> = {};
  const drained = await waitFor(() => false, 0).then(async () => {
    const end = Date.now() + 30_000;
    while (Date.now() < end) {
      last = await attrs();
      if (last['ApproximateNumberOfMessages'] === '0' && last['ApproximateNumberOfMessagesNotVisible'] === '0') return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  });
  assert.ok(drained, `seed ${seed}: the queue still holds messages: ${JSON.stringify(last)}`);
  const lines = readLedger(ledger).length;
  t.diagnostic(`seed ${seed}: ${acked.size} messages acknowledged over ${kills} SIGKILLs, ${lines} records processed (${lines - acked.size} repeats or unacknowledged sends), none lost`);
});
