/**
 * What every process-backed sandbox shares: the per-sandbox Runtime API server, the init and
 * invocation state machine, deadlines, log capture from stdout/stderr and exit accounting.
 * Isolation levels differ only in how they launch the process, kill its tree and measure memory.
 */
import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { listExtensions } from './extensions/discover.js';
import { ExtensionFailure, ExtensionsApi } from './extensions/extensions-api.js';
import { extensionResult, platformRecords, statusOf } from './extensions/records.js';
import { loopbackTransport, type TelemetryTransport } from './extensions/telemetry.js';
import { RuntimeApiServer, type RuntimeOutcome } from './runtime-api.js';
import { ConcurrentLogs } from './concurrent-logs.js';
import {
  SandboxInitError,
  type AfterInvoke,
  type InitReport,
  type InvocationEvent,
  type InvocationReport,
  type InvocationResult,
  type Sandbox,
  type SandboxSpec,
  type SandboxState,
} from './types.js';
import { messageOf } from '../core/errors.js';
import { type Deadline, Deadlines } from './deadlines.js';

/** Every sandbox's invocation deadlines, on one timer (deadlines.ts). */
const DEADLINES = new Deadlines();

let nextCheck: Promise<void> | null = null;

/**
 * Settles in the check phase (`setImmediate`) after the current poll phase: one immediate and one
 * promise for every invocation answered in the same turn, instead of one each (a multi-concurrent
 * sandbox answers many at once; docs/performance.md, "Sixth pass"). One made during a check
 * phase settles in the next turn's, as a fresh `setImmediate` would.
 */
function checkPhase(): Promise<void> {
  return (nextCheck ??= new Promise<void>((resolve) =>
    setImmediate(() => {
      nextCheck = null;
      resolve();
    }),
  ));
}

/** A deadline timer this late means the server itself was not running (paused), not the function overrunning. */
const PAUSE_MS = 1_000;

/**
 * How long extensions get to finish after SHUTDOWN before the sandbox is killed: the whole
 * Shutdown phase is 2,000 ms with external extensions (DG "Lambda execution environment lifecycle").
 */
export const SHUTDOWN_GRACE_MS = 2_000;

/** Output kept per invocation; beyond it the log says how much was dropped. */
const MAX_LOG_BYTES = 1024 * 1024;

/**
 * The report of an invocation that ended with the runtime's answer: the memory peak (a syscall
 * on the sandbox's cgroup, 4-5% of the server's CPU at 32 connections) is read on first use,
 * which is the REPORT line's, written once the response is out (docs/performance.md, "Fourth pass").
 * A class, not an object literal with a getter: an accessor in a literal gives every object a
 * hidden class of its own (the third pass's promotion problem).
 */
class WarmReport implements InvocationReport {
  private peak = -1;
  constructor(
    readonly result: InvocationResult,
    readonly durationMs: number,
    readonly logs: string,
    private readonly sandbox: { peakNow(): number },
  ) {}

  get maxMemoryBytes(): number {
    if (this.peak < 0) this.peak = this.sandbox.peakNow();
    return this.peak;
  }
}

/** Go's names for signals, as the Runtime.ExitError message prints them ("signal: killed"). */
const SIGNAL_NAMES: Record<string, string> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGINT: 'interrupt',
  SIGBUS: 'bus error',
  SIGFPE: 'floating point exception',
  SIGILL: 'illegal instruction',
  SIGPIPE: 'broken pipe',
};

export function exitReason(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `signal: ${SIGNAL_NAMES[signal] ?? signal}`;
  return `exit status ${code ?? 0}`;
}

