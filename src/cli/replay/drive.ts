/**
 * Plays a trace against a running Nimbus: one function per app (a Node.js handler that sleeps
 * for the call's execution time), each call sent at its trace time divided by the time scale.
 * An app's calls are sent one after another (a call that arrives while the previous one runs
 * waits for it), because the simulator models one sandbox per app, as Serverless in the Wild
 * does: without that, overlapping calls would scale out on the live pool and be cold there but
 * warm in the simulator.
 *
 * It records, per app, the calls whose REPORT carried an Init Duration (cold starts), how long
 * each call held its sandbox (in trace time), how late calls were sent, and at the end the
 * pool's idle memory per function (/nimbus/v1/stats, in trace time since the pool's clock runs
 * at the same scale).
 */
import { performance } from 'node:perf_hooks';
import { zipFiles } from '../zip-folder.js';
import type { NimbusClient } from '../client.js';
import type { WindowApp } from './window.js';

/** A Node.js handler that holds its sandbox for `event.ms` milliseconds. */
const HANDLER = 'exports.handler = async (e) => { if (e.ms > 0) await new Promise((r) => setTimeout(r, e.ms)); return {}; };\n';

export interface LiveResult {
  coldStarts: number[];
  invocations: number[];
  errors: number;
  /** Per app and call: how long it held its sandbox (request to answer, init included), trace ms. */
  spans: number[][];
  /** Per app and call: when it was sent, trace ms from the start (after the app's previous call, if that still ran). */
  sentAt: number[][];
  /** Init durations the REPORT lines gave (cold starts), per app, wall ms. */
  initMs: number[][];
  /** Idle memory per app, MB x trace ms. */
  idleMbMs: number[];
  /** How late calls were sent after their due time, wall ms: p50 and p99. */
  lagP50Ms: number;
  lagP99Ms: number;
}

export interface DriveOptions {
  client: NimbusClient;
  apps: readonly WindowApp[];
  endMs: number;
  /** Trace ms per wall ms. */
  scale: number;
  /** Function names are `${prefix}${index}`. */
  prefix: string;
  onProgress?: (fraction: number) => void;
}

function handlerZip(): Promise<Buffer> {
  return zipFiles({ 'index.js': HANDLER });
}

/** Creates one function per app (memory from the trace; a timeout long enough for its longest call). */
export async function deployApps(o: DriveOptions): Promise<void> {
  const zip = (await handlerZip()).toString('base64');
  for (let i = 0; i < o.apps.length; i++) {
    const a = o.apps[i]!;
    const longest = Math.max(0, ...a.arrivals.map(([, d]) => d)) / o.scale;
    const r = await o.client.request('POST', '/2015-03-31/functions', {
      FunctionName: `${o.prefix}${i}`,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/nimbus-replay',
      MemorySize: a.memoryMb,
      Timeout: Math.min(900, Math.ceil(longest / 1000) + 10),
      Code: { ZipFile: zip },
    });
    if (r.status !== 201) throw new Error(`CreateFunction ${o.prefix}${i}: ${r.status} ${r.body.toString()}`);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? 0;

export async function drive(o: DriveOptions): Promise<LiveResult> {
  const n = o.apps.length;
  const res: LiveResult = {
    coldStarts: new Array<number>(n).fill(0),
    invocations: new Array<number>(n).fill(0),
    errors: 0,
    spans: o.apps.map((a) => new Array<number>(a.arrivals.length).fill(0)),
    sentAt: o.apps.map((a) => a.arrivals.map(([t]) => t)),
    idleMbMs: new Array<number>(n).fill(0),
    initMs: o.apps.map(() => []),
    lagP50Ms: 0,
    lagP99Ms: 0,
  };
  const calls: [t: number, app: number, k: number][] = [];
  o.apps.forEach((a, i) => a.arrivals.forEach(([t], k) => calls.push([t, i, k])));
  calls.sort((x, y) => x[0] - y[0]);
  const chains: Promise<void>[] = o.apps.map(() => Promise.resolve());
  const lags: number[] = [];
  let start = 0;
  const call = async (i: number, k: number): Promise<void> => {
    const ms = Math.round(o.apps[i]!.arrivals[k]![1] / o.scale);
    const t0 = performance.now();
    res.sentAt[i]![k] = (t0 - start) * o.scale;
    try {
      const r = await o.client.request('POST', `/2015-03-31/functions/${o.prefix}${i}/invocations`, JSON.stringify({ ms }), { 'x-amz-log-type': 'Tail' });
      res.spans[i]![k] = (performance.now() - t0) * o.scale;
      res.invocations[i]!++;
      if (r.status !== 200 || r.headers.get('x-amz-function-error')) res.errors++;
      const tail = Buffer.from(r.headers.get('x-amz-log-result') ?? '', 'base64').toString();
      const init = /Init Duration: ([\d.]+) ms/.exec(tail);
      if (init) {
        res.coldStarts[i]!++;
        res.initMs[i]!.push(Number(init[1]));
      }
    } catch {
      res.errors++;
    }
  };
  let done = 0;
  start = performance.now();
  for (const [t, i, k] of calls) {
    const due = start + t / o.scale;
    await sleep(due - performance.now());
    lags.push(performance.now() - due);
    chains[i] = chains[i]!.then(() => call(i, k));
    if (++done % 50 === 0) o.onProgress?.(t / o.endMs);
  }
  await sleep(start + o.endMs / o.scale - performance.now());
  // The books close at the window's end, as the simulator's do (calls still running are not idle).
  const stats = await o.client.request('GET', '/nimbus/v1/stats');
  await Promise.all(chains);
  const byName = new Map<string, number>();
  for (const f of (JSON.parse(stats.body.toString()) as { functions: { function: string; version: string; idleGbSeconds: number }[] }).functions) {
    if (f.version === '$LATEST') byName.set(f.function, f.idleGbSeconds);
  }
  for (let i = 0; i < n; i++) res.idleMbMs[i] = (byName.get(`${o.prefix}${i}`) ?? 0) * 1024 * 1000;
  res.lagP50Ms = pct(lags, 50);
  res.lagP99Ms = pct(lags, 99);
  o.onProgress?.(1);
  return res;
}
