/**
 * PutEvents and TestEventPattern. Each entry becomes an EventBridge event (`version`, `id`,
 * `detail-type`, `source`, `account`, `time` without milliseconds, `region`, `resources`,
 * `detail`); every enabled pattern rule of its bus that matches sends it to each of its targets.
 * The answer waits until every delivery is durable (the async queue's fsync, or the SQS send),
 * so an acknowledged event is never lost. Entry problems are per-entry failures, as AWS reports
 * them (ErrorCode/ErrorMessage), not request errors.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { Scope } from '../core/model.js';
import { JsonSyntaxError, parseJsonValue } from '../events/json.js';
import { compileEventPattern, matchesEventPattern, parseTestEvent, type EventPattern } from '../events/pattern.js';
import { EventBridgeError, validation } from './errors.js';
import { busName, DEFAULT_BUS, ruleArn } from './names.js';
import { isObject, list, str, type Params } from './params.js';
import type { EventBridgeStoreApi as EventBridgeStore, RuleRecord } from './store.js';
import { targetKind, targetPayload, type TargetSinks } from './targets.js';

/** PutEvents quota: the entries of one request, 256 KB in all (EventBridge quotas). */
const MAX_REQUEST_BYTES = 256 * 1024;

export interface DeliveryDeps {
  store: EventBridgeStore;
  clock: Clock;
  sinks: TargetSinks;
  log: (line: string) => void;
}

/** Compiled patterns by their text; rules are few and change rarely. */
const compiled = new Map<string, EventPattern | null>();
function patternOf(text: string): EventPattern | null {
  let p = compiled.get(text);
  if (p === undefined) {
    const r = compileEventPattern(text);
    p = r.ok ? r.pattern : null;
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(text, p);
  }
  return p;
}

const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function putEvents(deps: DeliveryDeps, scope: Scope, p: Params): Promise<Params> {
  const entries = list(p, 'Entries', 'entries', 1, 10);
  const size = entries.reduce<number>((n, e) => n + Buffer.byteLength(JSON.stringify(e ?? null)), 0);
  if (size > MAX_REQUEST_BYTES) throw validation('Total size of the entries in the request is over the limit.');
  const results = await Promise.all(entries.map((e) => putOne(deps, scope, e)));
  return { FailedEntryCount: results.filter((r) => !('EventId' in r)).length, Entries: results };
}

async function putOne(deps: DeliveryDeps, scope: Scope, e: unknown): Promise<Params> {
  const fail = (code: string, message: string): Params => ({ ErrorCode: code, ErrorMessage: message });
  if (!isObject(e)) return fail('InvalidArgument', 'Parameter Entry is not valid.');
  for (const k of ['Source', 'DetailType', 'Detail'] as const) {
    if (typeof e[k] !== 'string' || e[k] === '') return fail('InvalidArgument', `Parameter ${k} is not valid. Reason: ${k} is a required argument.`);
  }
  const detailText = e['Detail'] as string;
  let detail: unknown;
  try {
    detail = parseJsonValue(detailText);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    return fail('MalformedDetail', 'Detail is malformed.');
  }
  if (!isObject(detail)) return fail('MalformedDetail', 'Detail is malformed.');
  let bus: string;
  try {
    bus = busName(e['EventBusName']);
  } catch (err) {
    if (err instanceof EventBridgeError) return fail('InvalidArgument', err.message);
    throw err;
  }
  // AWS's wording for an entry naming a missing bus was not recorded; this one is Nimbus's.
  if (bus !== DEFAULT_BUS && !await deps.store.bus(scope, bus)) return fail('ResourceNotFoundException', `Event bus ${bus} does not exist.`);
  const resources = Array.isArray(e['Resources']) ? e['Resources'].filter((r): r is string => typeof r === 'string') : [];
  const now = deps.clock.now();
  const time = typeof e['Time'] === 'number' ? e['Time'] * 1000 : now;
  const id = randomUUID();
  // The detail's own text is kept: numbers no double holds exactly reach targets as they were sent.
  const text =
    `{"version":"0","id":${JSON.stringify(id)},"detail-type":${JSON.stringify(e['DetailType'])},"source":${JSON.stringify(e['Source'])},` +
    `"account":${JSON.stringify(scope.accountId)},"time":${JSON.stringify(isoSeconds(time))},"region":${JSON.stringify(scope.region)},` +
    `"resources":${JSON.stringify(resources)},"detail":${detailText}}`;
  const event = parseJsonValue(text);
  const deliveries: Promise<void>[] = [];
  for (const rule of await deps.store.rules(scope, bus)) {
    if (rule.state !== 'ENABLED' || rule.eventPattern === undefined) continue;
    const pattern = patternOf(rule.eventPattern);
    if (!pattern || !matchesEventPattern(pattern, event)) continue;
    deliveries.push(...(await deliverToTargets(deps, rule, event, text, isoSeconds(now))));
  }
  try {
    await Promise.all(deliveries);
  } catch (err) {
    // An invocation that could not be stored durably (a full disk): the client must send again.
    deps.log(`eventbridge: event ${id} not delivered to every target: ${(err as Error).message}`);
    return fail('InternalFailure', 'The event could not be delivered to every target; send it again.');
  }
  return { EventId: id };
}

