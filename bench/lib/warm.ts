/**
 * The warm measurement every warm-invoke scenario shares: a warm-up run, then the measured run at
 * the same connections, and optionally one at a single connection (added latency at low load).
 */
import { loadavg } from 'node:os';
import { load, type LoadResult } from './load.js';
import type { Target } from '../targets/types.js';

export interface WarmMeasured {
  name: string;
  busy: LoadResult;
  /** The single-connection run; absent unless asked for. */
  idle?: LoadResult;
  /** The 1-minute load average when the measured run began (the machine is shared). */
  load: number;
}

export async function measureWarm(
  start: () => Promise<Target>,
  o: { connections: number; durationS: number; oneConnection?: boolean },
  name?: string,
): Promise<WarmMeasured> {
  const t = await start();
  try {
    const base = { url: t.invokeUrl, method: 'POST' as const, body: '{"n":1}', ...(t.headers ? { headers: t.headers } : {}) };
    // Warm-up, the same for every target: start every sandbox the load needs (one cold start
    // per connection) and let the JIT settle. Each of Nimbus's runtimes sees only 1/connections of
    // the calls, and measured at 32 connections a runtime's CPU per call halves between its first
    // few hundred calls and its first few thousand, so the warm-up is 1.5x the measured run.
    await load({ ...base, connections: o.connections, durationS: Math.max(5, Math.round(o.durationS * 1.5)) });
    const loadAvg = loadavg()[0]!;
    const busy = await load({ ...base, connections: o.connections, durationS: o.durationS });
    const idle = o.oneConnection ? await load({ ...base, connections: 1, durationS: Math.max(3, Math.round(o.durationS / 2)) }) : undefined;
    return { name: name ?? t.name, busy, ...(idle ? { idle } : {}), load: loadAvg };
  } finally {
    await t.stop();
  }
}
