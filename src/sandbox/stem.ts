/**
 * Stem cells: sandboxes started ahead of demand, running a runtime's bootstrap with everything
 * set up except the function (docs/sandbox-lifecycle.md). A cold start that finds one ready skips
 * the process and container start-up: the host gives the cell the function's code and limits,
 * then hands the runtime its environment as the first event (the "assignment"); the runtime loads
 * the handler and answers. A cell serves exactly one function version for the rest of its life.
 *
 * This file holds what every isolation level shares: which sandboxes may take a cell, the pool of
 * ready cells with its background refill, and the assignment exchange.
 */
import { randomBytes } from 'node:crypto';
import { messageOf } from '../core/errors.js';
import type { RuntimeDescriptor } from '../runtimes/types.js';
import { PLATFORM_ENV } from '../runtimes/env.js';
import { SandboxInitError, type InitReport, type Sandbox, type SandboxSpec } from './types.js';

/** Set in a stem cell's environment: the bootstrap waits for its assignment before loading a handler. */
export const STEM_VARIABLE = 'NIMBUS_STEM_CELL';

/** Families whose Nimbus bootstrap understands the assignment (guest/node/src/bootstrap.mts, guest/python/nimbus_lambda/loop.py). */
export const STEM_FAMILIES: ReadonlySet<RuntimeDescriptor['family']> = new Set(['nodejs', 'python']);

/**
 * Variables a runtime or its loader reads once, when the process starts (Node's and Python's
 * options and module paths, the dynamic loader, glibc's allocator and locale, OpenSSL). Setting
 * them later has no effect, so a function whose value differs from a stem cell's must start normally.
 */
const STARTUP_VARIABLE = /^(NODE_|UV_|PYTHON|LD_|MALLOC_|GLIBC_|OPENSSL_|SSL_CERT_|LC_)|^(LANG|LANGUAGE|AWS_LAMBDA_EXEC_WRAPPER)$/;

/** Idle wait before a refill: the cold start that took the cell goes first. */
const REFILL_DELAY_MS = 100;
/**
 * Cells that fail to start this many times in a row rest their family (with a warning), then try
 * again after a pause that doubles each time, up to 10 minutes: a host without the runtime (no
 * python3) costs next to nothing, and a passing fault (a full disk) heals itself.
 */
const MAX_FAILURES = 3;
const FIRST_REST_MS = 30_000;
const LONGEST_REST_MS = 600_000;
const CELL_START_TIMEOUT_MS = 30_000;

/** The runtime a family's stem cells start (its interpreter decides which functions they fit). */
export function stemRuntimeOf(d: RuntimeDescriptor): string {
  return d.stemRuntime?.() ?? d.ids[0] ?? d.family;
}

/** A stem cell's environment before its assignment: the platform's defaults and nothing of any function. */
export function stemEnvironment(): Record<string, string> {
  return { ...PLATFORM_ENV, [STEM_VARIABLE]: '1' };
}

/** Whether a function's variables can be applied after the runtime started (see STARTUP_VARIABLE). */
export function startupEnvMatches(env: Readonly<Record<string, string>>, cellEnv: Readonly<Record<string, string>>): boolean {
  for (const k of new Set([...Object.keys(env), ...Object.keys(cellEnv)])) {
    if (STARTUP_VARIABLE.test(k) && env[k] !== cellEnv[k]) return false;
  }
  return true;
}

/** A started, unassigned sandbox that can become the sandbox of one function version. */
export interface StemCell extends Sandbox {
  /** Whether the cell can take `spec` now: the runtime matches and everything the spec asks can be applied to a running cell. */
  fits(spec: SandboxSpec): boolean;
  /**
   * Makes the cell the sandbox of `spec`, for good. Its `start()` then applies the function's
   * code and limits and loads the handler, and it reports `spec.id` as its id.
   */
  adopt(spec: SandboxSpec): Sandbox;
  /** Whether the cell was started with host paths its runtime no longer has (an SDK installed since): it is replaced. */
  stale?(): boolean;
}