/** Sends one matched event to every target of a rule; each promise resolves once its delivery is durable. */
export async function deliverToTargets(deps: DeliveryDeps, rule: RuleRecord, event: unknown, eventText: string, ingestionTime: string): Promise<Promise<void>[]> {
  const out: Promise<void>[] = [];
  const arn = ruleArn(rule, rule.bus, rule.name);
  for (const t of await deps.store.targets(rule, rule.bus, rule.name)) {
    const kind = targetKind(t.arn);
    if (!kind) continue;
    const rendered = t.input === undefined ? { ok: true as const, payload: eventText } : targetPayload(t.input, event, { ruleArn: arn, ruleName: rule.name, ingestionTime });
    if (!rendered.ok) {
      deps.log(`eventbridge: rule ${rule.name} target ${t.id}: nothing delivered (${rendered.reason})`);
      continue;
    }
    if (kind.kind === 'lambda') {
      out.push(deps.sinks.invokeAsync(kind.scope, kind.functionName, kind.qualifier, Buffer.from(rendered.payload), `events:${rule.name}`, arn));
    } else if (kind.kind === 'sns') {
      const published = (async () => await deps.sinks.publishToTopic(kind.arn, rendered.payload, arn))();
      out.push(
        published.catch((err: unknown) => {
          // As with a queue target: a topic that cannot take the event (deleted, say) loses it; Nimbus logs it.
          deps.log(`eventbridge: rule ${rule.name} target ${t.id}: not delivered to ${kind.arn}: ${(err as Error).message}`);
        }),
      );
    } else {
      const group = t.input === undefined ? undefined : (JSON.parse(t.input) as { SqsParameters?: { MessageGroupId?: string } }).SqsParameters?.MessageGroupId;
      const sent = (async () => await deps.sinks.sendToQueue(kind.arn, rendered.payload, group, arn))();
      out.push(
        sent.catch((err: unknown) => {
          // As on AWS, a queue target that cannot take the event (deleted, say) loses it; Nimbus logs it.
          deps.log(`eventbridge: rule ${rule.name} target ${t.id}: not delivered to ${kind.arn}: ${(err as Error).message}`);
        }),
      );
    }
  }
  return out;
}

export function testEventPattern(p: Params): Params {
  const pattern = str(p, 'EventPattern', 'eventPattern', { required: true, max: 4096 })!;
  const eventText = str(p, 'Event', 'event', { required: true })!;
  const compiledPattern = compileEventPattern(pattern);
  if (!compiledPattern.ok) throw new EventBridgeError(compiledPattern.error.code, compiledPattern.error.message);
  const ev = parseTestEvent(eventText);
  if (!ev.ok) throw validation(ev.error.message);
  return { Result: matchesEventPattern(compiledPattern.pattern, ev.event) };
}
