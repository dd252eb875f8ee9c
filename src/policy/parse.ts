import { FixedKeepAlive } from './fixed.js';
import { messageOf, NimbusError } from '../core/errors.js';
import { GreedyDual } from './greedy-dual.js';
import { HybridHistogram, type HybridOptions } from './hybrid.js';
import { createLearned } from './learned/index.js';
import { NeverUnload } from './never-unload.js';
import { Oracle, type FutureView } from './oracle.js';
import type { KeepAlivePolicy } from './types.js';

/** What a policy may be built with besides its spec string. */
export interface PolicyContext {
  /** Seed for policies that draw random numbers (the learned one). */
  seed?: number;
  /** Look-ahead over the trace: only the simulator has one, and only the oracle uses it. */
  future?: FutureView;
  /** The pool's memory capacity (MB) when it is fixed: the learned policy then ranks evictions. */
  capacityMb?: number;
}

/** A policy spec string did not parse; `code` is stable for callers to match on. */
export class PolicySpecError extends NimbusError {
  constructor(message: string) {
    super('ERR_POLICY_SPEC', message);
  }
}

/** Spec kinds and what they take, for `--help` texts and error messages. */
export const POLICY_KINDS: Readonly<Record<string, string>> = {
  fixed: 'fixed:<duration> - fixed keep-alive, e.g. fixed:10m, fixed:90s, fixed:2h',
  never: 'never - never unload',
  hybrid: 'hybrid[:<range>][:key=value...] - SitW hybrid histogram, e.g. hybrid, hybrid:2h, hybrid:minSamples=5',
  'greedy-dual': 'greedy-dual - FaasCache Greedy-Dual (evicts only under memory pressure)',
  oracle: 'oracle - offline optimum (simulator only: it reads the future)',
  learned: 'learned[:tabular|mlp][:kappa=<n>] - the learned Q policy, e.g. learned, learned:mlp:kappa=4',
};

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `90s`, `10m`, `1.5h`, `500ms`, `2d` (a bare number is minutes) into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?$/.exec(text.trim());
  if (!m) throw new PolicySpecError(`not a duration: "${text}" (try 90s, 10m, 2h)`);
  return Number(m[1]) * (UNITS[m[2] ?? 'm'] ?? 60_000);
}

/**
 * Turns a spec string such as `fixed:10m`, `never`, `hybrid`, `greedy-dual`, `oracle`,
 * `learned` or `learned:mlp:kappa=2` into a fresh policy instance. Parts after the kind are
 * separated by `:` (or `,` when the spec is not inside a comma-separated list).
 */
export function parsePolicy(spec: string, ctx: PolicyContext = {}): KeepAlivePolicy {
  const s = spec.trim();
  const colon = s.indexOf(':');
  const kind = (colon < 0 ? s : s.slice(0, colon)).toLowerCase();
  const rest = colon < 0 ? '' : s.slice(colon + 1);
  const parts = rest ? rest.split(/[,:]/).map((p) => p.trim()).filter(Boolean) : [];
  const positional = parts.filter((p) => !p.includes('='));
  const options = Object.fromEntries(parts.filter((p) => p.includes('=')).map((p) => p.split('=', 2) as [string, string]));

  switch (kind) {
    case 'fixed': {
      const d = positional[0];
      if (!d) throw new PolicySpecError('fixed needs a duration, e.g. fixed:10m');
      return new FixedKeepAlive(parseDuration(d));
    }
    case 'never':
      return new NeverUnload();
    case 'hybrid': {
      const o: Partial<HybridOptions> = {};
      if (positional[0]) o.rangeMs = parseDuration(positional[0]);
      for (const [k, v] of Object.entries(options)) {
        if (k === 'range') o.rangeMs = parseDuration(v);
        else if (k === 'minSamples' || k === 'cvThreshold' || k === 'oobThreshold') o[k] = Number(v);
        else throw new PolicySpecError(`hybrid has no option "${k}"`);
      }
      return new HybridHistogram(o, s === 'hybrid' ? 'hybrid' : s);
    }
    case 'greedy-dual':
    case 'gd':
      return new GreedyDual();
    case 'oracle':
      if (!ctx.future) throw new PolicySpecError('oracle needs the future: it runs only in the simulator');
      return new Oracle(ctx.future);
    case 'learned': {
      const numeric: Record<string, number> = {};
      for (const [k, v] of Object.entries(options)) {
        const x = Number(v);
        if (!Number.isFinite(x)) throw new PolicySpecError(`learned option ${k} must be a number`);
        numeric[k] = x;
      }
      const variant = positional[0] ?? 'tabular';
      if (variant !== 'tabular' && variant !== 'mlp') throw new PolicySpecError(`learned variant must be tabular or mlp, got ${variant}`);
      try {
        return createLearned(variant, numeric, ctx.seed ?? 1, s, ctx.capacityMb !== undefined && Number.isFinite(ctx.capacityMb));
      } catch (err) {
        throw new PolicySpecError(messageOf(err));
      }
    }
    default:
      throw new PolicySpecError(`unknown policy "${spec}"; known: ${Object.keys(POLICY_KINDS).join(', ')}`);
  }
}
