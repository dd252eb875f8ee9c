/**
 * An Amazon EventBridge subset on Nimbus's endpoint: event buses, rules with event patterns or
 * schedule expressions, Lambda and SQS targets with input transformers, PutEvents and
 * TestEventPattern. The wire protocol is AWS JSON 1.1 - `POST /` with `X-Amz-Target:
 * AWSEvents.<Operation>`, what @aws-sdk/client-eventbridge and the AWS CLI (botocore's `events`
 * model: protocol json, jsonVersion 1.1, targetPrefix AWSEvents) both send. Errors are
 * `{"__type", "message"}` with the type also in `x-amzn-ErrorType`.
 *
 * State lives in `eventbridge.db`; scheduled rules fire through the async queue's scheduler
 * (schedules.ts); deliveries go out through the sinks the composition root gives (targets.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { Scope } from '../core/model.js';
import { createBus, deleteBus, describeBus, listBuses } from './buses.js';
import { EventBridgeError, internal } from './errors.js';
import { putEvents, testEventPattern, type DeliveryDeps } from './put-events.js';
import type { Params } from './params.js';
import { deleteRule, describeRule, listRules, listTargets, putRule, putTargets, removeTargets, setRuleState, type RuleDeps } from './rules.js';
import { RuleSchedules, type ScheduleHost } from './schedules.js';
import { EventBridgeStore, type EventBridgeStoreApi } from './store.js';
import { targetPayload, type TargetSinks } from './targets.js';
import type { Schedule } from '../queue/types.js';

export const EVENTS_TARGET_PREFIX = 'AWSEvents.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface EventBridgeOptions {
  /** The SQLite file of one node. */
  file: string;
  /** Instead: a store opened elsewhere (a cluster's PostgreSQL, pg-store.ts). */
  store?: EventBridgeStoreApi;
  clock: Clock;
  sinks: TargetSinks;
  schedules: ScheduleHost;
  log: (line: string) => void;
}

export interface WireRequest {
  method: string;
  path: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface EventBridgeRequest extends WireRequest {
  body: Buffer;
  accountId: string;
  region: string;
}

export interface EventBridgeResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

type Operation = (scope: Scope, p: Params) => Params | Promise<Params>;

const header = (h: WireRequest['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

export class EventBridgeService {
  private readonly store: EventBridgeStoreApi;
  private readonly schedules: RuleSchedules;
  private readonly ops: Readonly<Record<string, Operation>>;
  private readonly log: (line: string) => void;

  constructor(opts: EventBridgeOptions) {
    this.log = opts.log;
    this.store = opts.store ?? new EventBridgeStore(opts.file);
    this.schedules = new RuleSchedules(opts.schedules, this.store, () => opts.clock.now());
    const rules: RuleDeps = { store: this.store, schedules: this.schedules, clock: opts.clock };
    const delivery: DeliveryDeps = { store: this.store, clock: opts.clock, sinks: opts.sinks, log: opts.log };
    this.ops = {
      PutEvents: (s, p) => putEvents(delivery, s, p),
      TestEventPattern: (_s, p) => testEventPattern(p),
      PutRule: async (s, p) => await putRule(rules, s, p),
      DescribeRule: (s, p) => describeRule(rules, s, p),
      DeleteRule: async (s, p) => await deleteRule(rules, s, p),
      ListRules: (s, p) => listRules(rules, s, p),
      EnableRule: async (s, p) => await setRuleState(rules, s, p, 'ENABLED'),
      DisableRule: async (s, p) => await setRuleState(rules, s, p, 'DISABLED'),
      PutTargets: async (s, p) => await putTargets(rules, s, p),
      RemoveTargets: async (s, p) => await removeTargets(rules, s, p),
      ListTargetsByRule: (s, p) => listTargets(rules, s, p),
      CreateEventBus: (s, p) => createBus(this.store, opts.clock, s, p),
      DescribeEventBus: (s, p) => describeBus(this.store, s, p),
      DeleteEventBus: (s, p) => deleteBus(this.store, s, p),
      ListEventBuses: (s, p) => listBuses(this.store, s, p),
    };
  }

  /** EventBridge's marker: a POST to `/` whose X-Amz-Target names AWSEvents. */
  static isEventBridgeRequest(req: WireRequest): boolean {
    return req.method === 'POST' && req.path === '/' && (header(req.headers, 'x-amz-target') ?? '').startsWith(EVENTS_TARGET_PREFIX);
  }

  /** Repairs the scheduled rules' schedules after a start (see schedules.ts). */
  async start(): Promise<void> {
    await this.schedules.syncAll();
  }

  /**
   * One operation called by Nimbus's own components (SAM stacks), with the wire's members,
   * checks and messages; throws the EventBridgeError the wire would answer.
   */
  async call(scope: Scope, operation: string, params: Params): Promise<Params> {
    const run = this.ops[operation];
    if (!run) throw new EventBridgeError('UnknownOperationException', `The requested operation ${operation} is not supported by Nimbus.`);
    return run(scope, params);
  }

  /** Never throws: every failure is an answer in EventBridge's error shape. */
  async handle(req: EventBridgeRequest): Promise<EventBridgeResponse> {
    const requestId = randomUUID();
    const op = (header(req.headers, 'x-amz-target') ?? '').slice(EVENTS_TARGET_PREFIX.length);
    try {
      const run = this.ops[op];
      if (!run) throw new EventBridgeError('UnknownOperationException', `The requested operation ${op} is not supported by Nimbus.`);
      let params: unknown;
      try {
        params = req.body.length === 0 ? {} : JSON.parse(req.body.toString('utf8'));
      } catch {
        throw new EventBridgeError('SerializationException', 'Start of structure or map found where not expected.');
      }
      if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new EventBridgeError('SerializationException', 'Start of structure or map found where not expected.');
      const result = await run({ accountId: req.accountId, region: req.region }, params as Params);
      return reply(200, requestId, result);
    } catch (e) {
      let err: EventBridgeError;
      if (e instanceof EventBridgeError) err = e;
      else {
        this.log(`eventbridge: ${op} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        err = internal();
      }
      return EventBridgeService.errorResponse(err.status, err.type, err.message, requestId);
    }
  }

  static errorResponse(status: number, type: string, message: string, requestId: string = randomUUID()): EventBridgeResponse {
    const r = reply(status, requestId, { __type: type, message });
    return { ...r, headers: { ...r.headers, 'x-amzn-ErrorType': type } };
  }

  /** The payload a scheduled rule's target gets for one run (the scheduler's `render`). */
  renderScheduled(s: Schedule, event: Record<string, unknown>): string | undefined {
    if (s.targetInput === undefined) return JSON.stringify(event);
    const name = s.name.split('/')[1] ?? s.name;
    const r = targetPayload(s.targetInput, event, { ruleArn: s.ruleArn ?? '', ruleName: name, ingestionTime: String(event['time'] ?? '') });
    return r.ok ? r.payload : undefined;
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}

function reply(status: number, requestId: string, body: unknown): EventBridgeResponse {
  const buf = Buffer.from(JSON.stringify(body));
  return { status, headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId }, body: buf };
}
