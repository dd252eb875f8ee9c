/**
 * One synchronous invocation from request to result: resolve the function version, run it in
 * the pool, turn the sandbox's result into Lambda's answer (payload, X-Amz-Function-Error,
 * the log tail) and write the platform's log lines (START/END/REPORT, or JSON records for
 * LogFormat JSON). A streamed invocation passes a sink that receives the body as the runtime
 * produces it; a tenant-isolated one runs on sandboxes of its tenant only. Nothing here touches HTTP.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { functionArn } from '../core/names.js';
import { kmsError, NimbusError } from '../core/errors.js';
import { billedDurationMs, endLine, initStartLine, logTail, reportLine, startLine, timeoutLine, type ReportFigures } from '../logs/format.js';
import { filterApplicationLogs, initStartRecord, reportRecord, runtimeDoneRecord, startRecord, systemLevelOn, type PlatformStatus } from '../logs/json-format.js';
import type { LogService } from '../logs/log-service.js';
import type { Pool } from '../pool/pool.js';
import type { PoolOutcome, PoolTarget } from '../pool/types.js';
import type { CredentialIssuer } from '../runtimes/credentials.js';
import { lambdaEnvironment } from '../runtimes/env.js';
import { streamName } from '../core/log-streams.js';
import type { RuntimeRegistry } from '../runtimes/registry.js';
import type { AfterInvoke, InvocationResult, ResponseSink } from '../sandbox/types.js';
import type { CodeStore } from '../store/code-store.js';
import type { Metrics } from '../metrics/metrics.js';
import { functionKey, perSandboxConcurrency, versionKey, type FunctionVersion } from '../core/model.js';
import type { ConcurrencyLimiter } from './concurrency.js';

export type { ResponseSink } from '../sandbox/types.js';

/**
 * The default limit of a streamed response: 200 MB, since AWS raised it from 20 MB in July 2025
 * (docs/reference/response-streaming.md §1).
 */
export const STREAM_RESPONSE_LIMIT = 200 * 1024 * 1024;

/**
 * A function opts in to outbound network with this environment variable: `egress` (public
 * addresses) or `egress-lan` (the host's private networks too: RFC 1918 and CGNAT ranges).
 */
export const EGRESS_VARIABLE = 'NIMBUS_NETWORK';

function networkOf(value: string | undefined): 'none' | 'egress' | 'egress-lan' {
  return value === 'egress' || value === 'egress-lan' ? value : 'none';
}

/** The buffered response limit the runtime enforces (RIE MaxPayloadSize: 6 MiB + 100 bytes). */
const MAX_BUFFERED_RESPONSE = 6_291_556;

/** Init may take this long even when the function's timeout is shorter (AWS: 10 s init phase). */
const MIN_INIT_TIMEOUT_MS = 10_000;

export interface InvokeRequest {
  fn: FunctionVersion;
  /** The qualifier the caller used, if any: it makes the invoked ARN qualified. */
  qualifier: string | undefined;
  payload: Buffer;
  tailLogs: boolean;
  clientContext?: string | undefined;
  traceId?: string | undefined;
  /** Reuses a request id: every attempt of an async event carries the event's id. */
  requestId?: string | undefined;
  /** X-Amz-Tenant-Id of a tenant-isolated function: its sandboxes serve this tenant only. */
  tenantId?: string | undefined;
  /** Streams the response body here as it is produced (InvokeWithResponseStream, RESPONSE_STREAM URLs). */
  sink?: ResponseSink | undefined;
}

export interface InvokeResult {
  requestId: string;
  payload: Buffer;
  /** `Unhandled` when the function or its runtime failed. */
  functionError: 'Unhandled' | undefined;
  /** The failure's type (`Error`, `Sandbox.Timedout`, ...), for InvokeComplete's ErrorCode. */
  errorType: string | undefined;
  executedVersion: string;
  /** Base64 of the last 4 KB of the log, when the caller asked for it. */
  logResult: string | undefined;
  /**
   * The invocation started a sandbox. Not part of Lambda's reply: cluster routing counts where
   * its cold starts come from (src/cluster/sync-router.ts), and the hop carries it back.
   */
  coldStart?: boolean | undefined;
}

