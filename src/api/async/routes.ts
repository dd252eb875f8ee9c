/**
 * Nimbus's own API for asynchronous work, under /nimbus/v1 (paths in api/table.ts): the events in the queue (what
 * `nimbus events` lists), the built-in queues that destinations and dead-letter configs write to
 * (`nimbus queue`), and schedules (`nimbus schedule`).
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
    listEvents: (ctx) => {
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
      const events = deps.queue.list(ctx.scope, { functionName, status: status as EventStatus | undefined, since: sinceMs, limit });
      return json(200, { counts: deps.queue.counts(ctx.scope, functionName), events: events.map(eventShape) });
    },

    getEvent: (ctx) => {
      const ev = deps.queue.get(ctx.scope, ctx.params['id'] ?? '');
      if (!ev) throw notFound(`Event ${ctx.params['id'] ?? ''} does not exist (finished events are kept for a day).`);
      return json(200, { ...eventShape(ev), payload: ev.payload.toString('utf8') });
    },

    listQueues: (ctx) => json(200, { queues: deps.queue.queues(ctx.scope).map((q) => ({ ...q, arn: queueArn(ctx.scope, q.name) })) }),

    readMessages: (ctx) => {
      const after = intParam(ctx.query.get('after'), 'after', 0, Number.MAX_SAFE_INTEGER) ?? 0;
      const limit = intParam(ctx.query.get('limit'), 'limit', 1, 1000) ?? 100;
      const messages = deps.queue.readMessages(ctx.scope, ctx.params['name'] ?? '', after, limit);
      return json(200, {
        messages: messages.map((m) => ({ id: m.id, sentAt: new Date(m.sentAt).toISOString(), body: m.body, attributes: m.attributes })),
        next: messages.length ? messages[messages.length - 1]!.id : after,
      });
    },

    deleteMessages: (ctx) => {
      const ids = (ctx.query.get('ids') ?? '').split(',').filter(Boolean).map(Number);
      if (ids.some((n) => !Number.isInteger(n))) throw validationError(ctx.query.get('ids'), 'ids', 'Member must be a comma-separated list of message ids');
      return json(200, { deleted: deps.queue.deleteMessages(ctx.scope, ctx.params['name'] ?? '', ids) });
    },

    listSchedules: (ctx) => json(200, { schedules: deps.schedules.list(ctx.scope).map(scheduleShape) }),
    getSchedule: (ctx) => json(200, scheduleShape(deps.schedules.get(ctx.scope, ctx.params['name'] ?? ''))),
    putSchedule: async (ctx) => json(200, scheduleShape(deps.schedules.put(ctx.scope, ctx.params['name'] ?? '', await ctx.json()))),
    deleteSchedule: (ctx) => {
      deps.schedules.delete(ctx.scope, ctx.params['name'] ?? '');
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
    Arn: scheduleArn(s),
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

const queueArn = (scope: { accountId: string; region: string }, name: string): string => `arn:aws:sqs:${scope.region}:${scope.accountId}:${name}`;