export abstract class ChildSandbox implements Sandbox {
  state: SandboxState = 'starting';
  private currentSpec: SandboxSpec;
  protected child: ChildProcess | null = null;
  private readonly api: RuntimeApiServer;
  private logs: string[] = [];
  private logBytes = 0;
  /** A multi-concurrent sandbox's output lines kept for invocations still in flight. */
  private readonly concurrentLogs = new ConcurrentLogs();
  private droppedBytes = 0;
  private deathListeners: (() => void)[] = [];
  /** Why the runtime died (`exit status 1`, `signal: killed`), once it has. */
  protected deathReason: string | null = null;
  /** Set by a level that can tell, when the death was a kill for exceeding the memory limit. */
  protected outOfMemory = false;
  private onExitDuringWork: ((reason: string) => void) | null = null;
  /** Each invocation out now hears of the runtime's death here. */
  private readonly exitWatchers = new Set<(reason: string) => void>();
  /** How many invocations may run at once (docs/multi-concurrency.md): the spec's, or 1 with extensions. */
  private limit = 1;
  /** Request ids of the invocations out now. */
  private readonly running = new Set<string>();
  private ready: { resolve: () => void; reject: (e: InvocationResult & { kind: 'error' }) => void } | null = null;
  private lastPeak = 0;
  /** `api.answers` when the peak was last read; -1: never. */
  private peakAnswers = -1;

  /**
   * The sandbox's memory peak so far (a high-water mark) for an invocation already answered:
   * read now, unless it was read after every answer received so far (then that read was taken
   * after this invocation's answer too, and is its high-water mark as much as a new one would
   * be). A multi-concurrent sandbox answers many invocations per read of its runtime's socket,
   * and the read (a syscall) was 5% of the server's main thread per invocation at concurrency
   * 64 (docs/performance.md, "Sixth pass").
   */
  peakNow(): number {
    const answers = this.api.answers;
    if (answers === this.peakAnswers) return this.lastPeak;
    this.peakAnswers = answers;
    this.lastPeak = Math.max(this.lastPeak, this.readPeakMemory());
    return this.lastPeak;
  }
  /** The Extensions and Telemetry APIs when the function has external extensions; null otherwise (and then nothing below costs anything). */
  protected ext: ExtensionsApi | null = null;
  /** The init duration, until the first invocation's platform.report carries it. */
  private initMsForReport: number | undefined;

  constructor(spec: SandboxSpec) {
    this.currentSpec = spec;
    this.api = new RuntimeApiServer({
      onReady: () => this.ready?.resolve(),
      onInitError: (o) => this.ready?.reject(o),
    });
  }

  get spec(): SandboxSpec {
    return this.currentSpec;
  }

  get id(): string {
    return this.currentSpec.id;
  }

  /**
   * Makes a started stem cell the sandbox of `spec` (stem.ts). Only the description changes: the
   * caller then hands the runtime its function through `invoke`, as stem.ts does.
   */
  protected adoptSpec(spec: SandboxSpec): void {
    this.currentSpec = spec;
  }

  /** Where the Runtime API listens: a loopback port, or a Unix socket the sandbox can reach. */
  protected abstract apiTarget(): { port: number } | { path: string };
  /** Starts the runtime process with `AWS_LAMBDA_RUNTIME_API` set to `apiAddress`. */
  protected abstract launch(apiAddress: string): Promise<ChildProcess>;
  /** Kills every process of the sandbox, grandchildren included. */
  protected abstract killTree(): void;
  /** Peak memory of the sandbox in bytes, or 0 when unknown. */
  protected abstract readPeakMemory(): number;
  /** Frees what `launch` created (scratch dirs, cgroups). Called once, after the tree is dead. */
  protected abstract release(): Promise<void>;
  /** How the runtime's death reads in `Runtime.ExitError`; a level whose launcher wraps the runtime translates here. */
  protected exitReasonFor(code: number | null, signal: NodeJS.Signals | null): string {
    return exitReason(code, signal);
  }