export interface InvokerDeps {
  pool: Pool;
  code: CodeStore;
  runtimes: RuntimeRegistry;
  logs: LogService;
  clock: Clock;
  /** Enforces reserved and account concurrency; absent means unlimited. */
  limiter?: ConcurrencyLimiter;
  metrics?: Metrics;
  /** Issues each sandbox its execution role's credentials; absent: none (src/runtimes/credentials.ts). */
  credentials?: CredentialIssuer;
  /** The most bytes a streamed response may carry; default STREAM_RESPONSE_LIMIT. */
  streamResponseLimitBytes?: number;
}

/**
 * What a sandbox of this version runs: everything but the RevisionId, which tags and permissions
 * change too (AWS bumps it for them) without changing what runs.
 */
const runFingerprint = (fn: FunctionVersion): string => JSON.stringify({ ...fn, revisionId: '' });

export class Invoker {
  private readonly targets = new Map<string, { revisionId: string; run: string; target: PoolTarget }>();

  /** The limit streamed responses get (their sink's `limitBytes`). */
  readonly streamLimitBytes: number;

  constructor(private readonly deps: InvokerDeps) {
    this.streamLimitBytes = deps.streamResponseLimitBytes ?? STREAM_RESPONSE_LIMIT;
  }

  async invoke(req: InvokeRequest): Promise<InvokeResult> {
    const { fn } = req;
    const requestId = req.requestId ?? randomUUID();
    // A cluster node fetches a package (and layers) it has not seen from PostgreSQL first.
    const fetching = this.deps.code.ensure([fn.codeSha256, ...(fn.layers ?? []).map((l) => l.codeSha256)]);
    if (fetching) await fetching;
    // A server that just started may still be probing the machine's interpreters: a sandbox's command waits for them.
    const probing = this.deps.runtimes.ready(fn.runtime);
    if (probing) await probing;
    const target = this.target(fn, req.tenantId);
    const timeoutMs = fn.timeout * 1000;
    const invokedFunctionArn = functionArn(fn, fn.name, req.qualifier);
    let release: () => void = () => undefined;
    try {
      if (this.deps.limiter) release = this.deps.limiter.acquire(functionKey(fn, fn.name));
    } catch (e) {
      this.deps.metrics?.throttle(fn.region, fn.name, fn.version);
      throw e;
    }
    let outcome;
    try {
      outcome = await this.deps.pool.invoke(target, () => ({
        requestId,
        payload: req.payload,
        deadlineMs: this.deps.clock.now() + timeoutMs,
        invokedFunctionArn,
        traceId: req.traceId,
        clientContext: req.clientContext,
        tenantId: req.tenantId,
        sink: req.sink,
      }));
    } catch (e) {
      if (e instanceof NimbusError && e.code === 'ERR_TOO_MANY_REQUESTS') this.deps.metrics?.throttle(fn.region, fn.name, fn.version);
      throw e;
    } finally {
      release();
    }
    const { report } = outcome;
    const { payload, functionError, errorType, errorLog } = this.answer(requestId, fn, report.result);
    const write = (after?: AfterInvoke): string => this.record(requestId, fn, outcome, timeoutMs, errorType, functionError, errorLog, payload.length, after);
    let log = '';
    // The log and metrics are bookkeeping: without a log tail to return they are written on the
    // next tick, once the caller's continuations (the HTTP response) have run, and still before
    // the event loop reads another request (docs/performance.md, "Fourth pass").
    if (!report.after) {
      if (req.tailLogs) log = write();
      else process.nextTick(writeLater, write, requestId);
    }
    // With extensions the answer goes out now and the log once they are done (REPORT counts their time);
    // a caller that asked for the log tail waits for it.
    else if (req.tailLogs) log = write(await report.after);
    else void report.after.then(write);
    return {
      requestId,
      payload,
      functionError,
      errorType,
      executedVersion: fn.version,
      logResult: req.tailLogs ? logTail(log) : undefined,
      coldStart: outcome.coldStart,
    };
  }

