/**
 * Reading a log group's events in order: its functions' entries merged by id (ids are handed out
 * in append order across functions), from a position or a time, a page at a time.
 */
import type { Scope } from '../../core/model.js';
import type { LogService } from '../../logs/log-service.js';
import type { StoredLogEntry } from '../../store/types.js';

/** Entries read per page and function (each at most 256 KB). */
const PAGE = 100;
/**
 * Entries are stamped as they are appended, so stamps follow ids; a cluster's nodes append with
 * their own clocks. A read with an end time stops at the first entry this far past it.
 */
const SKEW_MS = 60_000;

export type EntryReader = Pick<LogService, 'read' | 'startAt'>;

export interface Range {
  /** Entries after this id only. */
  afterId: number;
  /** Entries stamped at or after it only (epoch ms). */
  startTime?: number | undefined;
  /** Entries stamped at or before it only. */
  endTime?: number | undefined;
}

export async function* readEntries(logs: EntryReader, scope: Scope, functions: readonly string[], range: Range): AsyncGenerator<StoredLogEntry> {
  const cursors = await Promise.all(
    functions.map(async (name) => ({
      name,
      after: Math.max(range.afterId, range.startTime !== undefined ? await logs.startAt(scope, name, range.startTime) : 0),
      buf: [] as StoredLogEntry[],
      done: false,
    })),
  );
  const inRange = (e: StoredLogEntry): boolean =>
    (range.startTime === undefined || e.timestamp >= range.startTime) && (range.endTime === undefined || e.timestamp <= range.endTime);
  for (;;) {
    for (const c of cursors) {
      if (c.buf.length > 0 || c.done) continue;
      c.buf = await logs.read(scope, c.name, c.after, PAGE);
      if (c.buf.length < PAGE) c.done = true;
      if (c.buf.length > 0) c.after = c.buf[c.buf.length - 1]!.id;
      if (range.endTime !== undefined && c.buf.some((e) => e.timestamp > range.endTime! + SKEW_MS)) {
        c.buf = c.buf.filter((e) => e.timestamp <= range.endTime! + SKEW_MS);
        c.done = true;
      }
      // A large read leaves the event loop to other requests between pages.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    let pick: (typeof cursors)[number] | undefined;
    for (const c of cursors) if (c.buf.length > 0 && (!pick || c.buf[0]!.id < pick.buf[0]!.id)) pick = c;
    if (!pick) return;
    const e = pick.buf.shift()!;
    if (inRange(e)) yield e;
  }
}