  async start(initTimeoutMs: number): Promise<InitReport> {
    const t0 = performance.now();
    let cancel: NodeJS.Timeout | undefined;
    let timeout: Promise<never> | null = null;
    const arm = (): Promise<never> => {
      timeout ??= new Promise<never>((_, reject) => {
        cancel = setTimeout(() => {
          reject(new SandboxInitError({ kind: 'timeout' }, this.takeLogs(), performance.now() - t0));
        }, initTimeoutMs);
      });
      timeout.catch(() => undefined);
      return timeout;
    };
    const initError = (e: unknown): unknown =>
      e instanceof ExtensionFailure ? new SandboxInitError(extensionResult(e), this.takeLogs(), performance.now() - t0) : e;
    try {
      const address = await this.api.listen(this.apiTarget());
      const names = this.spec.layers ? listExtensions(await this.spec.layers.dir()) : [];
      if (names.length > 0) this.useExtensions(names);
      // Extensions follow one invocation at a time (their INVOKE/next cycle): with them, so does the function.
      this.limit = this.ext ? 1 : Math.max(1, this.spec.maxConcurrency ?? 1);
      this.api.maxConcurrency = this.limit;
      const ready = new Promise<void>((resolve, reject) => {
        this.ready = {
          resolve,
          reject: (o) => reject(new SandboxInitError(o, this.takeLogs(), performance.now() - t0)),
        };
        this.onExitDuringWork = (reason) =>
          reject(new SandboxInitError({ kind: 'exit', reason }, this.takeLogs(), performance.now() - t0));
      });
      // With extensions the init timeout covers their start too (Lambda's init phase includes them).
      const child = this.ext ? await Promise.race([this.launch(address), arm()]) : await this.launch(address);
      const deadline = arm();
      this.child = child;
      child.stdout?.setEncoding('utf8').on('data', (s: string) => this.capture(s));
      child.stderr?.setEncoding('utf8').on('data', (s: string) => this.capture(s));
      child.once('exit', (code, signal) => this.died(this.exitReasonFor(code, signal)));
      child.once('error', (e) => this.died(`exec: ${e.message}`));
      try {
        // An extension that fails while the runtime waits for it to register (or starts) ends init at once.
        const extFailed = this.ext ? this.ext.initDone.then(() => new Promise<never>(() => undefined)) : null;
        await Promise.race(extFailed ? [ready, deadline, extFailed] : [ready, deadline]);
        const ext = this.ext;
        if (ext) {
          ext.telemetry.emit('platform', 'platform.initRuntimeDone', platformRecords.initRuntimeDone(this.spec, 'success'));
          // Init ends when every registered extension has asked for its next event, too.
          await Promise.race([ext.initDone, deadline]);
        }
      } finally {
        this.ready = null;
        this.onExitDuringWork = null;
      }
      if (this.state !== 'starting') throw new SandboxInitError({ kind: 'exit', reason: this.deathReason ?? 'disposed' }, this.takeLogs(), performance.now() - t0);
      const durationMs = performance.now() - t0;
      await new Promise<void>((r) => setImmediate(r));
      this.state = 'idle';
      let logs = this.takeLogs();
      if (this.ext) {
        this.ext.endInit();
        this.ext.telemetry.emit('platform', 'platform.initReport', platformRecords.initReport(this.spec, 'success', durationMs));
        this.initMsForReport = durationMs;
        // Lambda's log lists each extension after INIT_START.
        const json = this.spec.env['AWS_LAMBDA_LOG_FORMAT'] === 'JSON';
        const time = new Date().toISOString();
        logs =
          this.ext
            .summary()
            .map((e) =>
              json
                ? `${JSON.stringify({ time, type: 'platform.extension', record: { name: e.name, state: e.state, events: e.events } })}\n`
                : `EXTENSION\tName: ${e.name}\tState: ${e.state}\tEvents: [${e.events.join(',')}]\n`,
            )
            .join('') + logs;
      }
      return { durationMs, logs };
    } catch (caught) {
      const err = initError(caught);
      this.ext?.telemetry.emit('platform', 'platform.initReport', platformRecords.initReport(this.spec, 'error', performance.now() - t0, err instanceof SandboxInitError && err.result.kind === 'error' ? err.result.errorType : undefined));
      await this.dispose('failure');
      if (err instanceof SandboxInitError) throw err;
      throw new SandboxInitError(
        { kind: 'exit', reason: `exec: ${messageOf(err)}` },
        this.takeLogs(),
        performance.now() - t0,
      );
    } finally {
      clearTimeout(cancel);
    }
  }

