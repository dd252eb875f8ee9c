import type { Rng } from '../policy/rng.js';

/**
 * The distributions the trace synthesiser draws from, with the Azure Functions 2019 fits
 * (shared/reference/keepalive-policies.md §2.1) as named constants.
 */

/** Per-function average execution time, seconds, in log space: LogNormal(-0.38, 2.36) (dslab's prefit). */
export const DURATION_LOGNORMAL = { mu: -0.38, sigma: 2.36 } as const;
/** Per-app memory, MB: Burr XII (c = 11.652, k = 0.221, lambda = 107.083), the SitW fit. */
export const MEMORY_BURR = { c: 11.652, k: 0.221, lambda: 107.083 } as const;

/** A log-normal deviate exp(mu + sigma * Z). */
export function logNormal(rng: Rng, mu: number, sigma: number): number {
  return Math.exp(mu + sigma * rng.normal());
}

/** Burr type XII by inversion: x = lambda * ((1 - u)^(-1/k) - 1)^(1/c). */
export function burrQuantile(u: number, c: number, k: number, lambda: number): number {
  return lambda * Math.pow(Math.pow(1 - u, -1 / k) - 1, 1 / c);
}

/** A Burr XII deviate. */
export function burr(rng: Rng, c: number, k: number, lambda: number): number {
  return burrQuantile(rng.next(), c, k, lambda);
}

/** Log-uniform on [lo, hi]: every order of magnitude equally likely. */
export function logUniform(rng: Rng, lo: number, hi: number): number {
  return Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo)));
}

/** Index drawn with probability proportional to `weights[i]`. */
export function categorical(rng: Rng, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) total += w;
  let u = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i] ?? 0;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** A value clamped to [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
