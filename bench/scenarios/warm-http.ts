/**
 * warm-http: plain-HTTP throughput and latency of the trivial handler, warm, through a Nimbus
 * function URL (its path form, so the load tool needs no Host override) next to the same
 * handler behind a serverless-offline `httpApi` route, in the same run. Both map the result
 * with payload format 2.0 (a bare object becomes a 200 JSON response).
 */
import { load, type LoadResult } from '../lib/load.js';
import { fmt, type Section } from '../lib/report.js';
import { startNimbus } from '../targets/nimbus.js';
import { startServerlessOffline } from '../targets/serverless-offline.js';

export interface WarmHttpOptions {
  durationS: number;
  connections: number;
  peers: boolean;
}

interface Measured {
  name: string;
  busy: LoadResult;
  idle: LoadResult;
  tool: string;
}

async function measure(name: string, url: string, o: WarmHttpOptions): Promise<Measured> {
  const base = { url, method: 'POST' as const, body: '{"n":1}', headers: { 'content-type': 'application/json' } };
  // Warm-up, the same for every target: start every sandbox the load needs (32 cold starts)
  // and let the JIT settle. Each of Nimbus's 32 runtimes sees only 1/32 of the calls, and
  // measured at 32 connections a runtime's CPU per call halves between its first few hundred
  // calls and its first few thousand, so the warm-up is 1.5x the measured run.
  await load({ ...base, connections: o.connections, durationS: Math.max(5, Math.round(o.durationS * 1.5)) });
  const busy = await load({ ...base, connections: o.connections, durationS: o.durationS });
  const idle = await load({ ...base, connections: 1, durationS: Math.max(3, Math.round(o.durationS / 2)) });
  return { name, busy, idle, tool: busy.tool };
}

async function nimbusUrl(o: WarmHttpOptions): Promise<Measured> {
  // The same 512 MB as warm-invoke: at the default 128 MB a sandbox gets 0.07 vCPU, and the
  // figures would measure CPU-quota waits rather than the HTTP path.
  const t = await startNimbus({ memoryMb: 512 });
  try {
    const r = await fetch(`${t.url}/2021-10-31/functions/bench/url`, { method: 'POST', body: JSON.stringify({ AuthType: 'NONE' }) });
    if (r.status !== 201) throw new Error(`CreateFunctionUrlConfig failed: ${r.status} ${await r.text()}`);
    const id = new URL(((await r.json()) as { FunctionUrl: string }).FunctionUrl).hostname.split('.')[0]!;
    // Check the mapping before measuring: a benchmark of 502s would be meaningless.
    const probe = await fetch(`${t.url}/nimbus/v1/url/${id}/`, { method: 'POST', body: '{"n":1}' });
    if (probe.status !== 200) throw new Error(`function URL answered ${probe.status}: ${await probe.text()}`);
    return await measure('nimbus (function URL)', `${t.url}/nimbus/v1/url/${id}/`, o);
  } finally {
    await t.stop();
  }
}

/** serverless-offline opens its HTTP port a moment after it reports its Lambda port ready. */
async function waitForRoute(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(url, { method: 'POST', body: '{"n":1}' });
      if (r.status === 200) return;
      throw new Error(`${url} answered ${r.status}: ${await r.text()}`);
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not open`);
}

async function offlineRoute(o: WarmHttpOptions): Promise<Measured> {
  const t = await startServerlessOffline({ http: true });
  try {
    await waitForRoute(t.httpUrl);
    return await measure('serverless-offline 13 (httpApi route)', t.httpUrl, o);
  } finally {
    await t.stop();
  }
}

export async function warmHttp(o: WarmHttpOptions): Promise<Section> {
  const nimbus = await nimbusUrl(o);
  const peers = o.peers ? [await offlineRoute(o)] : [];
  const rows = [nimbus, ...peers].map((m) => [
    m.name,
    fmt(m.busy.rps),
    fmt(m.busy.p50Ms, 2),
    fmt(m.busy.p99Ms, 2),
    fmt(m.idle.p50Ms, 3),
    fmt(m.idle.p99Ms, 3),
    String(m.busy.errors + m.idle.errors),
  ]);
  const notes = peers.map((p) => `Nimbus function URL / ${p.name} throughput = ${fmt(nimbus.busy.rps / p.busy.rps, 1)}x`);
  return {
    scenario: 'warm-http',
    description: `Warm plain-HTTP POST of a trivial Node.js handler through a function URL (payload 2.0); ${o.connections} connections for ${o.durationS} s, then 1 connection; load by ${nimbus.tool}.`,
    table: { header: ['target', 'req/s', 'p50 ms', 'p99 ms', 'p50 ms @1', 'p99 ms @1', 'errors'], rows },
    notes,
  };
}
