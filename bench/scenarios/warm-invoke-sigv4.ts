/**
 * warm-invoke-sigv4: what SigV4 verification costs a warm Invoke. The same Nimbus and function,
 * once in local mode with unsigned requests and once with `--auth keys` and every invocation
 * signed with a real access key (the JS SDK's header set: host, x-amz-date,
 * x-amz-content-sha256, content-type), alternated three times so that drift on a shared machine hits
 * both alike. The target: signed throughput >= 95% of unsigned.
 *
 * The load tool replays one request signed before the run (a fixed X-Amz-Date, valid for the five
 * minutes of allowed skew; each Nimbus runs for about 30 s), so wrk spends nothing on signing and
 * the comparison is of the server alone. The server verifies every request in full all the same:
 * nothing is remembered from one signature to the next. Besides throughput, the server process's
 * own CPU time per request (utime + stime from /proc, Linux) is reported: on a shared machine it
 * moves far less than req/s. It is given under load and at 1 connection: under load it depends on
 * the throughput itself (a slower server batches less), at 1 connection it does not.
 */
import { load, type LoadResult } from '../lib/load.js';
import { fmt, type Section } from '../lib/report.js';
import { INVOKE_BODY, startNimbus } from '../targets/nimbus.js';
import { verifyCost } from '../lib/verify-cost.js';
import { availableParallelism, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';

export interface WarmInvokeSigV4Options {
  durationS: number;
  connections: number;
}

/** CPU time (user + system) a process has used, µs; NaN where /proc is not there. */
function cpuUs(pid: number): number {
  try {
    // Fields after the command name: state is the 3rd field, utime the 14th, stime the 15th.
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1e6) / 100;
  } catch {
    return NaN;
  }
}

async function measure(signed: boolean, o: WarmInvokeSigV4Options): Promise<{ busy: LoadResult; idle: LoadResult; serverUsPerReq: number; idleServerUsPerReq: number }> {
  const t = await startNimbus({ memoryMb: 512, signed });
  try {
    const base = { url: t.invokeUrl, method: 'POST' as const, body: INVOKE_BODY, ...(t.headers ? { headers: t.headers } : {}) };
    await load({ ...base, connections: o.connections, durationS: Math.max(5, Math.round(o.durationS * 1.5)) });
    const cpu0 = cpuUs(t.pid);
    const busy = await load({ ...base, connections: o.connections, durationS: o.durationS });
    const serverUsPerReq = (cpuUs(t.pid) - cpu0) / Math.max(1, busy.requests);
    const cpu1 = cpuUs(t.pid);
    const idle = await load({ ...base, connections: 1, durationS: Math.max(3, Math.round(o.durationS / 2)) });
    const idleServerUsPerReq = (cpuUs(t.pid) - cpu1) / Math.max(1, idle.requests);
    return { busy, idle, serverUsPerReq, idleServerUsPerReq };
  } finally {
    await t.stop();
  }
}

export async function warmInvokeSigV4(o: WarmInvokeSigV4Options): Promise<Section> {
  const cost = await verifyCost();
  const runs: { signed: boolean; busy: LoadResult; idle: LoadResult; serverUsPerReq: number; idleServerUsPerReq: number }[] = [];
  for (const signed of [false, true, false, true, false, true]) runs.push({ signed, ...(await measure(signed, o)) });
  const mean = (signed: boolean, f: (r: (typeof runs)[number]) => number): number => {
    const xs = runs.filter((r) => r.signed === signed).map(f);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const rows = runs.map((r, i) => [
    `${r.signed ? 'signed (--auth keys)' : 'unsigned (local)'} #${Math.floor(i / 2) + 1}`,
    fmt(r.busy.rps),
    fmt(r.busy.p50Ms, 2),
    fmt(r.busy.p99Ms, 2),
    fmt(r.idle.p50Ms, 3),
    fmt(r.idle.p99Ms, 3),
    fmt(r.serverUsPerReq, 1),
    fmt(r.idleServerUsPerReq, 1),
    String(r.busy.errors + r.idle.errors),
  ]);
  const ratio = mean(true, (r) => r.busy.rps) / mean(false, (r) => r.busy.rps);
  const unsignedRps = mean(false, (r) => r.busy.rps);
  // The CPU verification takes at the unsigned throughput, as a share of the machine; and as a
  // share of the server process's own CPU per request (one thread: what bounds its throughput).
  const share = ((cost.signedUs - cost.unsignedUs) * unsignedRps) / (availableParallelism() * 1e6);
  const serverShare = (cost.signedUs - cost.unsignedUs) / mean(false, (r) => r.serverUsPerReq);
  return {
    scenario: 'warm-invoke-sigv4',
    description: `Warm synchronous Invoke, unsigned in local mode vs SigV4-signed with --auth keys, alternated; ${o.connections} connections for ${o.durationS} s, then 1 connection.`,
    table: { header: ['target', 'req/s', 'p50 ms', 'p99 ms', 'p50 ms @1', 'p99 ms @1', 'server CPU us/req', 'server CPU us/req @1', 'errors'], rows },
    notes: [
      `SigV4 verification in process: ${fmt(cost.signedUs, 1)} us per signed Invoke vs ${fmt(cost.unsignedUs, 1)} us unsigned (local mode); at ${fmt(unsignedRps)} req/s on ${availableParallelism()} cores that is ${fmt(100 * share, 2)}% of the machine's CPU and ${fmt(100 * serverShare, 1)}% of the server's CPU per unsigned request (target: SigV4 adds <= 5%)`,
      `signed / unsigned throughput end to end = ${fmt(100 * ratio, 1)}% (target >= 95%; runs: signed ${runs.filter((r) => r.signed).map((r) => fmt(r.busy.rps)).join(', ')}, unsigned ${runs.filter((r) => !r.signed).map((r) => fmt(r.busy.rps)).join(', ')} req/s; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} at the end)`,
      `server process CPU per request: signed ${fmt(mean(true, (r) => r.serverUsPerReq), 1)} us vs unsigned ${fmt(mean(false, (r) => r.serverUsPerReq), 1)} us under load, ${fmt(mean(true, (r) => r.idleServerUsPerReq), 1)} us vs ${fmt(mean(false, (r) => r.idleServerUsPerReq), 1)} us at 1 connection (means of the runs above). Under load a server serving fewer requests per second also spends more CPU on each (fewer requests share each wake-up and write), so the loaded gap includes an effect of the lower throughput; at 1 connection every request is served alone in both modes (docs/performance.md, "SigV4 cost")`,
      `added latency at 1 connection: p50 ${fmt(mean(true, (r) => r.idle.p50Ms) - mean(false, (r) => r.idle.p50Ms), 3)} ms`,
    ],
  };
}
