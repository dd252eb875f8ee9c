/**
 * What every process-backed sandbox shares: the per-sandbox Runtime API server, the init and
 * invocation state machine, deadlines, log capture from stdout/stderr and exit accounting.
 * Isolation levels differ only in how they launch the process, kill its tree and measure memory.
 */
import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { RuntimeApiServer, type RuntimeOutcome } from './runtime-api.js';
import {
  SandboxInitError,
  type InitReport,
  type InvocationEvent,
  type InvocationReport,
  type InvocationResult,
  type Sandbox,
  type SandboxSpec,
  type SandboxState,
} from './types.js';
import { messageOf } from '../core/errors.js';

/** A deadline timer this late means the server itself was not running (paused), not the function overrunning. */
const PAUSE_MS = 1_000;

/** Output kept per invocation; beyond it the log says how much was dropped. */
const MAX_LOG_BYTES = 1024 * 1024;

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
  private droppedBytes = 0;
  private deathListeners: (() => void)[] = [];
  /** Why the runtime died (`exit status 1`, `signal: killed`), once it has. */
  protected deathReason: string | null = null;
  /** Set by a level that can tell, when the death was a kill for exceeding the memory limit. */
  protected outOfMemory = false;
  private onExitDuringWork: ((reason: string) => void) | null = null;
  private ready: { resolve: () => void; reject: (e: InvocationResult & { kind: 'error' }) => void } | null = null;
  private lastPeak = 0;

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
    try {
      const address = await this.api.listen(this.apiTarget());
      const ready = new Promise<void>((resolve, reject) => {
        this.ready = {
          resolve,
          reject: (o) => reject(new SandboxInitError(o, this.takeLogs(), performance.now() - t0)),
        };
        this.onExitDuringWork = (reason) =>
          reject(new SandboxInitError({ kind: 'exit', reason }, this.takeLogs(), performance.now() - t0));
      });
      const child = await this.launch(address);
      this.child = child;
      child.stdout?.setEncoding('utf8').on('data', (s: string) => this.capture(s));
      child.stderr?.setEncoding('utf8').on('data', (s: string) => this.capture(s));
      child.once('exit', (code, signal) => this.died(this.exitReasonFor(code, signal)));
      child.once('error', (e) => this.died(`exec: ${e.message}`));
      let cancel: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        cancel = setTimeout(() => {
          reject(new SandboxInitError({ kind: 'timeout' }, this.takeLogs(), performance.now() - t0));
        }, initTimeoutMs);
      });
      try {
        await Promise.race([ready, timeout]);
      } finally {
        clearTimeout(cancel);
        this.ready = null;
        this.onExitDuringWork = null;
      }
      if (this.state !== 'starting') throw new SandboxInitError({ kind: 'exit', reason: this.deathReason ?? 'disposed' }, this.takeLogs(), performance.now() - t0);
      const durationMs = performance.now() - t0;
      await new Promise<void>((r) => setImmediate(r));
      this.state = 'idle';
      return { durationMs, logs: this.takeLogs() };
    } catch (err) {
      await this.dispose();
      if (err instanceof SandboxInitError) throw err;
      throw new SandboxInitError(
        { kind: 'exit', reason: `exec: ${messageOf(err)}` },
        this.takeLogs(),
        performance.now() - t0,
      );
    }
  }

  async invoke(event: InvocationEvent): Promise<InvocationReport> {
    if (this.state !== 'idle') throw new Error(`sandbox ${this.id} is ${this.state}, not idle`);
    if (this.deathReason !== null) {
      // Its runtime died while it was idle and it is still being torn down: the event never
      // reached it (the pool runs it on a fresh sandbox).
      await this.dispose();
      return { result: { kind: 'exit', reason: this.deathReason, beforeDelivery: true }, durationMs: 0, logs: this.takeLogs(), maxMemoryBytes: this.lastPeak };
    }
    this.state = 'busy';
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await new Promise<RuntimeOutcome | { kind: 'timeout' } | { kind: 'exit'; reason: string; beforeDelivery?: boolean }>((resolve) => {
      this.onExitDuringWork = (reason) => resolve(this.api.undelivered ? { kind: 'exit', reason, beforeDelivery: true } : { kind: 'exit', reason });
      timer = setTimeout(() => {
        // Timers run before I/O in Node's event loop: a server paused past the deadline (SIGSTOP,
        // a suspended VM) wakes with this timer and the runtime's answer both due, so the answer
        // gets the next poll phase first (and, after a long pause, 100 ms to arrive whole).
        const paused = Date.now() - event.deadlineMs > PAUSE_MS;
        timer = setTimeout(() => resolve({ kind: 'timeout' }), paused ? 100 : 0);
      }, Math.max(0, event.deadlineMs - Date.now()));
      this.api.deliver(event).then(resolve, () => resolve({ kind: 'exit', reason: 'runtime API failed' }));
    });
    clearTimeout(timer);
    this.onExitDuringWork = null;
    const durationMs = performance.now() - t0;
    const result: InvocationResult = outcome.kind === 'exit' && this.outOfMemory ? { ...outcome, outOfMemory: true } : outcome;
    if (outcome.kind === 'timeout' || outcome.kind === 'exit') {
      this.api.abandon();
      await this.dispose();
      // A level that measures a whole cgroup keeps its final peak past dispose (an OOM kill's peak is the limit).
      this.lastPeak = Math.max(this.lastPeak, this.readPeakMemory());
    } else {
      // Output written before the runtime posted its result may still sit in the pipe: the
      // poll phase that delivered the POST has the pipe's readiness too, so one turn drains it.
      await new Promise<void>((r) => setImmediate(r));
      this.lastPeak = Math.max(this.lastPeak, this.readPeakMemory());
      if (this.state === 'busy') this.state = 'idle';
    }
    return { result, durationMs, logs: this.takeLogs(), maxMemoryBytes: this.lastPeak };
  }

  onDeath(listener: () => void): void {
    if (this.state === 'dead') queueMicrotask(listener);
    else this.deathListeners.push(listener);
  }

  private disposing: Promise<void> | null = null;

  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
        const exited = new Promise<void>((r) => this.child!.once('exit', () => r()));
        this.killTree();
        await exited;
      }
      this.api.close();
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
    void this.dispose();
  }

  private markDead(): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    const listeners = this.deathListeners;
    this.deathListeners = [];
    for (const l of listeners) l();
  }

  private capture(s: string): void {
    const n = Buffer.byteLength(s);
    if (this.logBytes + n > MAX_LOG_BYTES) {
      this.droppedBytes += n;
      return;
    }
    this.logs.push(s);
    this.logBytes += n;
  }

  /** Returns and clears the output captured since the last call. */
  private takeLogs(): string {
    let out = this.logs.join('');
    if (this.droppedBytes) out += `\n[nimbus: ${this.droppedBytes} bytes of output dropped; the limit is ${MAX_LOG_BYTES} per invocation]\n`;
    this.logs = [];
    this.logBytes = 0;
    this.droppedBytes = 0;
    return out;
  }
}
