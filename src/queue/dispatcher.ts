/**
 * Delivery: takes due events from the durable queue, runs each attempt, and writes what follows
 * (done, retry later, failed with its destinations) back in batched transactions. At least once:
 * an event leaves the queue only when an attempt's end is committed, so a crash at any point
 * means the event runs again, with the same request id.
 *
 * Time and timers come from the injected clock; `setImmediate` is used only to batch work that
 * is due now.
 */
import type { Clock } from '../core/clock.js';
import type { Scope } from '../core/model.js';
import { deadLetterAttributes, deliver, invocationRecord } from './records.js';
import { decide, expired, type AttemptOutcome, type EffectiveConfig, type Next } from './retry.js';
import type { AsyncEvent, Condition, EventQueue, Settlement } from './types.js';
import { SerialPass } from './serial.js';

/** Attempts in flight at once across all functions (each one holds a sandbox). */
const DEFAULT_MAX_IN_FLIGHT = 16;
/** Finished events stay listed by `nimbus events` this long. */
const DEFAULT_RETENTION_MS = 24 * 3600_000;
const PRUNE_EVERY_MS = 60_000;
/** After a failed queue read or write (for example a full disk), try again after this long. */
const STORAGE_RETRY_MS = 1_000;

export interface DispatcherDeps {
  queue: EventQueue;
  clock: Clock;
  /** Runs one attempt of an event (with the event's request id). */
  attempt: (ev: AsyncEvent) => Promise<AttemptOutcome>;
  /** The event's EventInvokeConfig, defaults applied, read at each attempt. */
  config: (ev: AsyncEvent) => Promise<EffectiveConfig>;
  /**
   * The function's reserved concurrency, when it has one. 0 sends events straight to failure
   * handling without running them, as Lambda does. The concurrency issue plugs in here.
   */
  reservedConcurrency?: (scope: Scope, functionName: string) => number | undefined;
  /** Called once results that hand messages on (to the outbox, outbox.ts) are committed. */
  onHandedOn?: () => void;
  /** Writes a line about each attempt into the function's log (`nimbus logs`). */
  appendLog?: (ev: AsyncEvent, text: string) => void;
  log?: (line: string) => void;
  maxInFlight?: number;
  retentionMs?: number;
}

export class Dispatcher {
  private readonly running = new Set<Promise<void>>();
  private settlements: Settlement[] = [];
  private settleScheduled = false;
  private tickScheduled = false;
  private readonly ticks = new SerialPass(() => this.tickOnce(), () => this.closing);
  private cancelTimer: (() => void) | null = null;
  private closing = false;
  private closed = false;
  private lastPrune = -Infinity;
  private readonly maxInFlight: number;

  constructor(private readonly deps: DispatcherDeps) {
    this.maxInFlight = deps.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  }

  /** Puts events a crash left running back in line, then starts delivering. */
  async start(): Promise<void> {
    const n = await this.deps.queue.requeueRunning(this.deps.clock.now());
    if (n > 0) this.deps.log?.(`queue: ${n} event(s) were running when Nimbus stopped; they run again`);
    this.wake();
  }

  /** Looks for due work soon (new events were committed, a retry fell due). */
  wake(): void {
    if (this.closing || this.tickScheduled) return;
    this.tickScheduled = true;
    setImmediate(async () => {
      this.tickScheduled = false;
      await this.tick();
    });
  }

  get inFlight(): number {
    return this.running.size;
  }

  /** One tick at a time (SerialPass); a tick asked for meanwhile runs right after. */
  private tick(): Promise<void> {
    return this.ticks.run();
  }

  private async tickOnce(): Promise<void> {
    if (this.closing) return;
    const now = this.deps.clock.now();
    let claimed: AsyncEvent[];
    try {
      claimed = await this.deps.queue.claim(now, this.maxInFlight - this.running.size);
      if (now - this.lastPrune >= PRUNE_EVERY_MS) {
        this.lastPrune = now;
        await this.deps.queue.prune(now - (this.deps.retentionMs ?? DEFAULT_RETENTION_MS));
      }
    } catch (e) {
      this.deps.log?.(`queue: cannot read due events: ${(e as Error).message}`);
      this.arm(now + STORAGE_RETRY_MS);
      return;
    }
    for (const ev of claimed) {
      const p = this.run(ev).finally(() => this.running.delete(p));
      this.running.add(p);
    }
    this.arm(this.running.size < this.maxInFlight ? await this.deps.queue.nextDueAt() : undefined);
  }

