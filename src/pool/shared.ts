/**
 * Multi-concurrent sandboxes (PerExecutionEnvironmentMaxConcurrency > 1, docs/multi-concurrency.md):
 * which sandbox of an app takes the next invocation. The least-loaded one below its limit: an
 * idle one first (the most recently used, so that the others age out), else the busy or
 * still-starting one with the fewest invocations. None: the pool starts a new sandbox.
 */
import type { AppState, Entry } from './types.js';

export function leastLoaded(app: AppState): Entry | undefined {
  let best: Entry | undefined;
  const consider = (e: Entry): void => {
    if (e.generation !== app.generation || e.inFlight >= e.limit || e.sandbox.state === 'dead') return;
    if (best === undefined || e.inFlight < best.inFlight) best = e;
  };
  for (let i = app.idle.length - 1; i >= 0; i--) consider(app.idle[i]!);
  if (best) return best;
  for (const e of app.busy) consider(e);
  for (const e of app.warming) consider(e);
  return best;
}
