/**
 * How the SDK suites look at AWS errors. `rejects`: the one way they assert one: the promise rejects with exception `name` (the
 * SDK's name for the wire's x-amzn-ErrorType), and, when given, exactly this message (a string)
 * or one matching it (a RegExp), and this HTTP status.
 */
import assert from 'node:assert/strict';

export async function rejects(p: Promise<unknown>, name: string, message?: string | RegExp, status?: number): Promise<void> {
  await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    if (status !== undefined) assert.equal(e.$metadata?.httpStatusCode, status);
    return true;
  });
}

/** An SDK call's error name, message and HTTP status, or name 'ok' when it succeeded. */
export async function outcome(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number | undefined }> {
  try {
    await p;
    return { name: 'ok', message: '' };
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
}