  /** Writes the invocation's log and metrics (after its extensions finished, when it has some); returns the log. */
  private record(
    requestId: string,
    fn: FunctionVersion,
    outcome: PoolOutcome,
    timeoutMs: number,
    errorType: string | undefined,
    functionError: 'Unhandled' | undefined,
    errorLog: string,
    payloadBytes: number,
    after?: AfterInvoke,
  ): string {
    const { report } = outcome;
    const initMs = outcome.init?.durationMs ?? outcome.initError?.initDurationMs;
    const durationMs = report.result.kind === 'timeout' ? Math.max(report.durationMs, timeoutMs) : (after?.durationMs ?? report.durationMs);
    const logs = after ? report.logs + after.logs + (after.failure ? `RequestId: ${requestId} Error: ${after.failure.errorType}\n` : '') : report.logs;
    const figures: ReportFigures = {
      durationMs,
      memorySizeMb: fn.memorySize,
      maxMemoryUsedMb: Math.ceil(report.maxMemoryBytes / (1024 * 1024)),
      initDurationMs: outcome.coldStart ? initMs : undefined,
    };
    const log =
      fn.logFormat === 'JSON'
        ? this.jsonLog(requestId, fn, outcome.coldStart, outcome.init?.logs ?? '', logs, report.result, figures, errorType, payloadBytes)
        : this.textLog(requestId, fn, outcome.coldStart, outcome.init?.logs ?? '', logs, errorLog, figures);
    // Spelled out, not `{ ...figures, ... }`: that spread was three quarters of this method's
    // time, about 3% of the server's CPU per invocation (docs/performance.md, "Fourth pass").
    this.deps.metrics?.invocation(fn.region, fn.name, fn.version, {
      durationMs,
      memorySizeMb: figures.memorySizeMb,
      maxMemoryUsedMb: figures.maxMemoryUsedMb,
      initDurationMs: figures.initDurationMs,
      billedMs: billedDurationMs(durationMs),
      error: functionError !== undefined,
      coldStart: outcome.coldStart,
    });
    this.deps.logs.append({
      accountId: fn.accountId,
      region: fn.region,
      functionName: fn.name,
      version: fn.version,
      requestId,
      timestamp: this.deps.clock.now(),
      text: log,
    });
    return log;
  }

  /**
   * The pool target of a function version, rebuilt only when its revision changes (also for
   * provisioned pins). A tenant gets the version's target under a key of its own: the pool keeps
   * sandboxes per key, so an environment only ever serves one tenant (docs/reference/tenant-isolation.md §1).
   */
  target(fn: FunctionVersion, tenantId?: string): PoolTarget {
    const base = this.versionTarget(fn);
    return tenantId === undefined ? base : { ...base, app: `${base.app}#tenant:${tenantId}` };
  }

