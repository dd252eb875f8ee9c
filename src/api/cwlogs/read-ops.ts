/**
 * FilterLogEvents (a group's events across its streams, by time and filter pattern) and
 * GetLogEvents (one stream's, paged forward and back), over the function log store.
 */
import type { Scope } from '../../core/model.js';
import { groupOf, type LogsDeps } from './deps.js';
import { invalidParameter, streamNotFound } from './errors.js';
import { eventId, eventsOf, parseStreamName, streamName, type LogEvent } from './events.js';
import { compilePattern } from './filter-pattern.js';
import { bool, int, str, strings, STREAM_NAME, time, type Params } from './params.js';
import { readEntries } from './reader.js';
import { compareKeys, decode, encode, keyText, parseStreamToken, type Key } from './tokens.js';

/** A response holds at most 1 MB of events, as AWS's. */
const MAX_BYTES = 1024 * 1024;
/** Entries one FilterLogEvents call reads before it answers with a nextToken (AWS also answers partial pages). */
const SCAN_ENTRIES = 2000;
/** An event's size as AWS counts it: its message's UTF-8 bytes and 26. */
const size = (e: LogEvent): number => Buffer.byteLength(e.message) + 26;

export async function filterLogEvents(d: LogsDeps, scope: Scope, p: Params): Promise<Params> {
  const group = await groupOf(d, scope, p);
  const names = strings(p, 'logStreamNames', 1, 100);
  const prefix = str(p, 'logStreamNamePrefix', { min: 1, max: 512, pattern: STREAM_NAME });
  if (names !== undefined && prefix !== undefined) throw invalidParameter('logStreamNames and logStreamNamePrefix are mutually exclusive parameters.');
  let startTime = time(p, 'startTime');
  let endTime = time(p, 'endTime');
  const matches = compilePattern(str(p, 'filterPattern', { max: 1024 }));
  const limit = int(p, 'limit', 1, 10_000) ?? 10_000;
  const token = decode(str(p, 'nextToken', { min: 1 }), ['e', 'i']);
  bool(p, 'interleaved');

  let functions = group.functions;
  let wanted: Set<string> | undefined;
  if (names) {
    // Named streams narrow the read to their functions and days.
    wanted = new Set(names);
    const named = names.flatMap((n) => {
      const ref = parseStreamName(n);
      return ref ? [{ n, ref }] : [];
    });
    functions = group.functions.filter((fn) => named.some(({ n, ref }) => streamName(fn, ref.version, ref.from) === n));
    if (named.length > 0) {
      startTime = Math.max(startTime ?? 0, Math.min(...named.map((x) => x.ref.from)));
      endTime = Math.min(endTime ?? Number.MAX_SAFE_INTEGER, Math.max(...named.map((x) => x.ref.to)));
    }
  }
  const from: Key = token ? { entry: Number(token['e']), index: Number(token['i']) } : { entry: 0, index: 0 };
  const events: Params[] = [];
  let bytes = 0;
  let scanned = 0;
  let resume: Key | undefined;
  if (startTime === undefined || endTime === undefined || startTime <= endTime) {
    outer: for await (const entry of readEntries(d.logs, scope, functions, { afterId: Math.max(0, from.entry - 1), startTime, endTime })) {
      if (++scanned > SCAN_ENTRIES) {
        resume = { entry: entry.id, index: 0 };
        break;
      }
      for (const e of eventsOf(entry)) {
        if (e.entryId === from.entry && e.index < from.index) continue;
        const stream = streamName(e.functionName, e.version, e.timestamp);
        if ((wanted && !wanted.has(stream)) || (prefix !== undefined && !stream.startsWith(prefix)) || !matches(e.message)) continue;
        if (events.length >= limit || bytes + size(e) > MAX_BYTES) {
          resume = { entry: e.entryId, index: e.index };
          break outer;
        }
        bytes += size(e);
        events.push({ logStreamName: stream, timestamp: e.timestamp, message: e.message, ingestionTime: e.timestamp, eventId: eventId(e) });
      }
    }
  }
  return { events, ...(resume ? { nextToken: encode({ e: resume.entry, i: resume.index }) } : {}) };
}

