import type { IdleDecision, KeepAlivePolicy } from './types.js';

/**
 * Fixed keep-alive: every idle sandbox lives `keepAliveMs` and is then reclaimed. This is what
 * OpenWhisk (10 min), Azure Functions before 2020 (20 min) and Huawei Cloud (1 min) do, and the
 * 10-minute variant is the yardstick the wasted-memory axis is normalised to.
 */
export class FixedKeepAlive implements KeepAlivePolicy {
  readonly name: string;
  private readonly decision: IdleDecision;

  constructor(readonly keepAliveMs: number, name?: string) {
    if (!(keepAliveMs >= 0)) throw new RangeError(`keep-alive must be >= 0 ms, got ${keepAliveMs}`);
    this.name = name ?? `fixed:${formatDuration(keepAliveMs)}`;
    this.decision = { keepAliveMs };
  }

  onInvocation(): void {}

  onIdle(_app?: string, _now?: number): IdleDecision {
    return this.decision;
  }

  forget(): void {}

  snapshot(): unknown {
    return null;
  }

  restore(): void {}
}

/** `600000` -> `10m`, `90000` -> `90s`: the shortest exact unit, as `fixed:` names use. */
export function formatDuration(ms: number): string {
  if (ms === Infinity) return 'inf';
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
