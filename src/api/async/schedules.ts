/**
 * Schedules as a Nimbus API (/nimbus/v1/schedules, `nimbus schedule`): a named rate()/cron()
 * expression that invokes one function asynchronously. Validation and storage; the firing is the
 * queue's Scheduler.
 */
import type { Clock } from '../../core/clock.js';
import { invalidParameter, NimbusError, notFound, validationError } from '../../core/errors.js';
import { parseSchedule, ScheduleExpressionError } from '../../queue/schedule-expr.js';
import type { Schedule, ScheduleStore } from '../../queue/types.js';
import type { Scope } from '../../core/model.js';
import { parseFunctionName, qualifierOf } from '../../core/names.js';
import { isObject } from '../http/validate.js';

/** EventBridge rule names. */
const NAME = /^[.\-_A-Za-z0-9]{1,64}$/;

export interface ScheduleServiceDeps {
  store: ScheduleStore;
  clock: Clock;
  exists: (scope: Scope, name: string, qualifier: string | undefined) => Promise<boolean>;
  /** The scheduler re-arms its timer. */
  onChange: () => Promise<void>;
}

export class ScheduleService {
  constructor(private readonly deps: ScheduleServiceDeps) {}

  /** Creates or replaces a schedule; a changed expression starts counting from now. */
  async put(scope: Scope, name: string, body: unknown): Promise<Schedule> {
    if (!NAME.test(name)) throw validationError(name, 'name', 'Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+');
    if (!isObject(body)) throw invalidParameter('The body must be a JSON object.');
    const expression = body['ScheduleExpression'];
    if (typeof expression !== 'string') throw validationError(expression ?? null, 'scheduleExpression', 'Member must not be null');
    let expr;
    try {
      expr = parseSchedule(expression);
    } catch (e) {
      // EventBridge's PutRule answers a bad expression with this ValidationException message.
      if (e instanceof ScheduleExpressionError) throw new NimbusError('ERR_VALIDATION', `Parameter ScheduleExpression is not valid. (${e.message})`);
      throw e;
    }
    const ref = parseFunctionName(body['FunctionName']);
    const q = body['Qualifier'];
    const qualifier = qualifierOf(ref, typeof q === 'string' ? q : undefined);
    if (!await this.deps.exists(scope, ref.name, qualifier)) throw notFound("The function doesn't exist.");
    const input = body['Input'];
    if (input !== undefined && input !== null) {
      if (typeof input !== 'string') throw validationError(input, 'input', 'Member must be a string holding JSON');
      try {
        JSON.parse(input);
      } catch {
        throw invalidParameter('Input is not valid JSON.');
      }
    }
    const state = body['State'] ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'DISABLED') throw validationError(state, 'state', 'Member must satisfy enum value set: [ENABLED, DISABLED]');
    const now = this.deps.clock.now();
    const before = await this.deps.store.getSchedule(scope, name);
    const keep = before && before.expression === expression;
    const createdAt = keep ? before.createdAt : now;
    const s: Schedule = {
      ...scope,
      name,
      expression,
      functionName: ref.name,
      qualifier,
      input: typeof input === 'string' ? input : undefined,
      enabled: state === 'ENABLED',
      createdAt,
      nextAt: keep && before.nextAt > now ? before.nextAt : (expr.next(now, createdAt) ?? Number.MAX_SAFE_INTEGER),
      lastRunAt: before?.lastRunAt,
      missed: before?.missed ?? 0,
    };
    await this.deps.store.putSchedule(s);
    await this.deps.onChange();
    return s;
  }

  async get(scope: Scope, name: string): Promise<Schedule> {
    const s = await this.deps.store.getSchedule(scope, name);
    if (!s) throw notFound(`Schedule ${name} does not exist.`);
    return s;
  }

  list(scope: Scope): Promise<Schedule[]> {
    return this.deps.store.listSchedules(scope);
  }

  async delete(scope: Scope, name: string): Promise<void> {
    if (!await this.deps.store.deleteSchedule(scope, name)) throw notFound(`Schedule ${name} does not exist.`);
    await this.deps.onChange();
  }
}
