/**
 * Memory as a budget: the sum of the MemorySize of live sandboxes stays within the capacity. A cold
 * start that does not fit first evicts idle sandboxes (never busy or provisioned ones): the lowest
 * `evictionPriority` first when the policy ranks them (Greedy-Dual, learned), else the least
 * recently used; only then is it refused (the pool answers 429, never a hang).
 */
import type { KeepAlivePolicy } from '../policy/types.js';
import type { AppState, Entry } from './types.js';

export class MemoryBudget {
  inUseMb = 0;

  constructor(readonly capacityMb: number = Infinity) {}

  fits(mb: number): boolean {
    return this.inUseMb + mb <= this.capacityMb;
  }

  take(mb: number): void {
    this.inUseMb += mb;
  }

  give(mb: number): void {
    this.inUseMb -= mb;
  }
}

/** The idle, unpinned sandbox to evict next; ties go to the one idle longest. */
export function evictionVictim(apps: Iterable<AppState>, policy: KeepAlivePolicy, now: number): Entry | undefined {
  const rank = (e: Entry): number => (policy.evictionPriority ? policy.evictionPriority(e.app.key, now) : e.lastUsed);
  let victim: Entry | undefined;
  let best = Infinity;
  for (const a of apps) {
    for (const e of a.idle) {
      if (e.pinned) continue;
      const r = rank(e);
      if (!victim || r < best || (r === best && e.lastUsed < victim.lastUsed)) [victim, best] = [e, r];
    }
  }
  return victim;
}