  private versionTarget(fn: FunctionVersion): PoolTarget {
    const app = versionKey(fn);
    const cached = this.targets.get(app);
    if (cached && cached.revisionId === fn.revisionId) return cached.target;
    const run = runFingerprint(fn);
    if (cached && cached.run === run) {
      // Only the RevisionId moved: the warm sandboxes (same generation) still run this version.
      cached.revisionId = fn.revisionId;
      return cached.target;
    }
    // An environment that did not decrypt fails the call as Lambda's 502 KMS errors do.
    if (fn.environmentError) throw kmsError(fn.environmentError);
    const descriptor = this.deps.runtimes.get(fn.runtime);
    if (!descriptor) throw new NimbusError('ERR_INTERNAL', `runtime ${fn.runtime} is not available`);
    const codeDir = this.deps.code.taskDir(fn.codeSha256);
    const { code } = this.deps;
    // The layers' packages in the function's order: merged once per set, mounted at /opt.
    const layerShas = (fn.layers ?? []).map((l) => l.codeSha256);
    // A layer with extensions/ rules out stem cells (their runtime already runs): checked once per revision.
    const extensions = layerShas.some((sha) => existsSync(join(code.taskDir(sha), 'extensions')));
    const layers = layerShas.length > 0 ? { dir: () => code.layerSet(layerShas), extensions } : undefined;
    // Multi-concurrency (docs/multi-concurrency.md); extensions follow one invocation at a time.
    const maxConcurrency = extensions ? 1 : perSandboxConcurrency(fn);
    const target: PoolTarget = {
      app,
      generation: fn.revisionId,
      memoryMb: fn.memorySize,
      ...(maxConcurrency > 1 ? { maxConcurrency } : {}),
      initTimeoutMs: Math.max(MIN_INIT_TIMEOUT_MS, fn.timeout * 1000),
      makeSpec: (id) => ({
        id,
        runtime: fn.runtime,
        descriptor,
        handler: fn.handler,
        codeDir,
        memoryMb: fn.memorySize,
        ephemeralStorageMb: fn.ephemeralStorageMb,
        ...(maxConcurrency > 1 ? { maxConcurrency } : {}),
        // The stream the CloudWatch Logs API lists this version's output under today (core/log-streams.ts).
        env: lambdaEnvironment(fn, streamName(fn.name, fn.version, this.deps.clock.now()), {
          ...(this.deps.credentials ? { credentials: this.deps.credentials.issue(fn, this.deps.clock.now()) } : {}),
          maxConcurrency,
        }),
        // Outbound network is a per-function opt-in (docs/isolation.md).
        network: networkOf(fn.environment[EGRESS_VARIABLE]),
        ...(layers ? { layers } : {}),
        accountId: fn.accountId,
        onLogs: (text: string) =>
          this.deps.logs.append({ accountId: fn.accountId, region: fn.region, functionName: fn.name, version: fn.version, requestId: '', timestamp: this.deps.clock.now(), text }),
      }),
      hold: layers
        ? () => {
            const releaseCode = code.lease(fn.codeSha256);
            const releaseSet = code.leaseSet(layerShas);
            return () => {
              releaseCode();
              releaseSet();
            };
          }
        : () => code.lease(fn.codeSha256),
    };
    this.targets.set(app, { revisionId: fn.revisionId, run, target });
    return target;
  }

  /** Forgets cached targets of a function (it changed or was deleted). */
  forget(prefix: string): void {
    for (const k of this.targets.keys()) if (k.startsWith(prefix)) this.targets.delete(k);
  }

  /** What the text format writes for one invocation (docs/reference/lambda-api.md §3.6). */
  private textLog(requestId: string, fn: FunctionVersion, coldStart: boolean, initLogs: string, logs: string, errorLog: string, f: ReportFigures): string {
    const init = coldStart ? initStartLine(fn.runtime, runtimeVersion(fn.runtime, this.deps.runtimes), fn.region) + initLogs : '';
    return init + startLine(requestId, fn.version) + logs + errorLog + endLine(requestId) + reportLine(requestId, f);
  }

  /**
   * What the JSON format writes (docs/reference/lambda-logging.md §3-§5): platform records for the
   * system log level, and the application's output filtered by its level.
   */
  private jsonLog(
    requestId: string,
    fn: FunctionVersion,
    coldStart: boolean,
    initLogs: string,
    logs: string,
    r: InvocationResult,
    f: ReportFigures,
    errorType: string | undefined,
    payloadBytes: number,
  ): string {
    const end = this.deps.clock.now();
    const start = end - f.durationMs;
    const sys = fn.systemLogLevel;
    const app = (text: string): string => filterApplicationLogs(text, fn.applicationLogLevel);
    const status: PlatformStatus = {
      status: r.kind === 'response' ? 'success' : r.kind === 'error' ? 'error' : r.kind === 'timeout' ? 'timeout' : 'failure',
      errorType,
    };
    let log = '';
    if (coldStart) {
      if (systemLevelOn('INFO', sys)) {
        log += initStartRecord(start - (f.initDurationMs ?? 0), {
          functionName: fn.name,
          functionVersion: fn.version,
          runtimeVersion: runtimeVersion(fn.runtime, this.deps.runtimes),
          runtimeVersionArn: `arn:aws:lambda:${fn.region}::runtime:nimbus-${fn.runtime}`,
          initializationType: 'on-demand',
        });
      }
      log += app(initLogs);
    }
    if (systemLevelOn('INFO', sys)) log += startRecord(start, requestId, fn.version);
    log += app(logs);
    const produced = r.kind === 'response' ? (r.streamed ?? payloadBytes) : 0;
    if (systemLevelOn('DEBUG', sys)) log += runtimeDoneRecord(end, requestId, status, f.durationMs, produced);
    if (systemLevelOn('INFO', sys)) log += reportRecord(end, requestId, f, status);
    return log;
  }

