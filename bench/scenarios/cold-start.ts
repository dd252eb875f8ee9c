/**
 * cold-start: Init Duration (from the REPORT line) and end-to-end first-call latency per
 * runtime and per isolation level, next to the physical floor measured in the same run: how
 * long a bare `node -e ''`, `python3 -c ''` and `java -version` take to start and exit. These
 * rows run with `--stem-cells 0`; the stem-cell rows measure a new Node.js or Python function's
 * first call when a stem cell is ready (`--stem-cells 1`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { zipFolder } from '../../src/cli/zip-folder.js';
import { python } from '../../src/runtimes/python.js';
import { FIXTURES, ROOT } from '../lib/paths.js';
import { fmt, type Section } from '../lib/report.js';
import { cleanEnv } from '../targets/ceiling.js';
import { startNimbus } from '../targets/nimbus.js';

interface RuntimeCase {
  label: string;
  runtime: string;
  handler: string;
  zip: () => Promise<Buffer>;
  floor: [string, string[]] | null;
}

async function javaZip(): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-bench-java-'));
  try {
    execFileSync('javac', ['--release', '11', '-cp', `${ROOT}dist/guest/java/classes`, '-d', dir, `${FIXTURES}cold/java/Handler.java`]);
    const { default: yazl } = await import('yazl');
    const zip = new yazl.ZipFile();
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else zip.addBuffer(readFileSync(p), relative(dir, p));
      }
    };
    walk(dir);
    zip.end();
    const chunks: Buffer[] = [];
    for await (const c of zip.outputStream) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The Python runtime of the Python rows: the one Python stem cells run (the machine's default
 * python3), so that the stem-cell row can find a cell at all (a cell serves only its own runtime;
 * with a fixed python3.12 the stem-cell row measured plain cold starts wherever python3 is not
 * 3.12, as on this machine since its default became 3.11), and the rows without a cell compare
 * like with like.
 */
const PY = python.stemRuntime?.() ?? 'python3.12';

const CASES: RuntimeCase[] = [
  { label: 'nodejs20.x', runtime: 'nodejs20.x', handler: 'index.handler', zip: () => zipFolder(`${FIXTURES}trivial`), floor: [process.execPath, ['-e', '']] },
  // The floor runs the interpreter the runtime runs (not a shim such as pyenv's).
  { label: PY, runtime: PY, handler: 'app.handler', zip: () => zipFolder(`${FIXTURES}cold/python`), floor: [python.command({ taskRoot: '', runtimeDir: '' }, PY, '')[0]!, ['-c', '']] },
  { label: 'java17', runtime: 'java17', handler: 'bench.Handler::handleRequest', zip: javaZip, floor: ['java', ['-version']] },
  { label: 'provided (bash + curl)', runtime: 'provided.al2023', handler: 'x', zip: () => zipFolder(`${FIXTURES}cold/provided`), floor: null },
];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};

/** Median wall time of starting and exiting a bare interpreter, with the same clean environment. */
function floorMs(cmd: string, args: string[], n: number): number {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { env: cleanEnv(), stdio: 'ignore' });
    if (r.error) return NaN;
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

/** How long a stem cell may take to be ready again before the next sample (it starts at idle CPU weight). */
const STEM_REFILL_WAIT_MS = 1500;

