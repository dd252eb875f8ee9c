/**
 * One lab run (the CI profile of issue #19): N nodes, mixed sync/async/SQS load from the client
 * namespace (SQS messages reach the function through an event-source mapping), one crash, one pause and one partition, a quiet period, then the checker over the
 * load generator's log and the witness's log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { zipFolder } from '../../src/cli/zip-folder.js';
import { check, parseJsonl, summary, type CheckResult, type DeliveryRecord, type RequestRecord } from '../../src/cluster/checker.js';
import { FUNCTION_NAME, witnessFunctionSource } from './function.js';
import { addNode, clientAddr, crash, heal, inNsFetch, nodeAddr, nodePids, NODE_PORT, ns, partition, pause, readState, resume, type LabConfig } from './lab.js';

const WITNESS_PORT = 8080;

export interface RunOptions {
  nodes: number;
  durationS: number;
  concurrency: number;
  asyncShare: number;
  /** Share of requests sent as SQS messages (cluster mode only: the queue must be shared). */
  sqsShare?: number;
  faults: boolean;
  /** Seconds to wait after the load for redeliveries (lease TTL + visibility timeout + function timeout). */
  quiesceS: number;
  log?: (line: string) => void;
}

const url = (c: LabConfig, k: number): string => `http://${nodeAddr(c, k)}:${NODE_PORT}`;

/** Waits until node `k` answers its health check (from the client namespace). */
export async function waitHealthy(c: LabConfig, k: number, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await inNsFetch(c, 'client', `${url(c, k)}/nimbus/v1/health`)).status === 200) return;
    await sleep(300);
  }
  throw new Error(`node ${k} did not become healthy; see ${join(c.dir, `n${k}.log`)}`);
}

/** Creates the witness function on node `k` (on every node when they do not share state). */
export async function deployFunction(c: LabConfig, k: number, name = FUNCTION_NAME): Promise<void> {
  const dir = mkdtempSync(join(c.dir, 'fn-'));
  writeFileSync(join(dir, 'index.js'), witnessFunctionSource());
  const zip = (await zipFolder(dir)).toString('base64');
  const body = JSON.stringify({
    FunctionName: name,
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    Role: 'arn:aws:iam::000000000000:role/lab',
    Timeout: 10,
    Code: { ZipFile: zip },
    Environment: { Variables: { WITNESS_HOST: clientAddr(c), WITNESS_PORT: String(WITNESS_PORT) } },
  });
  const r = await inNsFetch(c, 'client', `${url(c, k)}/2015-03-31/functions`, 'POST', body);
  if (r.status !== 201 && r.status !== 409) throw new Error(`deploy on n${k}: ${r.status} ${r.body}`);
}

function inClient(c: LabConfig, args: string[], env: Record<string, string> = {}): ChildProcess {
  const script = new URL('./client.js', import.meta.url).pathname;
  return spawn('ip', ['netns', 'exec', ns(c, 'client'), process.execPath, script, ...args], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
}

const QUEUE = 'lab-queue';

/**
 * Creates the lab's SQS queue and an event-source mapping from it to the witness function, through
 * node `k`; answers the queue URL. The visibility timeout equals the function's timeout (10 s), so a
 * batch held by a crashed or paused node comes back to another node's poller within the run's quiet period.
 */
export async function deployQueue(c: LabConfig, k: number): Promise<string> {
  const sqs = (target: string, body: object): Promise<{ status: number; body: string }> =>
    inNsFetch(c, 'client', `${url(c, k)}/`, 'POST', JSON.stringify(body), { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `AmazonSQS.${target}` });
  const q = await sqs('CreateQueue', { QueueName: QUEUE, Attributes: { VisibilityTimeout: '10' } });
  if (q.status !== 200) throw new Error(`CreateQueue on n${k}: ${q.status} ${q.body}`);
  const queueUrl = (JSON.parse(q.body) as { QueueUrl: string }).QueueUrl;
  const m = await inNsFetch(c, 'client', `${url(c, k)}/2015-03-31/event-source-mappings/`, 'POST',
    JSON.stringify({ FunctionName: FUNCTION_NAME, EventSourceArn: `arn:aws:sqs:us-east-1:000000000000:${QUEUE}`, BatchSize: 10 }));
  if (m.status !== 202 && m.status !== 409) throw new Error(`CreateEventSourceMapping on n${k}: ${m.status} ${m.body}`);
  return queueUrl;
}

/** Runs the load with the nemesis schedule and checks the histories. Assumes `upInfra` ran. */
export async function runLab(c: LabConfig, o: RunOptions): Promise<CheckResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(`lab: ${l}\n`));
  const state = readState(c);
  if (!state) throw new Error('the lab is not up');
  for (let k = 1; k <= o.nodes; k++) if (!nodePids(c, k).length) addNode(c, k);
  for (let k = 1; k <= o.nodes; k++) await waitHealthy(c, k);
  log(`${o.nodes} nodes up (${state.cluster ? 'cluster mode' : 'cluster mode not available: independent single nodes'})`);
  // Every node: independent single nodes each need the function. In cluster mode the store is
  // shared (docs/cluster.md): the later creates answer 409, and each node fetches the package from
  // PostgreSQL on first use.
  for (let k = 1; k <= o.nodes; k++) await deployFunction(c, k);
  const sqsShare = state.cluster ? (o.sqsShare ?? 0) : 0;
  const queueUrl = sqsShare > 0 ? await deployQueue(c, 1) : undefined;

  const requests = join(c.dir, 'requests.jsonl');
  const deliveries = join(c.dir, 'deliveries.jsonl');
  writeFileSync(requests, '');
  writeFileSync(deliveries, '');
  const witness = inClient(c, ['witness', String(WITNESS_PORT), deliveries]);
  await sleep(500);
  const urls = Array.from({ length: o.nodes }, (_, i) => url(c, i + 1));
  const load = inClient(c, ['load', requests, String(o.durationS), String(o.concurrency), String(o.asyncShare), ...urls],
    queueUrl ? { LAB_SQS_QUEUE_URL: queueUrl, LAB_SQS_SHARE: String(sqsShare) } : {});
  const loadDone = new Promise<void>((res) => load.on('exit', () => res()));

  if (o.faults && o.nodes >= 2) {
    const t = o.durationS * 1000;
    const victim = (i: number): number => 1 + (i % o.nodes);
    await sleep(t * 0.2);
    log(`kill -9 n${victim(1)}`);
    crash(c, victim(1));
    await sleep(t * 0.15);
    log(`restart n${victim(1)}`);
    addNode(c, victim(1));
    await sleep(t * 0.1);
    log(`SIGSTOP n${victim(2)}`);
    pause(c, victim(2));
    await sleep(t * 0.15);
    log(`SIGCONT n${victim(2)}`);
    resume(c, victim(2));
    await sleep(t * 0.05);
    log(`partition n${victim(3)}`);
    partition(c, victim(3));
    await sleep(t * 0.15);
    log(`heal n${victim(3)}`);
    heal(c, victim(3));
  }
  await loadDone;
  log(`load done; quiet for ${o.quiesceS} s`);
  await sleep(o.quiesceS * 1000);
  witness.kill('SIGTERM');
  const result = check(
    parseJsonl<RequestRecord>(readFileSync(requests, 'utf8')),
    parseJsonl<DeliveryRecord>(readFileSync(deliveries, 'utf8')),
  );
  log(summary(result));
  return result;
}