  /** Serves the Extensions and Telemetry APIs for the external extensions `names` (docs/extensions.md). */
  private useExtensions(names: string[]): void {
    const env = this.spec.env;
    const ext = new ExtensionsApi({
      names,
      functionName: env['AWS_LAMBDA_FUNCTION_NAME'] ?? '',
      functionVersion: env['AWS_LAMBDA_FUNCTION_VERSION'] ?? '$LATEST',
      handler: this.spec.handler,
      accountId: this.spec.accountId ?? '',
      transport: this.telemetryTransport(),
    });
    ext.onFailure(() => {
      // A crash while idle ends the environment; a busy one is ended by its invocation.
      if (this.state === 'idle') void this.dispose('failure');
    });
    ext.telemetry.emit('platform', 'platform.initStart', platformRecords.initStart(this.spec));
    this.ext = ext;
    this.api.extensions = ext;
  }

  /** How telemetry reaches a listener on `sandbox.localdomain`: loopback here; a level with its own network overrides. */
  protected telemetryTransport(): TelemetryTransport {
    return loopbackTransport;
  }

  /** Output of an extension process: the function's log, and the Telemetry API's `extension` records. */
  protected extensionOutput(s: string): void {
    this.capture(s, true);
    this.ext?.telemetry.lines('extension', s);
  }

