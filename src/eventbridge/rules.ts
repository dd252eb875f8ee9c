/**
 * Rules and their targets: PutRule, DescribeRule, DeleteRule, ListRules, EnableRule,
 * DisableRule, PutTargets, RemoveTargets, ListTargetsByRule (EventBridge API reference).
 * Patterns are compiled with src/events (InvalidEventPatternException and its reasons);
 * schedule expressions with the scheduler's parser.
 */
import type { Clock } from '../core/clock.js';
import type { Scope } from '../core/model.js';
import { compileEventPattern } from '../events/pattern.js';
import { validateTargetInput, type TargetInputConfig } from '../events/transform.js';
import { parseSchedule, ScheduleExpressionError } from '../queue/schedule-expr.js';
import { EventBridgeError, limitExceeded, notFound, validation } from './errors.js';
import { busName, DEFAULT_BUS, ruleArn, ruleName, TARGET_ID } from './names.js';
import { decodeToken, encodeToken, int, isObject, list, str, type Params } from './params.js';
import type { RuleSchedules } from './schedules.js';
import type { EventBridgeStoreApi as EventBridgeStore, RuleRecord, TargetRecord } from './store.js';
import { targetKind } from './targets.js';

/** EventBridge quota: five targets per rule. */
const MAX_TARGETS = 5;

export interface RuleDeps {
  store: EventBridgeStore;
  schedules: RuleSchedules;
  clock: Clock;
}

export const ruleMissing = (name: string, bus: string): EventBridgeError => notFound(`Rule ${name} does not exist on EventBus ${bus}.`);

async function existingBus(deps: RuleDeps, scope: Scope, p: Params): Promise<string> {
  const bus = busName(p['EventBusName']);
  if (bus !== DEFAULT_BUS && !await deps.store.bus(scope, bus)) throw notFound(`Event bus ${bus} does not exist.`);
  return bus;
}

async function ruleShape(r: RuleRecord, full: boolean): Promise<Params> {
  return {
    Name: r.name,
    Arn: ruleArn(r, r.bus, r.name),
    ...(r.eventPattern !== undefined ? { EventPattern: r.eventPattern } : {}),
    ...(r.scheduleExpression !== undefined ? { ScheduleExpression: r.scheduleExpression } : {}),
    State: r.state,
    ...(r.description !== undefined ? { Description: r.description } : {}),
    ...(r.roleArn !== undefined ? { RoleArn: r.roleArn } : {}),
    EventBusName: r.bus,
    ...(full ? { CreatedBy: r.accountId } : {}),
  };
}

export async function putRule(deps: RuleDeps, scope: Scope, p: Params): Promise<Params> {
  const name = ruleName(p['Name']);
  const bus = await existingBus(deps, scope, p);
  const pattern = str(p, 'EventPattern', 'eventPattern', { max: 4096 });
  const schedule = str(p, 'ScheduleExpression', 'scheduleExpression', { max: 256 });
  if (pattern === undefined && schedule === undefined) throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
  if (pattern !== undefined) {
    const compiled = compileEventPattern(pattern);
    if (!compiled.ok) throw new EventBridgeError(compiled.error.code, compiled.error.message);
  }
  if (schedule !== undefined) {
    if (bus !== DEFAULT_BUS) throw validation('ScheduleExpression is supported only on the default event bus.');
    try {
      parseSchedule(schedule);
    } catch (e) {
      if (e instanceof ScheduleExpressionError) throw validation('Parameter ScheduleExpression is not valid.');
      throw e;
    }
  }
  const state = str(p, 'State', 'state') ?? 'ENABLED';
  if (!['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'].includes(state)) {
    throw validation(`1 validation error detected: Value '${state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]`);
  }
  const before = await deps.store.rule(scope, bus, name);
  const r: RuleRecord = {
    ...scope,
    bus,
    name,
    eventPattern: pattern,
    scheduleExpression: schedule,
    state: state === 'DISABLED' ? 'DISABLED' : 'ENABLED',
    description: str(p, 'Description', 'description', { max: 512 }),
    roleArn: str(p, 'RoleArn', 'roleArn', { max: 1600 }),
    createdAt: before?.createdAt ?? deps.clock.now(),
  };
  await deps.store.putRule(r);
  if (bus === DEFAULT_BUS) await deps.schedules.sync(scope, name, r);
  return { RuleArn: ruleArn(scope, bus, name) };
}

