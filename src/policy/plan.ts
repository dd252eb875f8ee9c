/**
 * How an idle decision is carried out, in one place for the live pool (src/pool) and the trace
 * simulator (src/sim), so that the simulator measures exactly what the pool does.
 *
 * A decision may ask to keep the sandbox, to pre-warm a fresh one later, or both (IdleDecision in
 * types.ts). When the pre-warm would start while the sandbox is still kept, the sandbox is simply
 * kept until the later of the two deadlines. A pre-warm that would start never, or stay warm for
 * no time, is not a pre-warm at all.
 */
import type { IdleDecision } from './types.js';

export interface IdlePlan {
  /** How long the idle sandbox stays (ms); 0 or less unloads it now, `Infinity` keeps it. */
  keepMs: number;
  /** Start a fresh sandbox `afterMs` after the idle period began, and keep it `keepMs`. */
  prewarm?: { afterMs: number; keepMs: number };
}

export function planIdle(d: IdleDecision): IdlePlan {
  const keepMs = d.keepAliveMs;
  const after = d.prewarmMs;
  if (after === undefined) return { keepMs };
  const prewarmKeep = d.prewarmKeepAliveMs ?? d.keepAliveMs;
  if (after <= keepMs) return { keepMs: Math.max(keepMs, after + prewarmKeep) };
  if (!Number.isFinite(after) || prewarmKeep <= 0) return { keepMs };
  return { keepMs, prewarm: { afterMs: after, keepMs: prewarmKeep } };
}

/**
 * How long before its planned time a pre-warm starts, from the app's start (init) times: the
 * 80th percentile, nearest rank (with five samples the second slowest, with fewer the slowest).
 * The pool applies it to the app's last five starts (pool/start-times.ts), `nimbus replay`'s
 * simulator to the app's measured ones. Why a high percentile and not the median: docs/policy.md,
 * "Replay". Undefined without a sample.
 */
export function prewarmLead(startMs: readonly number[]): number | undefined {
  if (startMs.length === 0) return undefined;
  const s = [...startMs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(0.8 * s.length) - 1))];
}
