/** Reading an invocation's log back from Nimbus's log API (`/nimbus/v1/functions/<name>/logs`). */

/**
 * The log entry of one invocation: Nimbus appends it whole when the invocation ends (a long poll).
 * `match` picks among entries of the same request id (an Event invoke also has its ASYNC line).
 */
export async function invocationLog(url: string, fn: string, requestId: string, match: (text: string) => boolean = () => true): Promise<string> {
  let after = 0;
  for (;;) {
    const res = await fetch(`${url}/nimbus/v1/functions/${fn}/logs?after=${after}&wait=5`);
    const body = (await res.json()) as { events: { requestId: string; text: string }[]; next: number };
    after = body.next;
    const mine = body.events.find((e) => e.requestId === requestId && match(e.text));
    if (mine) return mine.text;
  }
}

/** The JSON objects among a log's lines, and the lines that are not JSON. */
export function logRecords(text: string): { records: Record<string, unknown>[]; other: string[] } {
  const records: Record<string, unknown>[] = [];
  const other: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const v: unknown = JSON.parse(line);
      if (v && typeof v === 'object' && !Array.isArray(v)) records.push(v as Record<string, unknown>);
      else other.push(line);
    } catch {
      other.push(line);
    }
  }
  return { records, other };
}