  async invoke(event: InvocationEvent): Promise<InvocationReport> {
    if (this.state !== 'idle' && !(this.state === 'busy' && this.running.size < this.limit)) {
      throw new Error(`sandbox ${this.id} is ${this.state}, not idle`);
    }
    if (this.deathReason !== null) {
      // Its runtime died while it was idle and it is still being torn down: the event never
      // reached it (the pool runs it on a fresh sandbox).
      await this.dispose();
      return { result: { kind: 'exit', reason: this.deathReason, beforeDelivery: true }, durationMs: 0, logs: this.takeLogs(), maxMemoryBytes: this.lastPeak };
    }
    this.state = 'busy';
    this.running.add(event.requestId);
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    let deadline: Deadline | undefined;
    let watcher: ((reason: string) => void) | undefined;
    const ext = this.ext;
    if (ext) {
      ext.telemetry.emit('platform', 'platform.start', platformRecords.start(this.spec, event));
      ext.invoke(event);
    }
    const outcome = await new Promise<RuntimeOutcome | { kind: 'timeout' } | { kind: 'exit'; reason: string; beforeDelivery?: boolean }>((resolve) => {
      // An extension that fails before the runtime answered fails the invocation (Extension.Crash, ...).
      ext?.invokeDone().then(undefined, (f: ExtensionFailure) => resolve(extensionResult(f)));
      watcher = (reason): void => resolve(this.api.undelivered(event.requestId) ? { kind: 'exit', reason, beforeDelivery: true } : { kind: 'exit', reason });
      this.exitWatchers.add(watcher);
      deadline = DEADLINES.add(event.deadlineMs, () => {
        // Timers run before I/O in Node's event loop: a server paused past the deadline (SIGSTOP,
        // a suspended VM) wakes with this timer and the runtime's answer both due, so the answer
        // gets the next poll phase first (and, after a long pause, a second to arrive whole: a
        // host that was paused is often busy catching up when it wakes).
        const paused = Date.now() - event.deadlineMs > PAUSE_MS;
        timer = setTimeout(() => resolve({ kind: 'timeout' }), paused ? PAUSE_MS : 0);
      });
      this.api.deliver(event).then(resolve, () => resolve({ kind: 'exit', reason: 'runtime API failed' }));
    });
    if (deadline) DEADLINES.remove(deadline);
    clearTimeout(timer);
    if (watcher) this.exitWatchers.delete(watcher);
    const durationMs = performance.now() - t0;
    const result: InvocationResult = outcome.kind === 'exit' && this.outOfMemory ? { ...outcome, outOfMemory: true } : outcome;
    const failedByExtension = outcome.kind === 'error' && outcome.errorType.startsWith('Extension.') && ext?.failed === true;
    if (outcome.kind === 'timeout' && this.limit > 1) {
      // A multi-concurrent sandbox outlives one invocation's timeout (killing it would fail the
      // others): the invocation is forgotten, and its loop's late answer is dropped.
      this.api.abandon(event.requestId);
      this.running.delete(event.requestId);
      if (this.running.size === 0 && this.state === 'busy') this.state = 'idle';
      return { result, durationMs, logs: this.takeLogsFor(event.requestId), maxMemoryBytes: this.lastPeak };
    }
    if (outcome.kind === 'timeout' || outcome.kind === 'exit' || failedByExtension) {
      this.running.delete(event.requestId);
      this.api.abandon();
      const ending = this.dispose(outcome.kind === 'timeout' ? 'timeout' : 'failure');
      // Extensions' Shutdown (up to 2 s) must not hold the caller's answer back.
      if (!ext) await ending;
      // A level that measures a whole cgroup keeps its final peak past dispose (an OOM kill's peak is the limit).
      this.lastPeak = Math.max(this.lastPeak, this.readPeakMemory());
    } else {
      // Output written before the runtime posted its result may still sit in the pipe: the
      // poll phase that delivered the POST has the pipe's readiness too, so one turn drains it.
      await checkPhase();
      this.running.delete(event.requestId);
      if (this.state === 'busy' && !ext && this.running.size === 0) this.state = 'idle';
      // The peak is read when the REPORT line is written, after the caller's answer went out, in
      // the same turn of the event loop. A call queued for this sandbox may have been handed to it
      // by then, but its runtime has had no time to run: the figure is this invocation's high-water
      // mark, as before. With extensions it is read now, for platform.report.
      if (!ext) return new WarmReport(result, durationMs, this.takeLogsFor(event.requestId), this);
      this.lastPeak = Math.max(this.lastPeak, this.readPeakMemory());
    }
    const report: InvocationReport = { result, durationMs, logs: this.takeLogsFor(event.requestId), maxMemoryBytes: this.lastPeak };
    if (ext) {
      ext.telemetry.emit('platform', 'platform.runtimeDone', platformRecords.runtimeDone(event, outcome, durationMs));
      if (this.disposed) {
        // The environment is ending (timeout, crash): no post-invoke phase, the report is final.
        ext.telemetry.emit('platform', 'platform.report', platformRecords.report(this.spec, event, statusOf(outcome), durationMs, this.lastPeak, this.initMsForReport));
      } else report.after = this.afterInvoke(ext, event, t0, outcome);
    }
    return report;
  }

  /**
   * The Invoke phase's end with extensions: the sandbox stays busy until each extension has
   * called `next` again; the deadline still holds (the sandbox is killed past it), and the
   * duration includes this time, as Lambda's REPORT does.
   */
  private async afterInvoke(ext: ExtensionsApi, event: InvocationEvent, t0: number, outcome: InvocationResult): Promise<AfterInvoke> {
    let timer: NodeJS.Timeout | undefined;
    let failure: AfterInvoke['failure'];
    if (this.state === 'busy') {
      const ended = await Promise.race([
        ext.invokeDone().then(
          () => null,
          (f: ExtensionFailure) => ({ status: 'failure' as const, errorType: f.errorType }),
        ),
        new Promise<{ status: 'timeout'; errorType: string }>((r) => {
          timer = setTimeout(() => r({ status: 'timeout', errorType: 'Sandbox.Timedout' }), Math.max(0, event.deadlineMs - Date.now()));
        }),
      ]);
      clearTimeout(timer);
      if (ended) {
        failure = ended;
        await this.dispose(ended.status);
      }
    }
    await new Promise<void>((r) => setImmediate(r));
    const durationMs = performance.now() - t0;
    this.lastPeak = Math.max(this.lastPeak, this.readPeakMemory());
    const status = failure ?? statusOf(outcome);
    ext.telemetry.emit('platform', 'platform.report', platformRecords.report(this.spec, event, status, durationMs, this.lastPeak, this.initMsForReport));
    this.initMsForReport = undefined;
    if (this.state === 'busy') this.state = 'idle';
    return { durationMs, logs: this.takeLogs(), ...(failure ? { failure } : {}) };
  }

