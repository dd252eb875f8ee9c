/**
 * The asynchronous half of the composition root (src/app.ts calls it): the durable queue in
 * `<data dir>/queue.db`, group commit, delivery, schedules, EventInvokeConfig, and their routes.
 * Kept apart so that app.ts stays a short list of parts.
 */
import { join } from 'node:path';
import type { Clock } from './core/clock.js';
import { EventInvokeConfigService } from './control/event-invoke-config.js';
import type { FunctionService } from './control/functions.js';
import { ScheduleService } from './control/schedules.js';
import { asyncRoutes } from './gateway/routes/async.js';
import { eventInvokeConfigRoutes } from './gateway/routes/event-invoke-config.js';
import type { AddRoute } from './gateway/server.js';
import { AsyncInvoker } from './invoke/async.js';
import type { Invoker } from './invoke/invoker.js';
import type { LogService } from './logs/log-service.js';
import { Acceptor } from './queue/acceptor.js';
import { makeAttempt } from './queue/attempt.js';
import { Dispatcher } from './queue/dispatcher.js';
import { Scheduler } from './queue/scheduler.js';
import { SqliteQueue } from './queue/sqlite-queue.js';
import type { Scope } from './core/model.js';

export interface AsyncWiring {
  dataDir: string;
  clock: Clock;
  log: (line: string) => void;
  functions: FunctionService;
  invoker: Invoker;
  logs: LogService;
  route: AddRoute;
  /** The function's reserved concurrency (0 sends its events straight to failure handling). */
  reservedConcurrency?: (scope: Scope, functionName: string) => number | undefined;
  payloadLimit?: number | undefined;
  maxInFlight?: number | undefined;
}

export interface AsyncParts {
  events: AsyncInvoker;
  /** After a function changed: a deleted function loses its EventInvokeConfigs. */
  functionChanged(scope: Scope, name: string): void;
  /** Stops taking events from the queue; waits up to `graceMs` for running attempts. */
  drain(graceMs: number): Promise<void>;
  /** After the pool closed: records the last results, re-queues anything cut short, closes the file. */
  close(): Promise<void>;
}

export function startAsync(w: AsyncWiring): AsyncParts {
  const queue = new SqliteQueue(join(w.dataDir, 'queue.db'));
  const exists = (scope: Scope, name: string, qualifier: string | undefined): boolean => {
    try {
      w.functions.resolve(scope, name, qualifier);
      return true;
    } catch {
      return false;
    }
  };
  const deadLetterOf = (ev: { accountId: string; region: string; functionName: string; qualifier: string | undefined }): string | undefined => {
    try {
      return w.functions.resolve(ev, ev.functionName, ev.qualifier).fn.deadLetterTargetArn;
    } catch {
      return undefined;
    }
  };
  const configs = new EventInvokeConfigService({ store: queue, clock: w.clock, exists });
  const dispatcher = new Dispatcher({
    queue,
    clock: w.clock,
    attempt: makeAttempt({
      resolve: (scope, name, qualifier) => w.functions.resolve(scope, name, qualifier),
      invoke: (req) => w.invoker.invoke(req),
    }),
    config: (ev) => configs.effective(ev, ev.functionName, ev.qualifier, deadLetterOf(ev)),
    ...(w.reservedConcurrency ? { reservedConcurrency: w.reservedConcurrency } : {}),
    appendLog: (ev, text) =>
      w.logs.append({
        accountId: ev.accountId,
        region: ev.region,
        functionName: ev.functionName,
        version: ev.qualifier ?? '$LATEST',
        requestId: ev.id,
        timestamp: w.clock.now(),
        text,
      }),
    log: w.log,
    ...(w.maxInFlight ? { maxInFlight: w.maxInFlight } : {}),
  });
  const acceptor = new Acceptor(queue, () => dispatcher.wake(), w.log);
  const scheduler = new Scheduler({ store: queue, clock: w.clock, onEnqueued: () => dispatcher.wake(), log: w.log });
  const schedules = new ScheduleService({ store: queue, clock: w.clock, exists, onChange: () => scheduler.changed() });
  eventInvokeConfigRoutes(w.route, configs);
  asyncRoutes(w.route, { queue, schedules });
  dispatcher.start();
  scheduler.start();
  return {
    events: new AsyncInvoker({ acceptor, clock: w.clock, payloadLimit: w.payloadLimit }),
    functionChanged(scope, name) {
      if (!exists(scope, name, undefined)) configs.forget(scope, name);
    },
    async drain(graceMs) {
      scheduler.stop();
      acceptor.flush();
      await dispatcher.drain(graceMs);
    },
    async close() {
      await dispatcher.finish();
      queue.close();
    },
  };
}
