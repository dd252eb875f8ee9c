/**
 * Group commit for sends arriving together: each fsync'd commit costs a millisecond or more,
 * so concurrent SendMessage requests that arrive in the same event-loop turn are written in one
 * transaction, each inside its own savepoint (better-sqlite3 nests transactions that way), so one
 * request's error rolls back only its own rows. Every caller is answered only after the shared
 * commit returned: the durability contract is unchanged, the fsync is shared.
 */
import type Database from 'better-sqlite3';

interface Unit {
  fn: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit {
  private pending: Unit[] = [];
  private scheduled = false;

  constructor(private readonly db: Database.Database) {}

  /** Runs `fn` inside the next shared transaction; resolves once that transaction committed. */
  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Commits what is pending now (shutdown: sends already accepted are written before close). */
  flush(): void {
    if (this.pending.length === 0) return;
    const units = this.pending;
    this.pending = [];
    let outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[];
    try {
      outcomes = this.db.transaction(() =>
        units.map((u) => {
          try {
            return { ok: true as const, value: this.db.transaction(u.fn)() };
          } catch (error) {
            return { ok: false as const, error };
          }
        }),
      )();
    } catch (error) {
      for (const u of units) u.reject(error);
      return;
    }
    units.forEach((u, i) => {
      const o = outcomes[i];
      if (o?.ok) u.resolve(o.value);
      else u.reject(o?.error);
    });
  }
}