export async function describeRule(deps: RuleDeps, scope: Scope, p: Params): Promise<Params> {
  const name = ruleName(p['Name']);
  const bus = busName(p['EventBusName']);
  const r = await deps.store.rule(scope, bus, name);
  if (!r) throw ruleMissing(name, bus);
  return ruleShape(r, true);
}

export async function deleteRule(deps: RuleDeps, scope: Scope, p: Params): Promise<Params> {
  const name = ruleName(p['Name']);
  const bus = busName(p['EventBusName']);
  if (!await deps.store.rule(scope, bus, name)) return {};
  if ((await deps.store.targets(scope, bus, name)).length > 0) throw validation("Rule can't be deleted since it has targets.");
  // Schedules first: a crash in between leaves a rule without schedules, which the next start repairs.
  if (bus === DEFAULT_BUS) await deps.schedules.sync(scope, name, undefined);
  await deps.store.deleteRule(scope, bus, name);
  return {};
}

export async function listRules(deps: RuleDeps, scope: Scope, p: Params): Promise<Params> {
  const bus = busName(p['EventBusName']);
  const prefix = str(p, 'NamePrefix', 'namePrefix', { max: 64 }) ?? '';
  const limit = int(p, 'Limit', 'limit', 1, 100) ?? 100;
  const from = decodeToken(str(p, 'NextToken', 'nextToken'));
  const all = (await deps.store.rules(scope, bus)).filter((r) => r.name.startsWith(prefix));
  const page = all.slice(from, from + limit);
  return { Rules: page.map((r) => ruleShape(r, false)), ...(from + limit < all.length ? { NextToken: encodeToken(from + limit) } : {}) };
}

export async function setRuleState(deps: RuleDeps, scope: Scope, p: Params, state: 'ENABLED' | 'DISABLED'): Promise<Params> {
  const name = ruleName(p['Name']);
  const bus = busName(p['EventBusName']);
  const r = await deps.store.rule(scope, bus, name);
  if (!r) throw ruleMissing(name, bus);
  const next = { ...r, state };
  await deps.store.putRule(next);
  if (bus === DEFAULT_BUS) await deps.schedules.sync(scope, name, next);
  return {};
}

