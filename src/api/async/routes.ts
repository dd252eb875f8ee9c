/**
 * Nimbus's own API for asynchronous work, under /nimbus/v1 (paths in api/table.ts): the events in the queue (what
 * `nimbus events` lists) and schedules (`nimbus schedule`). The queues destinations and
 * dead-letter configs write to are SQS queues (queues.ts).
 */
import { parseFunctionName } from '../../core/names.js';
import type { ScheduleService } from './schedules.js';
import { notFound, validationError } from '../../core/errors.js';
import { scheduleArn } from '../../queue/scheduler.js';
import type { AsyncEvent, EventQueue, EventStatus, Schedule } from '../../queue/types.js';
import { json, type Handler } from '../http/context.js';
import { intParam } from '../http/wire-format.js';

const STATUSES: readonly EventStatus[] = ['queued', 'running', 'retrying', 'succeeded', 'failed'];

export function asyncHandlers(deps: { queue: EventQueue; schedules: ScheduleService }) {
  return {
    listEvents: async (ctx) => {
      const fn = ctx.query.get('function');
      const status = ctx.query.get('status') ?? undefined;
      if (status !== undefined && !STATUSES.includes(status as EventStatus)) {
        throw validationError(status, 'status', `Member must satisfy enum value set: [${STATUSES.join(', ')}]`);
      }
      const limit = intParam(ctx.query.get('limit'), 'limit', 1, 10_000) ?? 100;
      const since = ctx.query.get('since');
      const sinceMs = since === null || since === '' ? undefined : Date.parse(since);
      if (sinceMs !== undefined && Number.isNaN(sinceMs)) throw validationError(since, 'since', 'Member must be an ISO-8601 time');
      const functionName = fn ? parseFunctionName(fn).name : undefined;
      const events = await deps.queue.list(ctx.scope, { functionName, status: status as EventStatus | undefined, since: sinceMs, limit });
      return json(200, { counts: await deps.queue.counts(ctx.scope, functionName), events: events.map(eventShape) });
    },

    getEvent: async (ctx) => {
      const ev = await deps.queue.get(ctx.scope, ctx.params['id'] ?? '');
      if (!ev) throw notFound(`Event ${ctx.params['id'] ?? ''} does not exist (finished events are kept for a day).`);
      return json(200, { ...eventShape(ev), payload: ev.payload.toString('utf8') });
    },

    listSchedules: async (ctx) => json(200, { schedules: (await deps.schedules.list(ctx.scope)).map(scheduleShape) }),
    getSchedule: async (ctx) => json(200, scheduleShape(await deps.schedules.get(ctx.scope, ctx.params['name'] ?? ''))),
    putSchedule: async (ctx) => json(200, scheduleShape(await deps.schedules.put(ctx.scope, ctx.params['name'] ?? '', await ctx.json()))),
    deleteSchedule: async (ctx) => {
      await deps.schedules.delete(ctx.scope, ctx.params['name'] ?? '');
      return { status: 204 };
    },
  } satisfies Record<string, Handler>;
}

const iso = (t: number | undefined): string | null => (t === undefined || t >= Number.MAX_SAFE_INTEGER ? null : new Date(t).toISOString());

function eventShape(e: AsyncEvent): Record<string, unknown> {
  return {
    requestId: e.id,
    functionName: e.functionName,
    qualifier: e.qualifier ?? null,
    source: e.source,
    status: e.status,
    attempts: e.attempts,
    functionErrors: e.functionErrors,
    throttles: e.throttles,
    enqueuedAt: iso(e.enqueuedAt),
    nextAttemptAt: e.status === 'queued' || e.status === 'retrying' ? iso(e.notBefore) : null,
    finishedAt: iso(e.finishedAt),
    condition: e.condition ?? null,
    lastError: e.lastError ?? null,
  };
}

function scheduleShape(s: Schedule): Record<string, unknown> {
  return {
    Name: s.name,
    Arn: s.ruleArn ?? scheduleArn(s),
    ScheduleExpression: s.expression,
    State: s.enabled ? 'ENABLED' : 'DISABLED',
    FunctionName: s.functionName,
    Qualifier: s.qualifier ?? null,
    Input: s.input ?? null,
    NextRun: s.enabled ? iso(s.nextAt) : null,
    LastRun: iso(s.lastRunAt),
    MissedRuns: s.missed,
  };
}

