/**
 * The JSON log format (LoggingConfig `LogFormat: JSON`, docs/reference/lambda-logging.md): the
 * platform's records are JSON objects `{"time","type","record"}` with the Telemetry API's record
 * shapes (§3), sent or not by the function's SystemLogLevel (§4), and the application's output is
 * filtered by its ApplicationLogLevel: a JSON line's `"level"` decides, any other line counts as
 * INFO (§5). Text stays the default and is written by format.ts.
 */
import { billedDurationMs, type ReportFigures } from './format.js';

/** ApplicationLogLevel values, most detail first (MODEL `ApplicationLogLevel`). */
export const APPLICATION_LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
/** SystemLogLevel values, most detail first (MODEL `SystemLogLevel`). */
export const SYSTEM_LOG_LEVELS = ['DEBUG', 'INFO', 'WARN'] as const;

const RANK: Record<string, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, WARNING: 3, ERROR: 4, FATAL: 5, CRITICAL: 5 };

/** How an invocation ended, as platform.runtimeDone and platform.report tell it. */
export interface PlatformStatus {
  status: 'success' | 'error' | 'failure' | 'timeout';
  errorType?: string | undefined;
}

/** One platform record as a log line. */
function line(time: number, type: string, record: Record<string, unknown>): string {
  return `${JSON.stringify({ time: new Date(time).toISOString(), type, record })}\n`;
}

/** Whether a system record of `level` is sent under SystemLogLevel `min` (default INFO). */
export function systemLevelOn(level: 'DEBUG' | 'INFO' | 'WARN', min: string | undefined): boolean {
  return RANK[level]! >= (RANK[min ?? 'INFO'] ?? RANK['INFO']!);
}

export function initStartRecord(
  time: number,
  /** The runtime version members are absent for container images (they bring their own runtime). */
  r: { functionName: string; functionVersion: string; runtimeVersion: string | undefined; runtimeVersionArn: string | undefined; initializationType: string },
): string {
  return line(time, 'platform.initStart', {
    initializationType: r.initializationType,
    phase: 'init',
    runtimeVersion: r.runtimeVersion,
    runtimeVersionArn: r.runtimeVersionArn,
    functionName: r.functionName,
    functionVersion: r.functionVersion,
  });
}

export function startRecord(time: number, requestId: string, version: string): string {
  return line(time, 'platform.start', { requestId, version });
}

export function runtimeDoneRecord(time: number, requestId: string, s: PlatformStatus, durationMs: number, producedBytes: number): string {
  return line(time, 'platform.runtimeDone', {
    requestId,
    status: s.status,
    ...(s.errorType ? { errorType: s.errorType } : {}),
    metrics: { durationMs: round2(durationMs), producedBytes },
  });
}

export function reportRecord(time: number, requestId: string, f: ReportFigures, s: PlatformStatus): string {
  const metrics: Record<string, number> = {
    durationMs: round2(f.durationMs),
    billedDurationMs: billedDurationMs(f.durationMs),
    memorySizeMB: f.memorySizeMb,
    maxMemoryUsedMB: f.maxMemoryUsedMb,
  };
  if (f.initDurationMs !== undefined) metrics['initDurationMs'] = round2(f.initDurationMs);
  return line(time, 'platform.report', { requestId, metrics, status: s.status, ...(s.errorType ? { errorType: s.errorType } : {}) });
}

/**
 * The application output that passes ApplicationLogLevel `min`: each line whose JSON `"level"`
 * ranks below it is dropped; a line without a readable level counts as INFO.
 */
export function filterApplicationLogs(text: string, min: string | undefined): string {
  const floor = RANK[min ?? 'INFO'] ?? RANK['INFO']!;
  if (floor === 0 || text === '') return text;
  let out = '';
  for (const l of text.split(/(?<=\n)/)) if (levelOf(l) >= floor) out += l;
  return out;
}

function levelOf(l: string): number {
  if (l.charCodeAt(0) !== 0x7b /* { */) return RANK['INFO']!;
  try {
    const v: unknown = JSON.parse(l);
    const level = v && typeof v === 'object' ? (v as { level?: unknown }).level : undefined;
    return typeof level === 'string' ? (RANK[level.toUpperCase()] ?? RANK['INFO']!) : RANK['INFO']!;
  } catch {
    return RANK['INFO']!;
  }
}

const round2 = (n: number): number => Math.round(n * 100) / 100;
