/**
 * Shared helpers for the runtime tests: real sandboxes (process isolation) over a temporary
 * scratch dir, specs with Lambda's standard environment, events, and tool checks that skip
 * locally but fail in CI.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ProcessSandboxFactory } from '../../src/sandbox/process.js';
import { SandboxInitError, type InitReport, type InvocationEvent, type InvocationReport, type Sandbox, type SandboxSpec } from '../../src/sandbox/types.js';
import type { RuntimeDescriptor } from '../../src/runtimes/types.js';

/** The repository root (this file runs from dist/test/runtimes/). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The function every runtime test deploys, and the values its context must report. */
export const FUNCTION_NAME = 'nimbus-runtime-test';
export const REGION = 'us-east-1';
export const ARN = `arn:aws:lambda:${REGION}:000000000000:function:${FUNCTION_NAME}`;
export const LOG_STREAM = '2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef';
export const MEMORY_MB = 256;

const inCI = process.env['CI'] === 'true';

/**
 * The `describe` options for a suite whose tool check gave `missing`: skipped with the reason
 * locally, but never in CI, where `failIfMissing` (called from `before`) fails the suite.
 */
export function needs(missing: string | null): { skip: string | false } {
  return { skip: missing && !inCI ? `${missing} (the suite is skipped locally; in CI it fails)` : false };
}

/** Throws when a required tool is missing; suites call it from `before` so CI fails loudly. */
export function failIfMissing(missing: string | null): void {
  if (missing) throw new Error(missing);
}

/**
 * A test that the tool is there: it passes when it is, is skipped locally when it is not, and
 * fails in CI (where the suite's own tests are then cancelled by `failIfMissing`).
 */
export function toolTest(name: string, missing: string | null): void {
  test(name, needs(missing), () => failIfMissing(missing));
}

/** Null when `cmd args` runs, else why not. */
export function checkTool(cmd: string, args: string[]): string | null {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 30_000 });
    return null;
  } catch (err) {
    return `${cmd} is not usable here: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
}

/** Builds dist/guest (incremental and safe to run from several test files at once). */
export function buildGuests(): void {
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build-guest.mjs')], { stdio: 'inherit' });
}

/** A temporary directory, removed by the returned function. */
export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `nimbus-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Lambda's standard environment for a function, as the pool would give it (docs/reference/lambda-api.md §3.5). */
export function lambdaEnv(runtime: string, handler: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    _HANDLER: handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(MEMORY_MB),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${FUNCTION_NAME}`,
    AWS_LAMBDA_LOG_STREAM_NAME: LOG_STREAM,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'AKIDNIMBUSTEST',
    AWS_SECRET_ACCESS_KEY: 'nimbus-test-secret',
    AWS_SESSION_TOKEN: 'nimbus-test-token',
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: '/usr/local/bin:/usr/bin/:/bin:/opt/bin',
    ...extra,
  };
}

/** A sandbox spec for `handler` in `codeDir`, with Lambda's environment plus `env`. */
export function makeSpec(
  descriptor: RuntimeDescriptor,
  runtime: string,
  handler: string,
  codeDir: string,
  env: Record<string, string> = {},
): SandboxSpec {
  return {
    id: randomBytes(8).toString('hex'),
    runtime,
    descriptor,
    handler,
    codeDir,
    memoryMb: MEMORY_MB,
    ephemeralStorageMb: 512,
    env: lambdaEnv(runtime, handler, env),
    network: 'none',
  };
}

/** An invocation of `payload` (JSON-encoded) with `timeoutMs` left. */
export function event(payload: unknown, timeoutMs = 10_000, extra: Partial<InvocationEvent> = {}): InvocationEvent {
  return {
    requestId: randomUUID(),
    payload: Buffer.from(JSON.stringify(payload)),
    deadlineMs: Date.now() + timeoutMs,
    invokedFunctionArn: ARN,
    ...extra,
  };
}

/** A started sandbox and what its init printed and took. */
export interface Started {
  sandbox: Sandbox;
  init: InitReport;
}

/** Starts sandboxes under process isolation in one scratch dir; `close()` disposes them all. */
export class Sandboxes {
  private readonly scratch = tempDir('scratch');
  // Nimbus's own user: these tests are about the runtimes, not about who runs them (safe-defaults.test.ts is).
  private readonly factory = new ProcessSandboxFactory({ scratchRoot: this.scratch.path, users: null, nimbusApi: null });
  private readonly live: Sandbox[] = [];
  /** Init durations (ms) of the sandboxes started, for the cold-start figures. */
  readonly initDurations: number[] = [];

  create(spec: SandboxSpec): Sandbox {
    const s = this.factory.create(spec);
    this.live.push(s);
    return s;
  }

  /** Creates and starts a sandbox; the init timeout is generous because CI machines are slow. */
  async start(spec: SandboxSpec, initTimeoutMs = 30_000): Promise<Started> {
    const sandbox = this.create(spec);
    const init = await sandbox.start(initTimeoutMs);
    this.initDurations.push(init.durationMs);
    return { sandbox, init };
  }

  async close(): Promise<void> {
    await Promise.all(this.live.map((s) => s.dispose()));
    this.scratch.remove();
  }
}

/** A report as readable text, for assertion messages. */
export function show(report: InvocationReport): string {
  const r = report.result;
  const payload = 'payload' in r ? r.payload.toString('utf8') : undefined;
  return JSON.stringify({ ...r, payload, logs: report.logs });
}

/** The response payload parsed as JSON; fails with the whole report when it is not a response. */
export function responseJson(report: InvocationReport): unknown {
  if (report.result.kind !== 'response') throw new Error(`expected a response, got ${show(report)}`);
  return JSON.parse(report.result.payload.toString('utf8'));
}

/** The error payload parsed as JSON, and the error type the sandbox recorded. */
export function errorJson(report: InvocationReport): { body: Record<string, unknown>; errorType: string } {
  const r = report.result;
  if (r.kind !== 'error') throw new Error(`expected an error, got ${show(report)}`);
  return { body: JSON.parse(r.payload.toString('utf8')) as Record<string, unknown>, errorType: r.errorType };
}

/** Starts a sandbox that must fail init, and returns the SandboxInitError. */
export async function initFailure(sandboxes: Sandboxes, spec: SandboxSpec): Promise<SandboxInitError> {
  try {
    await sandboxes.start(spec);
  } catch (err) {
    if (err instanceof SandboxInitError) return err;
    throw err;
  }
  throw new Error('init succeeded, but an init error was expected');
}

/** The init error's body parsed as JSON, and its error type. */
export function initErrorJson(err: SandboxInitError): { body: Record<string, unknown>; errorType: string } {
  const r = err.result;
  if (r.kind !== 'error') throw new Error(`expected an init error, got ${JSON.stringify(r)}; logs: ${err.logs}`);
  return { body: JSON.parse(r.payload.toString('utf8')) as Record<string, unknown>, errorType: r.errorType };
}
