/**
 * Schedules declared as CloudFormation resources rather than as SAM events: an
 * `AWS::Scheduler::Schedule` (EventBridge Scheduler) or an `AWS::Events::Rule` with a
 * ScheduleExpression, whose target is a Lambda function. Published templates use them when they
 * want a retry policy or a dead-letter queue on the schedule. Each becomes a Nimbus schedule.
 */
import { SamError } from './errors.js';
import type { SchedulePlan } from './events.js';
import { resolve, type IntrinsicContext } from './intrinsics.js';
import { MAX_NAME, type Namer } from './names.js';
import type { TemplateResource } from './template.js';

const FUNCTION_ARN = /^arn:aws[a-zA-Z-]*:lambda:[^:]+:\d{12}:function:([^:]+)(?::([^:]+))?$/;
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The schedules of one resource; undefined when the resource is not a schedule Nimbus runs. */
export function scheduleResource(id: string, r: TemplateResource, names: Namer, ctx: IntrinsicContext): SchedulePlan[] | undefined {
  const p = resolve(r.Properties, ctx, id);
  if (!isMap(p)) return undefined;
  const expression = p['ScheduleExpression'];
  if (typeof expression !== 'string') return undefined;
  const targets = r.Type === 'AWS::Scheduler::Schedule' ? [p['Target']] : r.Type === 'AWS::Events::Rule' && Array.isArray(p['Targets']) ? p['Targets'] : undefined;
  if (!targets) return undefined;
  const type = r.Type === 'AWS::Scheduler::Schedule' ? 'AWS::Scheduler::Schedule' : 'AWS::Events::Rule';
  // Several targets of one rule are several Nimbus schedules: the later ones get -2, -3, ... in the room the suffix leaves.
  const name = names.physical(id, typeof p['Name'] === 'string' ? p['Name'] : undefined, targets.length > 1 ? MAX_NAME.schedule - 3 : MAX_NAME.schedule);
  const disabled = p['State'] === 'DISABLED';
  const out: SchedulePlan[] = [];
  targets.forEach((t, i) => {
    if (!isMap(t) || typeof t['Arn'] !== 'string') throw new SamError(`${id}: every target needs an Arn`);
    const fn = FUNCTION_ARN.exec(t['Arn']);
    if (!fn) {
      ctx.warn(`${id}: target ${t['Arn']} is not a Lambda function; Nimbus schedules invoke functions only, so it is skipped`);
      return;
    }
    const input = t['Input'];
    if (input !== undefined && typeof input !== 'string') throw new SamError(`${id}: a target's Input must be a JSON string`);
    for (const k of ['RetryPolicy', 'DeadLetterConfig', 'InputTransformer', 'InputPath']) {
      if (t[k] !== undefined) ctx.warn(`${id}: the target's ${k} is not applied by Nimbus`);
    }
    out.push({
      LogicalId: targets.length > 1 ? `${id}${i + 1}` : id,
      Type: type,
      Name: (targets.length > 1 ? `${name}-${i + 1}` : name).replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64),
      ScheduleExpression: expression,
      FunctionName: fn[1]!,
      ...(fn[2] ? { Qualifier: fn[2] } : {}),
      ...(typeof input === 'string' ? { Input: input } : {}),
      State: disabled ? 'DISABLED' : 'ENABLED',
    });
  });
  const tz = p['ScheduleExpressionTimezone'];
  if (tz !== undefined && tz !== 'UTC' && tz !== 'Etc/UTC') ctx.warn(`${id}: ScheduleExpressionTimezone ${String(tz)} is not applied; Nimbus evaluates cron() in UTC`);
  return out;
}
