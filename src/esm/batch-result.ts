/**
 * Reading a partial batch response (`FunctionResponseTypes: ["ReportBatchItemFailures"]`), as
 * the Lambda developer guide states it ("Implementing partial batch responses", SQS and streams
 * pages) and as recorded against AWS (aws-recordings/snap_sqs.json, test_report_batch_item_failures*):
 *
 * - success: a null or empty response, an empty or null `batchItemFailures`, or a response
 *   without it (recorded: `{}` succeeds);
 * - the listed `itemIdentifier`s failed, the others succeeded;
 * - the whole batch failed for "an invalid JSON response" (the guide's words; Nimbus also counts
 *   JSON that is not an object, which cannot be a response), or an entry that is malformed: an
 *   `itemIdentifier` that is null, an empty string, not a string, missing (a wrong key name -
 *   recorded: `[{"foo": "notvalid"}]` fails the batch), or not the id of a record in the batch.
 */

export type BatchResult = { kind: 'all-succeeded' } | { kind: 'all-failed'; reason: string } | { kind: 'partial'; failed: ReadonlySet<string> };

export function readBatchResult(payload: Buffer, ids: ReadonlySet<string>): BatchResult {
  const text = payload.toString('utf8').trim();
  if (text === '' || text === 'null') return { kind: 'all-succeeded' };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { kind: 'all-failed', reason: 'the response is not valid JSON' };
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) return { kind: 'all-failed', reason: 'the response is not a JSON object' };
  if (doc === null) return { kind: 'all-succeeded' };
  const list = (doc as Record<string, unknown>)['batchItemFailures'];
  if (list === undefined || list === null) return { kind: 'all-succeeded' };
  if (!Array.isArray(list)) return { kind: 'all-failed', reason: 'batchItemFailures is not a list' };
  if (list.length === 0) return { kind: 'all-succeeded' };
  const failed = new Set<string>();
  for (const entry of list) {
    const id = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)['itemIdentifier'] : undefined;
    if (typeof id !== 'string' || id === '') return { kind: 'all-failed', reason: `invalid batchItemFailures entry ${JSON.stringify(entry)}` };
    if (!ids.has(id)) return { kind: 'all-failed', reason: `itemIdentifier ${id} is not in the batch` };
    failed.add(id);
  }
  return { kind: 'partial', failed };
}
