/** Clients for the SQS tests: the real `@aws-sdk/client-sqs`, and a poll-until helper. */
import { SQSClient } from '@aws-sdk/client-sqs';

/** An SDK client for the test server; a 12-digit access key id selects the account (see sqs-server.ts). */
export function sdk(url: string, opts: { account?: string; region?: string; endpoint?: boolean } = {}): SQSClient {
  return new SQSClient({
    ...(opts.endpoint === false ? {} : { endpoint: url }),
    region: opts.region ?? 'us-east-1',
    credentials: { accessKeyId: opts.account ?? 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

/** Calls `fn` until it returns true (a few seconds at most), for state another party changes. */
export async function until(fn: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
