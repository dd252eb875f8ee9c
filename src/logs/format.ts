/**
 * Lambda's platform log lines, exactly as AWS prints them (docs/reference/lambda-api.md §3.6): tab-separated
 * fields, `%.2f` durations, Billed Duration rounded up to the millisecond, Init Duration after
 * Max Memory Used and only on cold starts, and a trailing tab on REPORT.
 */

export function startLine(requestId: string, version: string): string {
  return `START RequestId: ${requestId} Version: ${version}\n`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}\n`;
}

export interface ReportFigures {
  durationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  initDurationMs?: number | undefined;
}

export function billedDurationMs(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs));
}

export function reportLine(requestId: string, f: ReportFigures): string {
  let line =
    `REPORT RequestId: ${requestId}\tDuration: ${f.durationMs.toFixed(2)} ms\tBilled Duration: ${billedDurationMs(f.durationMs)} ms\t` +
    `Memory Size: ${f.memorySizeMb} MB\tMax Memory Used: ${f.maxMemoryUsedMb} MB\t`;
  if (f.initDurationMs !== undefined) line += `Init Duration: ${f.initDurationMs.toFixed(2)} ms\t`;
  return `${line}\n`;
}

/** `INIT_START Runtime Version: ...` opens a cold start's log (AWS prints it since 2023). */
export function initStartLine(runtime: string, runtimeVersion: string, region: string): string {
  return `INIT_START Runtime Version: ${runtimeVersion}\tRuntime Version ARN: arn:aws:lambda:${region}::runtime:nimbus-${runtime}\n`;
}

/** The line the runtime log gets when a function times out, before END. */
export function timeoutLine(requestId: string, timeoutS: number, at: number): string {
  return `${new Date(at).toISOString()} ${requestId} Task timed out after ${timeoutS.toFixed(2)} seconds\n`;
}

/** X-Amz-Log-Result: base64 of the last 4 KB of the invocation's log. */
export function logTail(log: string): string {
  const buf = Buffer.from(log, 'utf8');
  return buf.subarray(Math.max(0, buf.length - 4096)).toString('base64');
}