export async function getLogEvents(d: LogsDeps, scope: Scope, p: Params): Promise<Params> {
  const group = await groupOf(d, scope, p);
  const stream = str(p, 'logStreamName', { required: true, min: 1, max: 512, pattern: STREAM_NAME })!;
  const startTime = time(p, 'startTime');
  const endTime = time(p, 'endTime');
  const limit = int(p, 'limit', 1, 10_000) ?? 10_000;
  const fromHead = bool(p, 'startFromHead') ?? false;
  const given = str(p, 'nextToken', { min: 1 });
  const token = given !== undefined ? parseStreamToken(given) : undefined;
  bool(p, 'unmask');
  const ref = parseStreamName(stream);
  const fn = ref && group.functions.find((f) => streamName(f, ref.version, ref.from) === stream);
  if (!ref || !fn) throw streamNotFound();

  // The stream's day, narrowed by the request's range (endTime is exclusive here).
  const lo = Math.max(ref.from, startTime ?? 0);
  const hi = Math.min(ref.to, endTime !== undefined ? endTime - 1 : Number.MAX_SAFE_INTEGER);
  const keyOf = (e: LogEvent): Key => ({ entry: e.entryId, index: e.index });
  const forward = token ? token.dir === 'f' : fromHead;
  let picked: LogEvent[] = [];
  if (lo <= hi) {
    const after = token?.dir === 'f' ? token.key : undefined;
    const before = token?.dir === 'b' ? token.key : undefined;
    let bytes = 0;
    for await (const entry of readEntries(d.logs, scope, [fn], { afterId: after ? Math.max(0, after.entry - 1) : 0, startTime: lo, endTime: hi })) {
      if (entry.version !== ref.version) continue;
      if (before && entry.id > before.entry) break;
      for (const e of eventsOf(entry)) {
        if ((after && compareKeys(keyOf(e), after) <= 0) || (before && compareKeys(keyOf(e), before) >= 0)) continue;
        picked.push(e);
        bytes += size(e);
        // Forward: the first `limit` (or 1 MB); backward or from the tail: the last ones.
        if (!forward) {
          while (picked.length > limit || (bytes > MAX_BYTES && picked.length > 1)) bytes -= size(picked.shift()!);
        }
      }
      if (forward && (picked.length >= limit || bytes >= MAX_BYTES)) break;
    }
    if (forward) {
      let total = 0;
      let n = 0;
      while (n < picked.length && n < limit && total + size(picked[n]!) <= MAX_BYTES) total += size(picked[n++]!);
      picked = picked.slice(0, Math.max(n, Math.min(1, picked.length)));
    }
  }
  const first = picked[0];
  const last = picked[picked.length - 1];
  // Nothing newer: the forward token is the one given, which is how clients know they are at the end.
  const nextForwardToken = last ? `f/${keyText(keyOf(last))}` : token?.dir === 'f' ? given! : `f/${keyText(token ? pred(token.key) : { entry: 0, index: 0 })}`;
  const nextBackwardToken = first ? `b/${keyText(keyOf(first))}` : token?.dir === 'b' ? given! : `b/${keyText(token ? succ(token.key) : { entry: 0, index: 0 })}`;
  return {
    events: picked.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.timestamp })),
    nextForwardToken,
    nextBackwardToken,
  };
}

/** The place just after a key (so that "before" it includes the key) and just before it. */
const succ = (k: Key): Key => ({ entry: k.entry, index: k.index + 1 });
const pred = (k: Key): Key => (k.index > 0 ? { entry: k.entry, index: k.index - 1 } : { entry: Math.max(0, k.entry - 1), index: 999_999 });