async function coldStarts(url: string, c: RuntimeCase, n: number, before?: () => Promise<void>): Promise<{ init: number; first: number; bodies: string[] }> {
  const name = `cold-${c.runtime.replace(/\W/g, '-')}`;
  const call = (method: string, path: string, body: unknown) => fetch(`${url}${path}`, { method, body: JSON.stringify(body) });
  const created = await call('POST', '/2015-03-31/functions', {
    FunctionName: name,
    Runtime: c.runtime,
    Handler: c.handler,
    Role: 'arn:aws:iam::000000000000:role/bench',
    MemorySize: 1769,
    Timeout: 30,
    Code: { ZipFile: (await c.zip()).toString('base64') },
  });
  if (created.status !== 201) throw new Error(`deploy ${name}: ${created.status} ${await created.text()}`);
  const inits: number[] = [];
  const firsts: number[] = [];
  const bodies: string[] = [];
  for (let i = 0; i < n; i++) {
    // A new revision retires the warm sandbox, so the next call is a cold start.
    await call('PUT', `/2015-03-31/functions/${name}/configuration`, { Environment: { Variables: { RUN: String(i) } } });
    await before?.();
    const t0 = performance.now();
    const r = await fetch(`${url}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body: '{}', headers: { 'x-amz-log-type': 'Tail' } });
    bodies.push(await r.text());
    firsts.push(performance.now() - t0);
    const log = Buffer.from(r.headers.get('x-amz-log-result') ?? '', 'base64').toString();
    if (r.headers.get('x-amz-function-error')) throw new Error(`${name} failed: ${log}`);
    inits.push(Number(/Init Duration: ([\d.]+) ms/.exec(log)?.[1] ?? NaN));
  }
  return { init: median(inits), first: median(firsts), bodies };
}

const STEM_CASES: RuntimeCase[] = [
  { label: 'nodejs20.x + stem cell', runtime: 'nodejs20.x', handler: 'index.handler', zip: () => zipFolder(`${FIXTURES}cold/stem`), floor: null },
  { label: `${PY} + stem cell`, runtime: PY, handler: 'app.handler', zip: () => zipFolder(`${FIXTURES}cold/stem-python`), floor: null },
];

export async function coldStart(o: { samples: number; isolations: string[] }): Promise<Section> {
  const rows: string[][] = [];
  const notes: string[] = [];
  const floors = new Map<string, number>();
  for (const c of CASES) if (c.floor) floors.set(c.label, floorMs(c.floor[0], c.floor[1], o.samples));
  const row = (c: RuntimeCase, isolation: string, m: { init: number; first: number }): string[] => {
    // A stem-cell row shares the floor of its runtime's row.
    const floor = floors.get(CASES.find((k) => k.runtime === c.runtime)?.label ?? '');
    return [c.label, isolation, fmt(m.init, 1), fmt(m.first, 1), floor === undefined ? '-' : fmt(floor, 1), floor === undefined ? '-' : `${fmt(m.first / floor, 2)}x`];
  };
  const without = new Map<string, number>();
  for (const isolation of o.isolations) {
    const target = await startNimbus({ args: ['--isolation', isolation, '--stem-cells', '0'] });
    try {
      for (const c of CASES) {
        const m = await coldStarts(target.url, c, o.samples);
        without.set(`${c.runtime} ${isolation}`, m.first);
        rows.push(row(c, isolation, m));
      }
    } finally {
      await target.stop();
    }
  }
  for (const isolation of o.isolations) {
    const target = await startNimbus({ args: ['--isolation', isolation, '--stem-cells', '1'] });
    try {
      for (const c of STEM_CASES) {
        const m = await coldStarts(target.url, c, o.samples, () => sleep(STEM_REFILL_WAIT_MS));
        rows.push(row(c, isolation, m));
        const used = m.bodies.filter((b) => (JSON.parse(b) as { stem?: boolean }).stem === true).length;
        const before = without.get(`${c.runtime} ${isolation}`) ?? NaN;
        notes.push(
          `${c.label}, ${isolation}: ${used} of ${m.bodies.length} first calls ran in a stem cell (the function reports it), each after a ${STEM_REFILL_WAIT_MS} ms pause for the refill; ` +
            `first call ${fmt(m.first, 1)} ms vs ${fmt(before, 1)} ms without (${fmt(before / m.first, 1)}x faster).`,
        );
      }
    } finally {
      await target.stop();
    }
  }
  notes.push('Floor: a bare interpreter start and exit (`node -e ""`, `python3 -c ""`, `java -version`) in the same run; first call = client-side latency of the cold invoke.');
  // Issue #18's targets, namespace isolation, first call: <= 60 ms without a stem cell, <= 10 ms with one; Java <= 150 ms.
  const targets: [string, number][] = [
    ['nodejs20.x', 60],
    [PY, 60],
    ['nodejs20.x + stem cell', 10],
    [`${PY} + stem cell`, 10],
    ['java17', 150],
  ];
  for (const [label, ms] of targets) {
    const r = rows.find((x) => x[0] === label && x[1] === 'namespace');
    if (!r) continue;
    const first = Number(r[3]);
    notes.push(`Target (issue #18) ${label}, namespace, first call <= ${ms} ms: ${fmt(first, 1)} ms, ${first <= ms ? 'met' : 'NOT met'}.`);
  }
  notes.push(`1-minute load average at the end: ${fmt(loadavg()[0]!, 1)}.`);
  return {
    scenario: 'cold-start',
    description: `Cold starts at 1769 MB (one vCPU): median of ${o.samples} per runtime and isolation level.`,
    table: { header: ['runtime', 'isolation', 'Init Duration ms', 'first call ms', 'floor ms', 'first / floor'], rows },
    notes,
  };
}
