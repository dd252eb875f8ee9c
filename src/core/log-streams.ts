/**
 * The log stream a function version's output is in. AWS has one per execution environment
 * (`2026/12/02/[$LATEST]<32 hex>`); Nimbus keeps one per function version and UTC day (its log
 * entries do not name their sandbox), its hex a hash of function, version and day: stable, and
 * distinct between functions sharing a log group. The CloudWatch Logs API (api/cwlogs) lists and
 * reads streams by this name, and a sandbox's AWS_LAMBDA_LOG_STREAM_NAME (context.logStreamName)
 * is the one of the day it started, so a function can name its own stream to `aws logs`.
 */
import { createHash } from 'node:crypto';

const DAY_MS = 86_400_000;
const names = new Map<string, string>();

/** `YYYY/MM/DD` of a time, in UTC. */
export function dayOf(timestamp: number): string {
  return new Date(timestamp).toISOString().slice(0, 10).replaceAll('-', '/');
}

export function streamName(functionName: string, version: string, timestamp: number): string {
  const key = `${functionName}\n${version}\n${Math.floor(timestamp / DAY_MS)}`;
  let name = names.get(key);
  if (name === undefined) {
    const day = dayOf(timestamp);
    name = `${day}/[${version}]${createHash('sha256').update(`${functionName}\n${version}\n${day}`).digest('hex').slice(0, 32)}`;
    // Every event is named: the hashes of the streams seen lately are kept.
    if (names.size >= 10_000) names.clear();
    names.set(key, name);
  }
  return name;
}
