/**
 * scale: the control plane with many functions and many warm sandboxes (issue 18, item 4).
 *
 * One Nimbus (process isolation: 500 namespace sandboxes with their mounts and cgroups are too
 * heavy for a 2-core machine shared with other work) gets `functions` deployed functions. Then:
 * invoke latency of a warm Node.js function and ListFunctions page times with only that function
 * deployed, again with all of them deployed, again with `warm` sandboxes kept warm; the time the
 * server takes to start on the full data directory; its RSS over a mixed load (invokes of warm
 * and cold functions, ListFunctions, GetFunction, UpdateFunctionConfiguration).
 *
 * The warm sandboxes run a bash custom runtime (bench/fixtures/bash-runtime): a few MB each, so
 * that 500 of them fit beside the other work on the machine.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { zipFolder } from '../../src/cli/zip-folder.js';
import { FIXTURES, ROOT } from '../lib/paths.js';
import { startProc, type Proc } from '../lib/proc.js';
import { fmt, type Section } from '../lib/report.js';
import { cleanEnv } from '../targets/ceiling.js';

export interface ScaleOptions {
  functions: number;
  warm: number;
  /** Length of the mixed load, in seconds. */
  mixedS: number;
}

const ROLE = 'arn:aws:iam::000000000000:role/bench';
const fnName = (i: number): string => `scale-${String(i).padStart(5, '0')}`;
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? NaN;
};
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** Runs `count` tasks with at most `width` at once. */
async function parallel(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string; ms: number }> {
  const t0 = performance.now();
  const r = await fetch(url + path, { method, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
  const text = await r.text();
  return { status: r.status, text, ms: performance.now() - t0 };
}

/** CPU time (user + system) a process has used so far, ms (clock ticks of 10 ms). */
const cpuMs = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};

/** Starts and stops a server on `dataDir` `n` times: median wall and CPU ms from spawn to listening. */
async function startTimes(dataDir: string, n: number): Promise<{ wallMs: number; cpuMs: number }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = await serve(dataDir);
    wall.push(s.startMs);
    cpu.push(cpuMs(s.proc.child.pid!));
    await s.proc.stop();
  }
  return { wallMs: pct(wall, 50), cpuMs: pct(cpu, 50) };
}

async function serve(dataDir: string): Promise<{ proc: Proc; url: string; startMs: number }> {
  const t0 = performance.now();
  const proc = await startProc(
    process.execPath,
    [`${ROOT}bin/nimbus.js`, 'serve', '--port', '0', '--data-dir', dataDir, '--isolation', 'process', '--stem-cells', '0', '--max-concurrency', '5000', '--memory-capacity', '10000000'],
    { env: cleanEnv(), ready: /listening on (http:\/\/\S+)/, timeoutMs: 120_000 },
  );
  return { proc, url: proc.match[1]!, startMs: performance.now() - t0 };
}

/** Sequential warm invocations of `name`: p50 and p99 in ms. */
async function invokeLatency(url: string, name: string, n: number): Promise<{ p50: number; p99: number }> {
  const ms: number[] = [];
  for (let i = 0; i < n + 20; i++) {
    const r = await call(url, 'POST', `/2015-03-31/functions/${name}/invocations`, '{}');
    if (r.status !== 200) throw new Error(`invoke ${name}: ${r.status} ${r.text}`);
    if (i >= 20) ms.push(r.ms);
  }
  return { p50: pct(ms, 50), p99: pct(ms, 99) };
}

/** ListFunctions (50 per page): the first page, a page from the middle, the last, and a walk of all pages. */
async function listTimes(url: string, count: number): Promise<{ first: number; middle: number; last: number; walkMs: number; pages: number; markers: string[] }> {
  const page = async (marker?: string): Promise<{ ms: number; next: string | undefined }> => {
    const times: number[] = [];
    let next: string | undefined;
    for (let i = 0; i < 5; i++) {
      const r = await call(url, 'GET', `/2015-03-31/functions/?MaxItems=50${marker ? `&Marker=${encodeURIComponent(marker)}` : ''}`);
      if (r.status !== 200) throw new Error(`ListFunctions: ${r.status} ${r.text}`);
      next = (JSON.parse(r.text) as { NextMarker?: string }).NextMarker;
      times.push(r.ms);
    }
    return { ms: pct(times, 50), next };
  };
  const first = await page();
  const t0 = performance.now();
  let marker: string | undefined;
  let pages = 0;
  const markers: string[] = [];
  do {
    const r = await call(url, 'GET', `/2015-03-31/functions/?MaxItems=50${marker ? `&Marker=${encodeURIComponent(marker)}` : ''}`);
    marker = (JSON.parse(r.text) as { NextMarker?: string }).NextMarker;
    if (marker) markers.push(marker);
    pages++;
  } while (marker && pages < count / 50 + 10);
  const walkMs = performance.now() - t0;
  const middle = markers.length ? await page(markers[Math.floor(markers.length / 2)]) : first;
  const last = markers.length ? await page(markers[markers.length - 1]) : first;
  return { first: first.ms, middle: middle.ms, last: last.ms, walkMs, pages, markers };
}

