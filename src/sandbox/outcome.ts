/**
 * What a runtime can say about one invocation, and the limits on what it may send, shared by the
 * Runtime API's two wire forms (runtime-api.ts: HTTP and frames) and by streamed responses
 * (stream-receiver.ts). Limits and error shapes follow AWS's Runtime Interface Emulator
 * (docs/reference/lambda-api.md §3.2, §3.3).
 */

/** RIE `interop.MaxPayloadSize`: buffered responses may be 6 MiB plus 100 bytes. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100;
/** Init and invocation error bodies are small; cap them so a runtime cannot exhaust memory. */
export const MAX_ERROR_BYTES = 1024 * 1024;

/** What the runtime said about one invocation (or about init). */
export type RuntimeOutcome =
  | { kind: 'response'; payload: Buffer; streamed?: number }
  | { kind: 'error'; payload: Buffer; errorType: string }
  | { kind: 'too-large'; limitBytes?: number };

export type ErrorOutcome = Extract<RuntimeOutcome, { kind: 'error' }>;

/** Error type: the one the runtime named, else the body's `errorType`, else `Runtime.Unknown`. */
export function errorOutcome(named: string | undefined, body: Buffer): ErrorOutcome {
  let errorType = named ?? '';
  let parsed: unknown;
  try {
    parsed = body.length ? JSON.parse(body.toString('utf8')) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!errorType && parsed && typeof parsed === 'object' && typeof (parsed as { errorType?: unknown }).errorType === 'string') {
    errorType = (parsed as { errorType: string }).errorType;
  }
  if (!errorType) errorType = 'Runtime.Unknown';
  // The caller receives the body verbatim; a runtime that posted nothing gets AWS's generic shape.
  const payload =
    parsed === undefined
      ? Buffer.from(JSON.stringify({ errorMessage: body.length ? body.toString('utf8') : 'Unknown error', errorType }))
      : body;
  return { kind: 'error', payload, errorType };
}