  /** Lambda's answer for each way an invocation can end (docs/reference/lambda-api.md §2.3). */
  private answer(
    requestId: string,
    fn: FunctionVersion,
    r: InvocationResult,
  ): { payload: Buffer; functionError: 'Unhandled' | undefined; errorType: string | undefined; errorLog: string } {
    const fail = (errorType: string, errorMessage: string, errorLog: string) => ({
      payload: Buffer.from(JSON.stringify({ errorType, errorMessage })),
      functionError: 'Unhandled' as const,
      errorType,
      errorLog,
    });
    switch (r.kind) {
      case 'response':
        return { payload: r.payload, functionError: undefined, errorType: undefined, errorLog: '' };
      case 'error':
        return { payload: r.payload, functionError: 'Unhandled', errorType: r.errorType, errorLog: '' };
      case 'timeout':
        return fail(
          'Sandbox.Timedout',
          `RequestId: ${requestId} Error: Task timed out after ${fn.timeout.toFixed(2)} seconds`,
          timeoutLine(requestId, fn.timeout, this.deps.clock.now()),
        );
      case 'exit': {
        const why = r.reason === 'exit status 0' ? 'Runtime exited without providing a reason' : `Runtime exited with error: ${r.reason}`;
        // Killed for exceeding its memory: AWS reports the same message under its own error type.
        const type = r.outOfMemory ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
        return fail(type, `RequestId: ${requestId} Error: ${why}`, `RequestId: ${requestId} Error: ${why}\n${type}\n`);
      }
      case 'too-large':
        // A streamed response has its own, larger limit (docs/reference/response-streaming.md §1).
        return {
          payload: Buffer.from(
            JSON.stringify({
              errorMessage: `Response payload size exceeded maximum allowed payload size (${r.limitBytes ?? MAX_BUFFERED_RESPONSE} bytes).`,
              errorType: 'Function.ResponseSizeTooLarge',
            }),
          ),
          functionError: 'Unhandled',
          errorType: 'Function.ResponseSizeTooLarge',
          errorLog: '',
        };
    }
  }
}

/**
 * The log and metrics of an invocation already answered: a failure here can no longer become the
 * caller's error, and must not end the server from a tick callback, so it is reported and dropped.
 */
function writeLater(write: () => unknown, requestId: string): void {
  try {
    write();
  } catch (e) {
    process.emitWarning(`the log of invocation ${requestId} was not written: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, { code: 'NIMBUS_INVOKE_LOG' });
  }
}

/** The runtime version Nimbus reports in INIT_START: the family and the host interpreter's version. */
/** The INIT_START line's Runtime Version: the family, and the exact interpreter the runtime resolved to here. */
function runtimeVersion(runtime: string, runtimes: RuntimeRegistry): string {
  const a = runtimes.get(runtime)?.availability?.(runtime);
  const exact = a?.ok ? `v${a.interpreter.version}` : 'unknown';
  if (runtime.startsWith('nodejs')) return `nodejs:${runtime.slice(6, -2)}.nimbus-${exact}`;
  return `${runtime}.nimbus-${exact}`;
}

