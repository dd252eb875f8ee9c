/**
 * What keep-alive costs: memory held by idle sandboxes over time, per app, in MB-milliseconds.
 * A sandbox's idle time is charged when it leaves the idle stack; the figure asked for at any
 * moment adds the time of sandboxes idle right now.
 */
import type { AppState, Entry } from './types.js';

export class IdleMeter {
  private readonly mbMs = new Map<string, number>();

  /** Charges an entry's idle period, from when it became idle until `now`. */
  charge(entry: Entry, now: number): void {
    const key = entry.app.key;
    this.mbMs.set(key, (this.mbMs.get(key) ?? 0) + (now - entry.lastUsed) * entry.memoryMb);
  }

  /** Idle memory per app so far, in GB-seconds, counting sandboxes idle right now up to `now`. */
  gbSeconds(apps: Iterable<AppState>, now: number): Map<string, number> {
    const mbMs = new Map(this.mbMs);
    for (const a of apps) {
      for (const e of a.idle) if (e.parked) mbMs.set(a.key, (mbMs.get(a.key) ?? 0) + (now - e.lastUsed) * e.memoryMb);
    }
    const out = new Map<string, number>();
    for (const [k, v] of mbMs) out.set(k, v / 1024 / 1000);
    return out;
  }
}