export async function scale(o: ScaleOptions): Promise<Section> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-bench-scale-'));
  const rows: string[][] = [];
  const notes: string[] = [];
  let s = await serve(dataDir);
  try {
    const nodeZip = (await zipFolder(`${FIXTURES}trivial`)).toString('base64');
    const bashZip = (await zipFolder(`${FIXTURES}bash-runtime`)).toString('base64');
    const deploy = async (name: string, runtime: string, zip: string): Promise<void> => {
      const r = await call(s.url, 'POST', '/2015-03-31/functions', { FunctionName: name, Runtime: runtime, Handler: 'index.handler', Role: ROLE, MemorySize: 128, Code: { ZipFile: zip } });
      if (r.status !== 201) throw new Error(`deploy ${name}: ${r.status} ${r.text}`);
    };
    await deploy('probe', 'nodejs20.x', nodeZip);
    const lat1 = await invokeLatency(s.url, 'probe', 300);
    const list1 = await listTimes(s.url, 1);
    rows.push(['1 function, 1 warm sandbox', fmt(lat1.p50, 2), fmt(lat1.p99, 2), fmt(list1.first, 2), '-', '-', fmt(rssMb(s.proc.child.pid!), 0)]);

    const t0 = performance.now();
    await parallel(o.functions, 8, (i) => deploy(fnName(i), 'provided.al2023', bashZip));
    const deployS = (performance.now() - t0) / 1000;
    notes.push(`Deployed ${o.functions} functions in ${fmt(deployS, 1)} s (${fmt(o.functions / deployS, 0)} CreateFunction/s, 8 at a time).`);
    const lat2 = await invokeLatency(s.url, 'probe', 300);
    const list2 = await listTimes(s.url, o.functions);
    rows.push([`${o.functions} functions`, fmt(lat2.p50, 2), fmt(lat2.p99, 2), fmt(list2.first, 2), fmt(list2.middle, 2), fmt(list2.last, 2), fmt(rssMb(s.proc.child.pid!), 0)]);
    notes.push(`Walking all ${list2.pages} ListFunctions pages (50 each) took ${fmt(list2.walkMs / 1000, 2)} s.`);

    // Restart on the full data directory, and on an empty one for comparison.
    await s.proc.stop();
    const full = await startTimes(dataDir, 3);
    const emptyDir = mkdtempSync(join(tmpdir(), 'nimbus-bench-scale-empty-'));
    const empty = await startTimes(emptyDir, 3).finally(() => rmSync(emptyDir, { recursive: true, force: true }));
    s = await serve(dataDir);
    notes.push(
      `Server start, spawn to listening, median of 3: ${fmt(full.wallMs, 0)} ms wall / ${fmt(full.cpuMs, 0)} ms CPU on the data directory of ${o.functions + 1} functions, ${fmt(empty.wallMs, 0)} ms wall / ${fmt(empty.cpuMs, 0)} ms CPU on an empty one (target < 2000 ms wall: ${full.wallMs < 2000 ? 'met' : 'NOT met'}; CPU ratio full / empty ${fmt(full.cpuMs / empty.cpuMs, 2)}).`,
    );

    // Warm sandboxes: one per function, `warm` functions.
    const tw = performance.now();
    await parallel(o.warm, 16, async (i) => {
      const r = await call(s.url, 'POST', `/2015-03-31/functions/${fnName(i)}/invocations`, '{}');
      if (r.status !== 200) throw new Error(`invoke ${fnName(i)}: ${r.status} ${r.text}`);
    });
    notes.push(`Started ${o.warm} warm bash sandboxes (16 cold starts at a time) in ${fmt((performance.now() - tw) / 1000, 1)} s.`);
    const stats = JSON.parse((await call(s.url, 'GET', '/nimbus/v1/stats')).text) as { pool?: { idle?: number } };
    const lat3 = await invokeLatency(s.url, 'probe', 300);
    const list3 = await listTimes(s.url, o.functions);
    rows.push([`${o.functions} functions, ${o.warm} warm sandboxes`, fmt(lat3.p50, 2), fmt(lat3.p99, 2), fmt(list3.first, 2), fmt(list3.middle, 2), fmt(list3.last, 2), fmt(rssMb(s.proc.child.pid!), 0)]);
    if (stats.pool?.idle !== undefined) notes.push(`Pool after warming: ${stats.pool.idle} idle sandboxes.`);
    notes.push(
      `Invoke p50 with ${o.functions} functions and ${o.warm} warm sandboxes / with 1 function: ${fmt(lat3.p50 / lat1.p50, 2)}x; ListFunctions last page / first page: ${fmt(list3.last / list3.first, 2)}x.`,
    );

    // Mixed load: RSS over time.
    const rss: { t: number; mb: number }[] = [];
    const pid = s.proc.child.pid!;
    const tm = performance.now();
    const sampler = setInterval(() => {
      try {
        rss.push({ t: (performance.now() - tm) / 1000, mb: rssMb(pid) });
      } catch {
        // The server is gone: the load below reports it.
      }
    }, Math.max(1000, (o.mixedS * 1000) / 20));
    let ops = 0;
    let errors = 0;
    const errorKinds = new Map<string, number>();
    const opMs = new Map<string, number[]>();
    let k = 0;
    const until = tm + o.mixedS * 1000;
    const mixedCall = (n: number, roll: number): Promise<{ status: number; ms: number }> =>
      roll < 70
        ? call(s.url, 'POST', `/2015-03-31/functions/${fnName(n % o.warm)}/invocations`, '{}')
        : roll < 72
          ? call(s.url, 'POST', `/2015-03-31/functions/${fnName(o.warm + (n % (o.functions - o.warm)))}/invocations`, '{}')
          : roll < 85
            ? call(s.url, 'GET', `/2015-03-31/functions/${fnName(n % o.functions)}`)
            : roll < 95
              ? call(s.url, 'GET', `/2015-03-31/functions/?MaxItems=50&Marker=${encodeURIComponent(list3.markers[n % list3.markers.length] ?? '')}`)
              : call(s.url, 'PUT', `/2015-03-31/functions/${fnName(o.warm + (n % (o.functions - o.warm)))}/configuration`, { Description: `mixed ${n}` });
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < until) {
          const n = k++;
          const roll = n % 100;
          let r: { status: number; ms: number };
          try {
            r = await mixedCall(n, roll);
          } catch (e) {
            // A refused or reset connection is an error of the run (counted below), not the end of it.
            r = { status: 599, ms: NaN };
            const kind = `network ${(e as { cause?: { code?: string } }).cause?.code ?? 'error'}`;
            errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
          }
          ops++;
          const op = roll < 70 ? 'warm invoke' : roll < 72 ? 'cold invoke' : roll < 85 ? 'GetFunction' : roll < 95 ? 'ListFunctions page' : 'UpdateFunctionConfiguration';
          const list = opMs.get(op) ?? [];
          opMs.set(op, list);
          // A reservoir would be fairer; the last 50,000 of each kind are plenty for p99.
          if (list.length >= 50_000) list.shift();
          if (r.status !== 599) list.push(r.ms);
          if (r.status === 599) errors++;
          else if (r.status >= 300) {
            errors++;
            const kind = `${roll < 72 ? 'invoke' : roll < 85 ? 'get' : roll < 95 ? 'list' : 'update'} ${r.status}`;
            errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
          }
        }
      }),
    );
    clearInterval(sampler);
    if (existsSync(`/proc/${pid}`)) rss.push({ t: (performance.now() - tm) / 1000, mb: rssMb(pid) });
    else notes.push('The server exited during the mixed load.');
    notes.push(`Mixed load for ${o.mixedS} s (8 clients; 70% warm invokes, 2% cold invokes, 13% GetFunction, 10% ListFunctions pages, 5% UpdateFunctionConfiguration): ${ops} operations, ${errors} errors${errors ? ` (${[...errorKinds].map(([kind, n]) => `${kind}: ${n}`).join(', ')})` : ''}.`);
    notes.push(`Latency per operation under the mixed load, p50 / p99 ms: ${[...opMs].map(([op, xs]) => `${op} ${fmt(pct(xs, 50), 1)} / ${fmt(pct(xs, 99), 1)}`).join('; ')}.`);
    notes.push(`Server RSS over the mixed load (s: MiB): ${rss.map((x) => `${fmt(x.t, 0)}: ${fmt(x.mb, 0)}`).join(', ')}.`);
    const third = Math.max(1, Math.floor(rss.length / 3));
    const early = Math.max(...rss.slice(0, third).map((x) => x.mb));
    const late = Math.max(...rss.slice(-third).map((x) => x.mb));
    notes.push(`RSS peak in the last third / first third of the run: ${fmt(late / early, 2)}x.`);
  } finally {
    await s.proc.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  notes.push(`Load average when the run ended: ${loadavg().map((x) => fmt(x, 1)).join(' ')} (2 cores shared with other work).`);
  return {
    scenario: 'scale',
    description: `${o.functions} deployed functions and ${o.warm} warm sandboxes (process isolation): invoke latency of a warm Node.js function (sequential, ms), ListFunctions page times (MaxItems 50, ms), server RSS (MiB).`,
    table: { header: ['state', 'invoke p50', 'invoke p99', 'list first page', 'list middle page', 'list last page', 'server RSS MiB'], rows },
    notes,
  };
}
