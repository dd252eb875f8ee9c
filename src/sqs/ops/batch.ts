/**
 * The rules every *Batch operation shares (recorded AWS answers): 1 to 10 entries, ids of
 * alphanumerics/hyphens/underscores up to 80 long and distinct; entries that fail on their own
 * are reported in `Failed` with HTTP 200.
 */
import { batchEntryIdsNotDistinct, emptyBatchRequest, SqsError, tooManyEntries } from '../errors.js';
import { MAX_BATCH_ENTRIES } from '../limits.js';
import type { Params } from '../protocol/shapes.js';
import { checkBatchEntryId } from '../validate.js';

export function checkBatch(list: Params[], entryName: string): void {
  if (list.length === 0) throw emptyBatchRequest(entryName);
  if (list.length > MAX_BATCH_ENTRIES) throw tooManyEntries(list.length);
  const seen = new Set<string>();
  for (const e of list) {
    checkBatchEntryId(e['Id']);
    const id = e['Id'] as string;
    if (seen.has(id)) throw batchEntryIdsNotDistinct(id);
    seen.add(id);
  }
}

export interface BatchFailure {
  Id: string;
  SenderFault: boolean;
  Code: string;
  Message: string;
}

/** A Failed entry; the code is the Query error code, as AWS reports it in both protocols (recorded). */
export const failure = (id: string, err: SqsError): BatchFailure => ({ Id: id, SenderFault: err.sender, Code: err.code, Message: err.message });

/** Runs `fn` per entry, collecting successes and SqsError failures; other errors propagate. */
export function perEntry<T>(list: Params[], fn: (e: Params) => T): { ok: { id: string; value: T }[]; failed: BatchFailure[] } {
  const ok: { id: string; value: T }[] = [];
  const failed: BatchFailure[] = [];
  for (const e of list) {
    const id = e['Id'] as string;
    try {
      ok.push({ id, value: fn(e) });
    } catch (err) {
      if (!(err instanceof SqsError)) throw err;
      failed.push(failure(id, err));
    }
  }
  return { ok, failed };
}

/** As `perEntry`, for entries handled one after another by an asynchronous call. */
export async function perEntryAsync<T>(list: Params[], fn: (e: Params) => Promise<T>): Promise<{ ok: { id: string; value: T }[]; failed: BatchFailure[] }> {
  const ok: { id: string; value: T }[] = [];
  const failed: BatchFailure[] = [];
  for (const e of list) {
    const id = e['Id'] as string;
    try {
      ok.push({ id, value: await fn(e) });
    } catch (err) {
      if (!(err instanceof SqsError)) throw err;
      failed.push(failure(id, err));
    }
  }
  return { ok, failed };
}
