/**
 * Load generation: wrk (C, from Debian) when installed, since on a 2-core machine the load
 * generator's own CPU use matters; autocannon (npm) otherwise. Both keep connections alive.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface LoadOptions {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  connections: number;
  durationS: number;
}

export interface LoadResult {
  tool: string;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (e) {
    // wrk --version exits 1 after printing its version.
    return (e as { status?: number }).status === 1;
  }
}

export async function load(o: LoadOptions): Promise<LoadResult> {
  return hasWrk() ? wrk(o) : autocannon(o);
}

function toMs(v: string, unit: string): number {
  const n = Number(v);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : n;
}

async function wrk(o: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-wrk-'));
  const script = join(dir, 'req.lua');
  const headers = Object.entries({ 'content-type': 'application/json', ...o.headers })
    .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
    .join('\n');
  writeFileSync(script, `wrk.method = "${o.method}"\n${o.body !== undefined ? `wrk.body = ${JSON.stringify(o.body)}\n` : ''}${headers}\n`);
  const threads = Math.min(2, o.connections);
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)('wrk', ['-t', String(threads), '-c', String(o.connections), '-d', `${o.durationS}s`, '--latency', '-s', script, o.url], {
      maxBuffer: 1 << 20,
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const pct = (p: string): number => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(stdout);
    return m ? toMs(m[1]!, m[2]!) : NaN;
  };
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = non2xx + (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { tool: 'wrk', rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0), p50Ms: pct('50'), p90Ms: pct('90'), p99Ms: pct('99'), requests, errors };
}

async function autocannon(o: LoadOptions): Promise<LoadResult> {
  const { default: run } = (await import('autocannon' as string)) as {
    default: (opts: Record<string, unknown>) => Promise<{
      requests: { average: number; total: number };
      latency: { p50: number; p90: number; p99: number };
      non2xx: number;
      errors: number;
    }>;
  };
  const r = await run({
    url: o.url,
    method: o.method,
    body: o.body,
    headers: { 'content-type': 'application/json', ...o.headers },
    connections: o.connections,
    duration: o.durationS,
  });
  return { tool: 'autocannon', rps: r.requests.average, p50Ms: r.latency.p50, p90Ms: r.latency.p90, p99Ms: r.latency.p99, requests: r.requests.total, errors: r.non2xx + r.errors };
}