  onDeath(listener: () => void): void {
    if (this.state === 'dead') queueMicrotask(listener);
    else this.deathListeners.push(listener);
  }

  private disposing: Promise<void> | null = null;

  /** Whether `dispose` has begun: a launch still under way must not start anything more. */
  protected get disposed(): boolean {
    return this.disposing !== null;
  }

  /** `reason`: what extensions subscribed to SHUTDOWN are told (docs/extensions.md). */
  dispose(reason: 'spindown' | 'timeout' | 'failure' = 'spindown'): Promise<void> {
    this.disposing ??= (async () => {
      // Extensions get SHUTDOWN and up to 2 s to finish while the runtime still runs (not after it
      // died, nor when init failed).
      if (this.ext && this.deathReason === null && this.child && this.state !== 'starting') await this.ext.shutdown(reason, SHUTDOWN_GRACE_MS);
      if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
        const exited = new Promise<void>((r) => this.child!.once('exit', () => r()));
        this.killTree();
        await exited;
      } else if (this.ext) {
        // Extensions may run without a runtime yet (init failed before it started).
        this.killTree();
      }
      this.api.close();
      if (this.ext) {
        this.ext.close();
        // What the extensions wrote during Shutdown belongs to the function's log, as on Lambda.
        const rest = this.takeLogs();
        if (rest !== '' && this.state !== 'starting') this.spec.onLogs?.(rest);
      }
      await this.release();
      this.markDead();
    })();
    return this.disposing;
  }

  private died(reason: string): void {
    if (this.deathReason !== null) return;
    this.deathReason = reason;
    // Whatever else the runtime started must not outlive it.
    this.killTree();
    this.onExitDuringWork?.(reason);
    for (const w of [...this.exitWatchers]) w(reason);
    void this.dispose();
  }

  private markDead(): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    const listeners = this.deathListeners;
    this.deathListeners = [];
    for (const l of listeners) l();
  }

  private capture(s: string, fromExtension = false): void {
    if (this.ext !== null && !fromExtension) this.ext.telemetry.lines('function', s);
    const n = Buffer.byteLength(s);
    if (this.logBytes + n > MAX_LOG_BYTES) {
      this.droppedBytes += n;
      return;
    }
    this.logs.push(s);
    this.logBytes += n;
  }

  /**
   * The output of invocation `requestId`. One at a time, that is all the output since the last
   * call. In a multi-concurrent sandbox the output is shared: whole lines that name another
   * invocation still out (the runtimes tag each line with its request id) stay for that one,
   * the rest goes to this one; the last one out takes everything left.
   */
  private takeLogsFor(requestId: string): string {
    if (this.limit === 1 || this.running.size === 0) return this.takeLogs();
    const { mine, rest } = this.concurrentLogs.take(this.logs.join(''), requestId, this.running);
    this.logs = rest ? [rest] : [];
    this.logBytes = Buffer.byteLength(rest) + this.concurrentLogs.bytes;
    return mine;
  }

  /** Returns and clears the output captured since the last call. */
  private takeLogs(): string {
    // Lines kept for invocations of a multi-concurrent sandbox were written before the rest.
    let out = this.concurrentLogs.drain() + this.logs.join('');
    if (this.droppedBytes) out += `\n[nimbus: ${this.droppedBytes} bytes of output dropped; the limit is ${MAX_LOG_BYTES} per invocation]\n`;
    this.logs = [];
    this.logBytes = 0;
    this.droppedBytes = 0;
    return out;
  }
}
