/**
 * A Jepsen-style checker of what a cluster acknowledged against what the functions saw. Inputs
 * are two histories the system under test does not write: the load generator's log of every
 * request and its outcome, and the functions' own delivery log (a witness outside Nimbus, so
 * Nimbus's invocation table is never its own oracle). Vocabulary from Jepsen's queue checkers:
 *  - lost: acknowledged (202, or a sync 200) but never delivered;
 *  - unexpected: delivered but never requested, or requested and refused definitely (a 4xx such
 *    as 429 promises nothing ran);
 *  - duplicated: delivered more than once (allowed for async and SQS messages, at-least-once; a
 *    sync invoke runs at most once, so for sync it is a failure);
 *  - recovered: outcome unknown (timeout, reset, 5xx) but delivered anyway.
 * Pure; the lab (scripts/cluster-lab) feeds it the two JSONL files.
 */

/** How a request ended, as the client saw it. */
export type Outcome = 'ok' | 'fail' | 'info';

/** One line of the load generator's log. */
export interface RequestRecord {
  readonly id: string;
  /** sqs: an SQS SendMessage to a queue an event-source mapping feeds to the function. */
  readonly kind: 'async' | 'sync' | 'sqs';
  /** ok: 202 (async), 200 (sync, or SendMessage); fail: a definite refusal (4xx); info: unknown (timeout, reset, 5xx). */
  readonly outcome: Outcome;
  /** For a sync ok: the id the function echoed back, which must be the request's own. */
  readonly reply?: string;
}

/** One line of the functions' delivery log. */
export interface DeliveryRecord {
  readonly id: string;
  readonly node?: string;
}

export interface CheckResult {
  readonly valid: boolean;
  readonly requested: { readonly async: number; readonly sync: number; readonly sqs: number };
  readonly acknowledged: { readonly async: number; readonly sync: number; readonly sqs: number };
  readonly lost: readonly string[];
  readonly unexpected: readonly string[];
  /** Sync replies that carried another request's result. */
  readonly wrongReplies: readonly string[];
  /** Async and SQS ids delivered more than once, with their delivery counts. */
  readonly duplicatedAsync: ReadonlyMap<string, number>;
  /** Sync ids delivered more than once (a failure: sync is never retried once it may have run). */
  readonly duplicatedSync: ReadonlyMap<string, number>;
  readonly recovered: readonly string[];
}

/** Checks a run. Ids are unique per request; a repeated request id in the client log counts once (last outcome wins unless ok). */
export function check(requests: Iterable<RequestRecord>, deliveries: Iterable<DeliveryRecord>): CheckResult {
  const req = new Map<string, RequestRecord>();
  for (const r of requests) {
    const prev = req.get(r.id);
    if (!prev || prev.outcome !== 'ok') req.set(r.id, r);
  }
  const seen = new Map<string, number>();
  for (const d of deliveries) seen.set(d.id, (seen.get(d.id) ?? 0) + 1);

  const lost: string[] = [];
  const wrongReplies: string[] = [];
  const recovered: string[] = [];
  const duplicatedAsync = new Map<string, number>();
  const duplicatedSync = new Map<string, number>();
  const requested = { async: 0, sync: 0, sqs: 0 };
  const acknowledged = { async: 0, sync: 0, sqs: 0 };
  for (const r of req.values()) {
    requested[r.kind]++;
    const n = seen.get(r.id) ?? 0;
    if (r.outcome === 'ok') {
      acknowledged[r.kind]++;
      if (n === 0) lost.push(r.id);
      if (r.kind === 'sync' && r.reply !== r.id) wrongReplies.push(r.id);
    }
    if (r.outcome === 'info' && n > 0) recovered.push(r.id);
    if (n > 1) (r.kind === 'sync' ? duplicatedSync : duplicatedAsync).set(r.id, n);
  }
  const unexpected = [...seen.keys()].filter((id) => {
    const r = req.get(id);
    return r === undefined || r.outcome === 'fail';
  });
  return {
    valid: lost.length === 0 && unexpected.length === 0 && wrongReplies.length === 0 && duplicatedSync.size === 0,
    requested,
    acknowledged,
    lost: lost.sort(),
    unexpected: unexpected.sort(),
    wrongReplies: wrongReplies.sort(),
    duplicatedAsync,
    duplicatedSync,
    recovered: recovered.sort(),
  };
}

/**
 * Reads JSONL written by processes that may have been killed mid-line: blank lines are skipped
 * and an unparsable LAST line is dropped (a torn write), any other bad line is an error.
 */
export function parseJsonl<T>(text: string): T[] {
  const lines = text.split('\n');
  const out: T[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as T);
    } catch (e) {
      const last = lines.slice(i + 1).every((l) => !l.trim());
      if (!last) throw new Error(`line ${i + 1}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  return out;
}

/** A one-paragraph summary for the lab's output. */
export function summary(r: CheckResult): string {
  const dupA = [...r.duplicatedAsync.values()].reduce((s, n) => s + n - 1, 0);
  return [
    `${r.valid ? 'VALID' : 'INVALID'}:`,
    `async ${r.acknowledged.async}/${r.requested.async} acknowledged, sqs ${r.acknowledged.sqs}/${r.requested.sqs} sent, sync ${r.acknowledged.sync}/${r.requested.sync} ok;`,
    `lost ${r.lost.length}, unexpected ${r.unexpected.length}, wrong sync replies ${r.wrongReplies.length},`,
    `duplicated async ${r.duplicatedAsync.size} ids (${dupA} extra deliveries), duplicated sync ${r.duplicatedSync.size}, recovered ${r.recovered.length}`,
  ].join(' ');
}