  /** Sets the timer for the next due event; at capacity, finishing attempts wake the dispatcher instead. */
  private arm(at: number | undefined): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    if (at === undefined || this.closing) return;
    const delay = at - this.deps.clock.now();
    if (delay <= 0) this.wake();
    else this.cancelTimer = this.deps.clock.setTimer(delay, () => this.wake());
  }

  private async run(ev: AsyncEvent): Promise<void> {
    const cfg = await this.deps.config(ev);
    let outcome: AttemptOutcome | undefined;
    let next: Next;
    const start = this.deps.clock.now();
    if (expired(ev, cfg, start)) {
      next = this.failed(ev, 'EventAgeExceeded', start);
    } else if (this.deps.reservedConcurrency?.(ev, ev.functionName) === 0) {
      next = this.failed(ev, 'RetriesExhausted', start, 'Reserved concurrency is 0: the event goes straight to failure handling.');
    } else {
      try {
        outcome = await this.deps.attempt(ev);
      } catch (e) {
        outcome = { kind: 'system-error', message: (e as Error).message };
      }
      const now = this.deps.clock.now();
      if (this.closing && outcome.kind !== 'success') {
        // Stopped mid-attempt: the event goes back in line without using up a retry.
        next = {
          status: 'retrying',
          attempts: ev.attempts,
          functionErrors: ev.functionErrors,
          throttles: ev.throttles,
          notBefore: now,
          condition: undefined,
          lastError: 'Interrupted by a Nimbus shutdown',
        };
      } else {
        // A retry is never set later than the event's age limit; at that point it fails as EventAgeExceeded.
        next = decide(ev, outcome, cfg, now);
      }
    }
    const now = this.deps.clock.now();
    const settlement: Settlement = {
      id: ev.id,
      status: next.status,
      attempts: next.attempts,
      functionErrors: next.functionErrors,
      throttles: next.throttles,
      notBefore: next.notBefore,
      lastError: next.lastError,
      condition: next.condition,
      finishedAt: next.status === 'succeeded' || next.status === 'failed' ? now : undefined,
      events: [],
      messages: [],
    };
    if (next.condition) this.route(ev, cfg, next.condition, next.attempts, outcome, settlement, now);
    this.deps.appendLog?.(ev, attemptLine(ev, outcome, next, now));
    this.settlements.push(settlement);
    if (!this.settleScheduled) {
      this.settleScheduled = true;
      setImmediate(async () => await this.flushSettlements());
    }
  }

  private failed(ev: AsyncEvent, condition: Condition, now: number, why?: string): Next {
    return {
      status: 'failed',
      attempts: ev.attempts - 1,
      functionErrors: ev.functionErrors,
      throttles: ev.throttles,
      notBefore: now,
      condition,
      lastError: why ?? (condition === 'EventAgeExceeded' ? 'The event is older than MaximumEventAgeInSeconds' : ev.lastError),
    };
  }

  /** Adds the destination record and the dead letter to the settlement (one transaction with it). */
  private route(ev: AsyncEvent, cfg: EffectiveConfig, condition: Condition, count: number, outcome: AttemptOutcome | undefined, s: Settlement, now: number): void {
    const target = condition === 'Success' ? cfg.onSuccess : cfg.onFailure;
    if (target) {
      const d = deliver(target, JSON.stringify(invocationRecord(ev, condition, count, outcome, now)), {}, now, ev);
      s.events.push(...d.events);
      s.messages.push(...d.messages);
    }
    if (condition !== 'Success' && cfg.deadLetter) {
      const d = deliver(cfg.deadLetter, ev.payload.toString('utf8'), deadLetterAttributes(ev, outcome, condition), now, ev);
      s.events.push(...d.events);
      s.messages.push(...d.messages);
    }
  }

  private async flushSettlements(): Promise<void> {
    this.settleScheduled = false;
    if (this.settlements.length === 0 || this.closed) return;
    const batch = this.settlements;
    this.settlements = [];
    try {
      await this.deps.queue.settle(batch);
    } catch (e) {
      // Not written: the events stay `running` in the queue and run again after a restart; keep
      // trying now so that they do not wait for one.
      this.deps.log?.(`queue: cannot record ${batch.length} attempt result(s): ${(e as Error).message}`);
      this.settlements.unshift(...batch);
      this.settleScheduled = true;
      this.deps.clock.setTimer(STORAGE_RETRY_MS, async () => await this.flushSettlements());
      return;
    }
    if (batch.some((s) => s.messages.length > 0)) this.deps.onHandedOn?.();
    this.wake();
  }

  /**
   * Stops taking new events and waits up to `graceMs` for running attempts. Call `finish` after
   * the pool is closed: attempts cut short then go back in line.
   */
  async drain(graceMs: number): Promise<void> {
    this.closing = true;
    this.cancelTimer?.();
    if (this.running.size === 0) return;
    let t: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.running]), new Promise((r) => (t = setTimeout(r, graceMs)))]);
    clearTimeout(t);
  }

  /** Waits for the last attempts, records every result, and re-queues whatever is still marked running. */
  async finish(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.running]);
    await this.flushSettlements();
    this.closed = true;
    try {
      await this.deps.queue.requeueRunning(this.deps.clock.now());
    } catch (e) {
      this.deps.log?.(`queue: cannot re-queue running events (they run after the restart): ${(e as Error).message}`);
    }
  }
}

/** The line each attempt adds to the function's log, next to its START/END/REPORT lines. */
export function attemptLine(ev: AsyncEvent, outcome: AttemptOutcome | undefined, next: Next, now: number): string {
  const what = outcome ? outcome.kind : 'not run';
  let then: string;
  if (next.status === 'retrying') then = `retry in ${((next.notBefore - now) / 1000).toFixed(1)} s`;
  else if (next.status === 'succeeded') then = 'done';
  else then = `failed (${next.condition ?? next.lastError ?? 'dropped'})`;
  return `ASYNC RequestId: ${ev.id} Attempt: ${Math.max(ev.attempts, 1)} Outcome: ${what} Next: ${then}\n`;
}
