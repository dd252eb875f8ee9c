/**
 * Fires schedules into the durable queue. A run is enqueued and the schedule moved to its next
 * slot in one transaction, so a slot never fires twice, whatever crashes.
 *
 * Runs missed while Nimbus was down are coalesced: at start-up a schedule whose slot passed fires
 * once (its event's `time` is the latest missed slot), the number skipped is counted in
 * `missed`, and it carries on from the next future slot. That is what EventBridge users expect
 * from an outage (no burst of catch-up runs) without silently losing the fact that runs were missed.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { parseSchedule } from './schedule-expr.js';
import type { NewEvent, Schedule, ScheduleStore } from './types.js';
import { SerialPass } from './serial.js';

/** Counting missed slots stops here (a rate(1 minute) schedule down for years). */
const MAX_MISSED_COUNT = 1_000_000;
const STORAGE_RETRY_MS = 1_000;

export interface SchedulerDeps {
  store: ScheduleStore;
  clock: Clock;
  /** Called after runs were enqueued, so that delivery looks for them. */
  onEnqueued: () => void;
  /**
   * The payload of a run of a schedule with `targetInput` (an EventBridge rule's target with
   * InputPath or an InputTransformer); undefined delivers nothing for that slot.
   */
  render?: (s: Schedule, event: Record<string, unknown>) => string | undefined;
  log?: (line: string) => void;
}

export class Scheduler {
  private cancelTimer: (() => void) | null = null;
  private stopped = false;
  private readonly ticks = new SerialPass(() => this.tickOnce(), () => this.stopped);

  constructor(private readonly deps: SchedulerDeps) {}

  async start(): Promise<void> {
    await this.tick();
  }

  /** A schedule was created, changed or deleted: re-arm the timer. */
  async changed(): Promise<void> {
    await this.tick();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
  }

  /** One tick at a time (SerialPass); a tick asked for meanwhile runs right after. */
  private tick(): Promise<void> {
    return this.ticks.run();
  }

  private async tickOnce(): Promise<void> {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    let fired = 0;
    let retryAt: number | undefined;
    try {
      for (const s of await this.deps.store.dueSchedules(now)) {
        await this.fire(s, now);
        fired++;
      }
    } catch (e) {
      this.deps.log?.(`scheduler: cannot fire schedules: ${(e as Error).message}`);
      retryAt = now + STORAGE_RETRY_MS;
    }
    if (fired > 0) this.deps.onEnqueued();
    this.cancelTimer?.();
    const next = retryAt ?? await this.deps.store.nextScheduleAt();
    if (next !== undefined) this.cancelTimer = this.deps.clock.setTimer(Math.max(0, next - this.deps.clock.now()), async () => await this.tick());
  }

  private async fire(s: Schedule, now: number): Promise<void> {
    const expr = parseSchedule(s.expression);
    let slot = s.nextAt;
    let missed = 0;
    let following = expr.next(slot, s.createdAt);
    while (following !== undefined && following <= now && missed < MAX_MISSED_COUNT) {
      slot = following;
      missed++;
      following = expr.next(slot, s.createdAt);
    }
    if (following !== undefined && following <= now) following = expr.next(now, s.createdAt);
    const scheduled = scheduledEvent(s, slot);
    const payload = s.targetInput !== undefined && this.deps.render ? this.deps.render(s, scheduled) : (s.input ?? JSON.stringify(scheduled));
    if (payload === undefined) {
      this.deps.log?.(`scheduler: ${s.name}: the target's input could not be rendered; nothing was sent for this run`);
      await this.deps.store.fire(s, undefined, following ?? Number.MAX_SAFE_INTEGER, missed, now);
      return;
    }
    const event: NewEvent = {
      id: randomUUID(),
      accountId: s.accountId,
      region: s.region,
      functionName: s.functionName,
      qualifier: s.qualifier,
      payload: Buffer.from(payload),
      source: `schedule:${s.name}`,
      enqueuedAt: now,
    };
    // A schedule that never fires again stays in the store, disabled in effect by a far next slot.
    await this.deps.store.fire(s, event, following ?? Number.MAX_SAFE_INTEGER, missed);
  }
}

/** EventBridge's scheduled event (docs/reference/lambda-api.md §5.1): `time` without milliseconds. */
export function scheduledEvent(s: Schedule, slot: number): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: s.accountId,
    time: new Date(slot).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: s.region,
    resources: [s.ruleArn ?? scheduleArn(s)],
    detail: {},
  };
}

export function scheduleArn(s: Pick<Schedule, 'accountId' | 'region' | 'name'>): string {
  return `arn:aws:events:${s.region}:${s.accountId}:rule/${s.name}`;
}
