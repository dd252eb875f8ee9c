/** Synchronous Invoke's wait for an execution to close: callers per execution, woken when it closes or at their limit. */
import type { Execution } from './types.js';

export class Waiters {
  private readonly byArn = new Map<string, Set<(e: Execution) => void>>();

  /** Resolves with the closed execution, or after `timeoutMs` with what `current` reads then. */
  wait(arn: string, timeoutMs: number, current: () => Promise<Execution>): Promise<Execution> {
    return new Promise<Execution>((resolve) => {
      const set = this.byArn.get(arn) ?? new Set();
      this.byArn.set(arn, set);
      const done = (x: Execution): void => {
        clearTimeout(t);
        set.delete(done);
        resolve(x);
      };
      const t = setTimeout(() => {
        set.delete(done);
        if (set.size === 0) this.byArn.delete(arn);
        void current().then(resolve, () => undefined);
      }, timeoutMs);
      set.add(done);
    });
  }

  /** The execution closed: every caller waiting for it gets it. */
  closed(e: Execution): void {
    for (const w of [...(this.byArn.get(e.arn) ?? [])]) w(e);
    this.byArn.delete(e.arn);
  }
}