export interface StemPoolOptions {
  /** Cells kept ready per family; 0 disables the pool. */
  size: number;
  /** The runtimes that get cells (one pool per family; families outside STEM_FAMILIES are ignored). */
  descriptors: readonly RuntimeDescriptor[];
  /** Creates an unstarted cell for `descriptor`. */
  make(descriptor: RuntimeDescriptor, id: string): StemCell;
  warn(message: string): void;
}

/**
 * Keeps `size` started cells per family. Refills one cell at a time per family, after a short
 * delay, so that starting cells competes as little as possible with real work.
 */
export class StemPool {
  private readonly ready = new Map<string, StemCell[]>();
  private readonly filling = new Set<string>();
  /** Cells being started now: closing disposes them too. */
  private readonly starting = new Set<StemCell>();
  /** The families that get cells: settled at the first fill (see families()). */
  private descriptors: RuntimeDescriptor[] | null = null;
  /** Consecutive failed starts per family; at MAX_FAILURES the family rests (see MAX_FAILURES). */
  private readonly failures = new Map<string, number>();
  /** Families resting after repeated failures: until when, and how many rests in a row. */
  private readonly resting = new Map<string, { until: number; rounds: number; timer: NodeJS.Timeout }>();
  private closed = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: StemPoolOptions) {}

  /**
   * The families that get cells. A family with no runtime available here gets none (they could
   * only fail to start). Asked at the first fill, not at construction: knowing which runtimes are
   * available means probing interpreters, which a server does after it listens (catalog.ts).
   */
  private families(): RuntimeDescriptor[] {
    if (!this.descriptors) {
      const seen = new Set<string>();
      this.descriptors = this.opts.descriptors.filter(
        (d) => STEM_FAMILIES.has(d.family) && !seen.has(d.family) && seen.add(d.family) && d.stemRuntime?.() !== null,
      );
      for (const d of this.descriptors) this.ready.set(d.family, []);
    }
    return this.descriptors;
  }

  /** Cells ready now, per family (for diagnostics and tests). */
  readyCount(family: string): number {
    return this.ready.get(family)?.length ?? 0;
  }

  /** Starts cells until every family has `size` ready (in the background). */
  fill(): void {
    if (this.closed || this.opts.size <= 0) return;
    for (const d of this.families()) if (!this.filling.has(d.family) && !this.gaveUp(d.family)) void this.fillFamily(d);
  }

  /** Waits until every family has its cells (tests and benchmarks), through rests, up to `timeoutMs`. */
  async whenFull(timeoutMs = 30_000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end && !this.closed) {
      // Before the first fill nothing is known, not even which families get cells.
      if (this.descriptors?.every((d) => this.readyCount(d.family) >= this.opts.size)) return true;
      await new Promise((r) => setTimeout(r, 10));
    }
    return false;
  }

  /** A ready cell that fits `spec`, removed from the pool, or null. */
  take(spec: SandboxSpec): StemCell | null {
    // A multi-concurrent runtime starts its loops at launch (docs/multi-concurrency.md): a cell started with one cannot serve it.
    if ((spec.maxConcurrency ?? 1) > 1) return null;
    // A container image brings its own root and runtime: no stem cell can become it.
    if (spec.image) return null;
    const cells = this.ready.get(spec.descriptor.family);
    if (!cells) return null;
    // Cells started before the runtime's SDK was installed are replaced by ones that see it.
    for (let j = cells.length - 1; j >= 0; j--) {
      const c = cells[j]!;
      if (c.state === 'idle' && c.stale?.()) {
        cells.splice(j, 1);
        void c.dispose().catch(() => undefined);
        this.scheduleFill();
      }
    }
    const i = cells.findIndex((c) => c.state === 'idle' && c.fits(spec));
    if (i < 0) return null;
    const [cell] = cells.splice(i, 1);
    this.scheduleFill();
    return cell!;
  }

  /** Stops refilling and disposes the ready cells. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const r of this.resting.values()) clearTimeout(r.timer);
    const cells = [...this.ready.values()].flat().concat([...this.starting]);
    this.ready.clear();
    await Promise.all(cells.map((c) => c.dispose()));
  }

  private gaveUp(family: string): boolean {
    const r = this.resting.get(family);
    return r !== undefined && Date.now() < r.until;
  }

  /** Counts a failed start; the MAX_FAILURES-th in a row rests the family, with a warning. */
  private failed(family: string, why: string): void {
    const n = (this.failures.get(family) ?? 0) + 1;
    if (n < MAX_FAILURES) return void this.failures.set(family, n);
    this.failures.delete(family);
    const rounds = (this.resting.get(family)?.rounds ?? 0) + 1;
    const pause = Math.min(FIRST_REST_MS * 2 ** (rounds - 1), LONGEST_REST_MS);
    const rest = { until: Date.now() + pause, rounds, timer: setTimeout(() => {
      // The rest is over: not a clock comparison, which a timer firing a millisecond early would fail.
      rest.until = 0;
      this.fill();
    }, pause) };
    rest.timer.unref();
    this.resting.set(family, rest);
    // Said when a rest begins: a host without the runtime fails every time, once per rest.
    this.opts.warn(`${family} stem cells failed to start ${MAX_FAILURES} times; the last: ${why}. Trying again in ${Math.round(pause / 1000)} s.`);
  }

  private scheduleFill(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fill();
    }, REFILL_DELAY_MS);
    this.timer.unref();
  }

  private async fillFamily(d: RuntimeDescriptor): Promise<void> {
    this.filling.add(d.family);
    try {
      const cells = this.ready.get(d.family)!;
      while (!this.closed && cells.length < this.opts.size && !this.gaveUp(d.family)) {
        let cell: StemCell;
        try {
          cell = this.opts.make(d, `stem${randomBytes(12).toString('hex')}`);
        } catch (e) {
          // A cell that cannot even be made is a failed start: never an unhandled rejection.
          this.failed(d.family, messageOf(e));
          continue;
        }
        this.starting.add(cell);
        try {
          await cell.start(CELL_START_TIMEOUT_MS);
        } catch (e) {
          // Closing kills the cell being started: that is no failure.
          if (this.closed) return;
          this.failed(d.family, e instanceof SandboxInitError ? `${e.message} ${e.logs}`.trim() : String(e));
          continue;
        } finally {
          this.starting.delete(cell);
        }
        this.failures.delete(d.family);
        this.resting.delete(d.family);
        if (this.closed) {
          await cell.dispose();
          return;
        }
        cells.push(cell);
        // A cell that dies while waiting leaves the pool and is replaced.
        cell.onDeath(() => {
          const i = cells.indexOf(cell);
          if (i >= 0) {
            cells.splice(i, 1);
            this.scheduleFill();
          }
        });
      }
    } finally {
      this.filling.delete(d.family);
    }
  }
}

/**
 * Hands an adopted cell its function: `env` is the runtime's whole environment as a normal start
 * would have set it. Resolves like `Sandbox.start`; on any failure the cell is disposed.
 */
export async function assignFunction(
  cell: Pick<Sandbox, 'invoke' | 'dispose'>,
  env: Record<string, string>,
  initTimeoutMs: number,
): Promise<InitReport> {
  const report = await cell.invoke({
    requestId: `nimbus-assignment-${randomBytes(8).toString('hex')}`,
    payload: Buffer.from(JSON.stringify(env)),
    deadlineMs: Date.now() + initTimeoutMs,
    invokedFunctionArn: '',
  });
  const r = report.result;
  if (r.kind === 'response') return { durationMs: report.durationMs, logs: report.logs };
  await cell.dispose();
  if (r.kind === 'error' || r.kind === 'timeout' || r.kind === 'exit') throw new SandboxInitError(r, report.logs, report.durationMs);
  throw new SandboxInitError({ kind: 'exit', reason: 'the runtime answered its assignment with too large a body' }, report.logs, report.durationMs);
}
