/**
 * The lab's client side, run inside the client namespace: the witness (an HTTP sink the test
 * function reports every delivery to, outside the system under test) and the load generator
 * (sync and async invokes and SQS messages with unique ids, each outcome logged as JSONL for the
 * checker). LAB_SQS_QUEUE_URL names a queue an event-source mapping feeds to the function, and
 * LAB_SQS_SHARE the share of requests sent to it (SendMessage through the next node).
 *
 *   node client.js witness <port> <deliveries.jsonl>
 *   node client.js load <requests.jsonl> <durationS> <concurrency> <asyncShare> <url> [url...]
 */
import { appendFileSync } from 'node:fs';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Outcome, RequestRecord } from '../../src/cluster/checker.js';
import { FUNCTION_NAME } from './function.js';

function witness(port: number, out: string): void {
  createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // Appended before replying: a delivery the function saw acknowledged is on disk.
      appendFileSync(out, `${Buffer.concat(chunks).toString('utf8')}\n`);
      res.end('ok');
    });
  }).listen(port, '0.0.0.0');
}

/** Connection refused means nothing can have run: a definite failure. Anything else unexplained is unknown. */
function classify(status: number | undefined, err: unknown): Outcome {
  if (status !== undefined) return status < 300 ? 'ok' : status < 500 ? 'fail' : 'info';
  const e = err as { code?: string; cause?: { code?: string } } | undefined;
  return (e?.code ?? e?.cause?.code) === 'ECONNREFUSED' ? 'fail' : 'info';
}

/**
 * Keep-alive connections to the nodes. node:http rather than fetch: the load generator shares the
 * box's two cores with the nodes, and fetch (undici) cost ~1.3 ms of CPU per request in the lab
 * against a few tenths of a millisecond here (bench/scenarios/cluster.ts reports the client's CPU).
 */
const agent = new Agent({ keepAlive: true });

/** One POST; resolves with the status and body, rejects on a connection error or after `timeoutMs` (error code ETIMEDOUT). */
function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', agent, headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no reply within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

const FUNCTIONS = Math.max(1, Number(process.env['LAB_FUNCTIONS'] ?? '1'));
const NO_WITNESS = process.env['LAB_NO_WITNESS'] === '1';
const SQS_QUEUE_URL = process.env['LAB_SQS_QUEUE_URL'];
const SQS_SHARE = SQS_QUEUE_URL ? Number(process.env['LAB_SQS_SHARE'] ?? '0.2') : 0;

/** One request of the mix: an SQS SendMessage (AWS's JSON protocol), an Event invoke or a sync invoke. */
function request(kind: RequestRecord['kind'], url: string, fn: string, id: string): Promise<{ status: number; text: string }> {
  if (kind === 'sqs') {
    return post(
      `${url}/`,
      { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AmazonSQS.SendMessage' },
      JSON.stringify({ QueueUrl: SQS_QUEUE_URL, MessageBody: JSON.stringify({ id }) }),
      5000,
    );
  }
  return post(
    `${url}/2015-03-31/functions/${fn}/invocations`,
    kind === 'async' ? { 'X-Amz-Invocation-Type': 'Event' } : {},
    JSON.stringify({ id, ms: 20, ...(NO_WITNESS ? { nw: true } : {}) }),
    5000,
  );
}

async function load(out: string, durationS: number, concurrency: number, asyncShare: number, urls: string[]): Promise<void> {
  const end = Date.now() + durationS * 1000;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (Date.now() < end) {
      const id = randomUUID();
      const roll = Math.random();
      const kind: RequestRecord['kind'] = roll < SQS_SHARE ? 'sqs' : roll < SQS_SHARE + asyncShare * (1 - SQS_SHARE) ? 'async' : 'sync';
      const url = urls[next++ % urls.length]!;
      // LAB_FUNCTIONS=k spreads calls over k functions (lab-witness, lab-witness-1, ...); LAB_NO_WITNESS skips the witness.
      const k = Math.floor(Math.random() * FUNCTIONS);
      const fn = k === 0 ? FUNCTION_NAME : `${FUNCTION_NAME}-${k}`;
      let status: number | undefined;
      let reply: string | undefined;
      let err: unknown;
      try {
        const r = await request(kind, url, fn, id);
        const text = r.text;
        status = r.status;
        if (kind === 'sync' && r.status === 200) reply = (JSON.parse(text) as { id?: string }).id;
      } catch (e) {
        err = e;
        status = undefined;
      }
      const rec: RequestRecord = { id, kind, outcome: classify(status, err), ...(reply !== undefined ? { reply } : {}) };
      appendFileSync(out, `${JSON.stringify({ ...rec, status: status ?? null, url })}\n`);
      if (status === undefined) await new Promise((r) => setTimeout(r, 50));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
}

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === 'witness') witness(Number(rest[0]), rest[1]!);
else if (cmd === 'load') {
  const [out, d, c, a, ...urls] = rest;
  load(out!, Number(d), Number(c), Number(a), urls).catch((e: unknown) => {
    process.stderr.write(`load: ${String(e)}\n`);
    process.exitCode = 1;
  });
}
