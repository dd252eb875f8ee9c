/**
 * The pieces the in-memory store (memory.ts) shares with its sub-stores: SQLite's text order and
 * LIMIT, the foreign-key error, and a table of rows that belong to a function, which plays the
 * part of SQLite's `FOREIGN KEY ... REFERENCES functions ON DELETE CASCADE`: a row cannot be
 * written for a function that does not exist, and goes when its function goes.
 */
import { NimbusError } from '../core/errors.js';
import type { Scope } from '../core/model.js';

/** Joins key parts with NUL, which no name, region or account contains. */
export const keyOf = (...parts: string[]): string => parts.join('\0');

/**
 * SQLite's BINARY collation: UTF-8 bytes, which is code point order. JavaScript's `<` compares
 * UTF-16 units, which disagrees for characters above U+FFFF, so compare code points.
 */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const x = a[Symbol.iterator]();
  const y = b[Symbol.iterator]();
  for (;;) {
    const p = x.next();
    const q = y.next();
    if (p.done) return q.done ? 0 : -1;
    if (q.done) return 1;
    const d = p.value.codePointAt(0)! - q.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/** SQLite's `LIMIT n`: a negative limit means no limit. */
export const take = <T>(rows: T[], limit: number): T[] => (limit < 0 ? rows : rows.slice(0, limit));

/** What SQLite's foreign keys refuse: a row of a function that does not exist. */
export const noFunction = (what: string, scope: Scope, name: string): NimbusError =>
  new NimbusError('ERR_INTERNAL', `${what} of a function that does not exist: ${scope.accountId}/${scope.region}/${name}`);

/** Whether a function row exists (versions may all be gone while the row stays). */
export type FunctionExists = (scope: Scope, name: string) => boolean;

/** Rows keyed by their function, then by a key within it (an alias name, a qualifier). */
export class FunctionChildTable<T> {
  private readonly byFunction = new Map<string, Map<string, T>>();

  constructor(
    private readonly exists: FunctionExists,
    /** Names the rows in the foreign-key error. */
    private readonly what: string,
  ) {}

  get(scope: Scope, fn: string, key: string): T | undefined {
    return this.byFunction.get(keyOf(scope.accountId, scope.region, fn))?.get(key);
  }

  /** Inserts or replaces a row; throws, as the foreign key does, when the function does not exist. */
  set(scope: Scope, fn: string, key: string, row: T): void {
    if (!this.exists(scope, fn)) throw noFunction(this.what, scope, fn);
    const k = keyOf(scope.accountId, scope.region, fn);
    let rows = this.byFunction.get(k);
    if (!rows) this.byFunction.set(k, (rows = new Map()));
    rows.set(key, row);
  }

  delete(scope: Scope, fn: string, key: string): boolean {
    const k = keyOf(scope.accountId, scope.region, fn);
    const rows = this.byFunction.get(k);
    if (!rows?.delete(key)) return false;
    if (rows.size === 0) this.byFunction.delete(k);
    return true;
  }

  /** The rows of one function, in key order. */
  rowsOf(scope: Scope, fn: string): T[] {
    const rows = this.byFunction.get(keyOf(scope.accountId, scope.region, fn));
    if (!rows) return [];
    return [...rows.entries()].sort(([a], [b]) => compareText(a, b)).map(([, row]) => row);
  }

  /** Every row of every function, unordered. */
  *all(): IterableIterator<T> {
    for (const rows of this.byFunction.values()) yield* rows.values();
  }

  /** ON DELETE CASCADE: the function is gone, and its rows with it. */
  dropFunction(scope: Scope, fn: string): void {
    this.byFunction.delete(keyOf(scope.accountId, scope.region, fn));
  }
}