export async function putTargets(deps: RuleDeps, scope: Scope, p: Params): Promise<Params> {
  const name = ruleName(p['Rule'], 'rule');
  const bus = busName(p['EventBusName']);
  const rule = await deps.store.rule(scope, bus, name);
  if (!rule) throw ruleMissing(name, bus);
  const given = list(p, 'Targets', 'targets', 1, 10);
  const failed: Params[] = [];
  const accepted: TargetRecord[] = [];
  given.forEach((t, i) => {
    if (!isObject(t)) throw validation(`1 validation error detected: Value at 'targets.${i + 1}.member' failed to satisfy constraint: Member must be a structure`);
    const id = str(t, 'Id', `targets.${i + 1}.member.id`, { required: true, pattern: TARGET_ID })!;
    const arn = str(t, 'Arn', `targets.${i + 1}.member.arn`, { required: true, max: 1600 })!;
    const tr = isObject(t['InputTransformer']) ? t['InputTransformer'] : undefined;
    const config: { -readonly [K in keyof TargetInputConfig]: TargetInputConfig[K] } & { SqsParameters?: { MessageGroupId: string } } = {
      ...(t['Input'] !== undefined ? { Input: str(t, 'Input', `targets.${i + 1}.member.input`)! } : {}),
      ...(t['InputPath'] !== undefined ? { InputPath: str(t, 'InputPath', `targets.${i + 1}.member.inputPath`)! } : {}),
      ...(tr
        ? {
            InputTransformer: {
              InputTemplate: str(tr, 'InputTemplate', `targets.${i + 1}.member.inputTransformer.inputTemplate`, { required: true })!,
              ...(isObject(tr['InputPathsMap']) ? { InputPathsMap: tr['InputPathsMap'] as Record<string, string> } : {}),
            },
          }
        : {}),
    };
    const bad = validateTargetInput(id, config, i + 1);
    if (bad) throw validation(bad.message);
    const kind = targetKind(arn);
    const fail = (code: string, message: string): void => void failed.push({ TargetId: id, ErrorCode: code, ErrorMessage: message });
    if (!kind) return fail('InvalidArgument', `Nimbus delivers to Lambda functions, SQS queues and SNS topics only; ${arn} is none of them.`);
    if (kind.kind === 'sns' && rule.scheduleExpression !== undefined) return fail('InvalidArgument', 'Nimbus runs scheduled rules with Lambda targets only.');
    if (kind.kind === 'sqs') {
      if (rule.scheduleExpression !== undefined) return fail('InvalidArgument', 'Nimbus runs scheduled rules with Lambda targets only.');
      const group = isObject(t['SqsParameters']) ? t['SqsParameters']['MessageGroupId'] : undefined;
      if (kind.fifo && typeof group !== 'string') return fail('InvalidArgument', 'SqsParameters.MessageGroupId is required for a FIFO queue target.');
      if (typeof group === 'string') config.SqsParameters = { MessageGroupId: group };
    }
    accepted.push({ ...scope, bus, rule: name, id, arn, input: Object.keys(config).length > 0 ? JSON.stringify(config) : undefined });
  });
  const existing = new Set((await deps.store.targets(scope, bus, name)).map((t) => t.id));
  for (const t of accepted) existing.add(t.id);
  if (existing.size > MAX_TARGETS) throw limitExceeded('The requested resource exceeds the maximum number allowed.');
  await deps.store.putTargets(accepted);
  if (bus === DEFAULT_BUS) await deps.schedules.sync(scope, name, rule);
  return { FailedEntryCount: failed.length, FailedEntries: failed };
}

export async function removeTargets(deps: RuleDeps, scope: Scope, p: Params): Promise<Params> {
  const name = ruleName(p['Rule'], 'rule');
  const bus = busName(p['EventBusName']);
  const rule = await deps.store.rule(scope, bus, name);
  if (!rule) throw ruleMissing(name, bus);
  const ids = list(p, 'Ids', 'ids', 1, 100).map((x, i) => {
    if (typeof x !== 'string' || !TARGET_ID.test(x)) throw validation(`1 validation error detected: Value '${String(x)}' at 'ids.${i + 1}.member' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`);
    return x;
  });
  // The rule stays, so a crash before its schedules follow is repaired at the next start (syncAll).
  await deps.store.deleteTargets(scope, bus, name, ids);
  if (bus === DEFAULT_BUS) await deps.schedules.sync(scope, name, rule);
  return { FailedEntryCount: 0, FailedEntries: [] };
}

export async function listTargets(deps: RuleDeps, scope: Scope, p: Params): Promise<Params> {
  const name = ruleName(p['Rule'], 'rule');
  const bus = busName(p['EventBusName']);
  if (!await deps.store.rule(scope, bus, name)) throw ruleMissing(name, bus);
  return {
    Targets: (await deps.store.targets(scope, bus, name)).map((t) => ({ Id: t.id, Arn: t.arn, ...(t.input !== undefined ? (JSON.parse(t.input) as Params) : {}) })),
  };
}
