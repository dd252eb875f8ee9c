/**
 * The Telemetry API's platform records (DG "Lambda Telemetry API Event schema reference"), built
 * from what the sandbox knows: its spec and the invocation. The same shapes as the JSON log
 * format's platform records (src/logs/json-format.ts), which this layer cannot import.
 */
import type { InvocationEvent, InvocationResult, SandboxSpec } from '../types.js';
import type { ExtensionFailure } from './extensions-api.js';

export interface PlatformStatus {
  status: 'success' | 'error' | 'failure' | 'timeout';
  errorType?: string;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** platform.runtimeDone / platform.report status of a result. */
export function statusOf(r: InvocationResult): PlatformStatus {
  if (r.kind === 'response') return { status: 'success' };
  if (r.kind === 'error') return { status: 'error', errorType: r.errorType };
  if (r.kind === 'timeout') return { status: 'timeout', errorType: 'Sandbox.Timedout' };
  return { status: 'failure', errorType: r.kind === 'exit' ? 'Runtime.ExitError' : 'Function.ResponseSizeTooLarge' };
}

function initializationType(spec: SandboxSpec): string {
  return spec.env['AWS_LAMBDA_INITIALIZATION_TYPE'] ?? 'on-demand';
}

export const platformRecords = {
  initStart(spec: SandboxSpec): Record<string, unknown> {
    return {
      initializationType: initializationType(spec),
      phase: 'init',
      runtimeVersion: spec.runtime,
      runtimeVersionArn: `arn:aws:lambda:${spec.env['AWS_REGION'] ?? 'us-east-1'}::runtime:nimbus-${spec.runtime}`,
      functionName: spec.env['AWS_LAMBDA_FUNCTION_NAME'] ?? '',
      functionVersion: spec.env['AWS_LAMBDA_FUNCTION_VERSION'] ?? '$LATEST',
    };
  },
  initRuntimeDone(spec: SandboxSpec, status: 'success' | 'error'): Record<string, unknown> {
    return { initializationType: initializationType(spec), phase: 'init', status };
  },
  initReport(spec: SandboxSpec, status: 'success' | 'error', durationMs: number, errorType?: string): Record<string, unknown> {
    return { initializationType: initializationType(spec), phase: 'init', status, ...(errorType ? { errorType } : {}), metrics: { durationMs: round2(durationMs) } };
  },
  start(spec: SandboxSpec, e: InvocationEvent): Record<string, unknown> {
    return {
      requestId: e.requestId,
      version: spec.env['AWS_LAMBDA_FUNCTION_VERSION'] ?? '$LATEST',
      ...(e.traceId ? { tracing: { type: 'X-Amzn-Trace-Id', value: e.traceId } } : {}),
    };
  },
  runtimeDone(e: InvocationEvent, r: InvocationResult, durationMs: number): Record<string, unknown> {
    const s = statusOf(r);
    const produced = r.kind === 'response' ? (r.streamed ?? r.payload.length) : 0;
    return { requestId: e.requestId, status: s.status, ...(s.errorType ? { errorType: s.errorType } : {}), metrics: { durationMs: round2(durationMs), producedBytes: produced } };
  },
  report(spec: SandboxSpec, e: InvocationEvent, s: PlatformStatus, durationMs: number, peakBytes: number, initMs: number | undefined): Record<string, unknown> {
    const metrics: Record<string, number> = {
      durationMs: round2(durationMs),
      billedDurationMs: Math.ceil(durationMs),
      memorySizeMB: spec.memoryMb,
      maxMemoryUsedMB: Math.ceil(peakBytes / (1024 * 1024)),
    };
    if (initMs !== undefined) metrics['initDurationMs'] = round2(initMs);
    return { requestId: e.requestId, status: s.status, ...(s.errorType ? { errorType: s.errorType } : {}), metrics };
  },
};

/** An extension's failure as the invocation's error result (DG: Extension.Crash, Extension.InitError, ...). */
export function extensionResult(f: ExtensionFailure): Extract<InvocationResult, { kind: 'error' }> {
  return { kind: 'error', errorType: f.errorType, payload: Buffer.from(JSON.stringify({ errorMessage: f.message, errorType: f.errorType })) };
}

