/**
 * Queue URLs and ARNs. A queue URL is `<base>/<account>/<name>` (AWS's path layout); the host
 * part is whatever the caller used to reach Nimbus, so a URL is resolved by its path only, and a
 * client that names the queue with another host name (localhost vs 127.0.0.1, a proxy) still
 * reaches it.
 */
import type { Scope } from './types.js';

export const queueUrl = (baseUrl: string, accountId: string, name: string): string =>
  `${baseUrl.replace(/\/+$/, '')}/${accountId}/${name}`;

export const queueArn = (region: string, accountId: string, name: string): string => `arn:aws:sqs:${region}:${accountId}:${name}`;

/** Matches `/<12-digit account>/<queue name>` (the path of a queue URL). */
const QUEUE_PATH = /^\/(\d{12})\/([A-Za-z0-9_-]{1,80}(?:\.fifo)?)\/?$/;

export interface QueueRef {
  accountId: string;
  name: string;
}

/** The account and name in a queue URL's path, or in a bare path; null if it is not one. */
export function parseQueuePath(path: string): QueueRef | null {
  const m = QUEUE_PATH.exec(path);
  return m?.[1] && m[2] ? { accountId: m[1], name: m[2] } : null;
}

/** Resolves a `QueueUrl` parameter: a full URL (any host) or, leniently, a bare name. */
export function parseQueueUrl(value: string, scope: Scope): QueueRef | null {
  if (/^https?:\/\//i.test(value)) {
    let path: string;
    try {
      path = new URL(value).pathname;
    } catch {
      return null;
    }
    return parseQueuePath(decodeURIComponent(path));
  }
  if (value.startsWith('/')) return parseQueuePath(value);
  // AWS's own SDKs accept a queue name where a URL belongs (LocalStack's validated tests rely on it).
  return /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(value) ? { accountId: scope.accountId, name: value } : null;
}

export interface ArnRef extends QueueRef {
  region: string;
}

const ARN = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$/;

export function parseQueueArn(arn: string): ArnRef | null {
  const m = ARN.exec(arn);
  return m?.[1] && m[2] && m[3] ? { region: m[1], accountId: m[2], name: m[3] } : null;
}
