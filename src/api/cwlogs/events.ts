/**
 * Nimbus's log entries as CloudWatch log events. An entry is a block of text (an invocation's
 * START..REPORT with the runtime's output between, or output between invocations); CloudWatch
 * holds one event per record. A record starts at a platform line (START, END, REPORT,
 * INIT_START, ...), a runtime's timestamped or `[LEVEL]` line, or a JSON line (LogFormat JSON);
 * the lines after a runtime's log line that continue it (a stack trace, a multi-line message; see
 * `continues`) stay in its event, as the runtimes send them to Lambda's log pipeline as one
 * record. Any other line (a bare `print`) is an event of its own.
 *
 * Each event keeps its trailing newline, as Lambda's do, and takes its entry's timestamp. Its id
 * is stable, the entry's id and the event's place in it, so a follower that asks again from a
 * timestamp (`aws logs tail --follow`) recognises what it has shown.
 */
import { dayOf } from '../../core/log-streams.js';
import type { StoredLogEntry } from '../../store/types.js';

const DAY_MS = 86_400_000;

export interface LogEvent {
  functionName: string;
  version: string;
  /** The entry's id: events are read in entry order. */
  entryId: number;
  /** The event's place in its entry. */
  index: number;
  timestamp: number;
  message: string;
}

const PLATFORM = /^(?:START|END|REPORT|INIT_START|INIT_REPORT|INIT_RUNTIME_DONE|RESTORE_START|RESTORE_REPORT|EXTENSION|TELEMETRY|XRAY TraceId:|RequestId: )/;
/** Node.js, Java and the timeout line: `2026-12-02T10:00:00.000Z\t<request id>\tINFO\t...`. */
const STAMPED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;
/** Python's logging: `[INFO]\t2026-12-02T10:00:00.000Z\t<request id>\t...`. */
const LEVELED = /^\[(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|CRITICAL)\]/;

/** The records of a block of log text, each with its trailing newline. */
export function recordsOf(text: string): string[] {
  const out: string[] = [];
  let current = '';
  /** What opened the current record: a Node.js/Java line, a Python one, or anything else. */
  let kind: 'stamped' | 'leveled' | 'other' = 'other';
  let traceback = false;
  let lastIndented = false;
  for (const line of text.split(/(?<=\n)/)) {
    const stamped = STAMPED.test(line);
    const leveled = !stamped && LEVELED.test(line);
    const starts = stamped || leveled || PLATFORM.test(line) || line.startsWith('{');
    if (current !== '' && (starts || !continues(kind, line, traceback, lastIndented))) {
      out.push(current);
      current = '';
    }
    if (current === '') {
      kind = stamped ? 'stamped' : leveled ? 'leveled' : 'other';
      traceback = false;
    }
    if (line.startsWith('Traceback (most recent call last):')) traceback = true;
    lastIndented = /^\s/.test(line);
    current += line;
  }
  if (current !== '') out.push(current);
  return out;
}

/**
 * Whether a line that starts no record belongs to the one before. Node.js and Java send a log
 * call's lines as one record, so everything up to the next record is its. Python's output mixes
 * `print` lines (an event each) with logging records, whose only continuation lines are an
 * indented or traceback line, and the exception line that ends a traceback.
 */
function continues(kind: 'stamped' | 'leveled' | 'other', line: string, traceback: boolean, lastIndented: boolean): boolean {
  if (kind === 'stamped') return true;
  if (kind === 'other') return false;
  return /^\s/.test(line) || line.startsWith('Traceback (most recent call last):') || (traceback && lastIndented);
}

export function eventsOf(e: StoredLogEntry): LogEvent[] {
  return recordsOf(e.text).map((message, index) => ({ functionName: e.functionName, version: e.version, entryId: e.id, index, timestamp: e.timestamp, message }));
}

/** A stable id, digits as AWS's are: the entry's id and the event's place in it. */
export const eventId = (e: LogEvent): string => `${String(e.entryId).padStart(20, '0')}${String(e.index).padStart(6, '0')}`;

/** The stream an event belongs to (core/log-streams.ts). */
export { streamName } from '../../core/log-streams.js';

export interface StreamRef {
  version: string;
  /** The day's first and last millisecond. */
  from: number;
  to: number;
}

/** A stream's day and version, read from its name (undefined: not a name Nimbus gives). */
export function parseStreamName(name: string): StreamRef | undefined {
  const m = /^(\d{4})\/(\d{2})\/(\d{2})\/\[([^\]]+)\]([0-9a-f]{32})$/.exec(name);
  if (!m) return undefined;
  const from = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(from) || dayOf(from) !== `${m[1]}/${m[2]}/${m[3]}`) return undefined;
  return { version: m[4]!, from, to: from + DAY_MS - 1 };
}
