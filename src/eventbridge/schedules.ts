/**
 * Scheduled rules run on Nimbus's scheduler (src/queue/scheduler.ts), which fires each slot into
 * the durable async queue exactly once. A rule with a ScheduleExpression becomes one schedule per
 * Lambda target, named `rule/<rule>/<target id>` (a name no user schedule can take), carrying the
 * rule's ARN for the event's `resources` and the target's input options for the scheduler to
 * render. The rule in eventbridge.db is the truth; `sync` makes the schedules follow it, and
 * `syncAll` at start repairs whatever a crash between the two databases left behind.
 */
import type { Scope } from '../core/model.js';
import { parseSchedule } from '../queue/schedule-expr.js';
import type { Schedule, ScheduleStore } from '../queue/types.js';
import { DEFAULT_BUS, ruleArn } from './names.js';
import type { EventBridgeStoreApi as EventBridgeStore, RuleRecord } from './store.js';
import { targetKind } from './targets.js';

export interface ScheduleHost {
  store: ScheduleStore;
  /** The scheduler re-arms its timer. */
  changed(): Promise<void>;
}

const prefix = (rule: string): string => `rule/${rule}/`;

export class RuleSchedules {
  constructor(
    private readonly host: ScheduleHost,
    private readonly store: EventBridgeStore,
    private readonly now: () => number,
  ) {}

  /** Makes the schedules of one rule (of the default bus) match the rule and its targets; `rule` undefined removes them. */
  async sync(scope: Scope, name: string, rule: RuleRecord | undefined): Promise<void> {
    const existing = new Map((await this.host.store.listSchedules(scope)).filter((s) => s.name.startsWith(prefix(name))).map((s) => [s.name, s]));
    const wanted: Schedule[] = [];
    if (rule?.scheduleExpression && rule.bus === DEFAULT_BUS) {
      const expr = parseSchedule(rule.scheduleExpression);
      const now = this.now();
      for (const t of await this.store.targets(scope, DEFAULT_BUS, name)) {
        const k = targetKind(t.arn);
        if (k?.kind !== 'lambda') continue;
        const id = `${prefix(name)}${t.id}`;
        const before = existing.get(id);
        const keep = before !== undefined && before.expression === rule.scheduleExpression;
        const createdAt = keep ? before.createdAt : now;
        const input = t.input === undefined ? undefined : (JSON.parse(t.input) as { Input?: string });
        wanted.push({
          ...scope,
          name: id,
          expression: rule.scheduleExpression,
          functionName: k.functionName,
          qualifier: k.qualifier,
          // A constant Input needs no rendering; InputPath and InputTransformer are rendered per run.
          input: input?.Input,
          enabled: rule.state === 'ENABLED',
          createdAt,
          nextAt: keep && before.nextAt > now ? before.nextAt : (expr.next(now, createdAt) ?? Number.MAX_SAFE_INTEGER),
          lastRunAt: before?.lastRunAt,
          missed: before?.missed ?? 0,
          ruleArn: ruleArn(scope, DEFAULT_BUS, name),
          ...(t.input !== undefined && input?.Input === undefined ? { targetInput: t.input } : {}),
        });
      }
    }
    const keepNames = new Set(wanted.map((s) => s.name));
    for (const n of existing.keys()) if (!keepNames.has(n)) await this.host.store.deleteSchedule(scope, n);
    for (const s of wanted) await this.host.store.putSchedule(s);
    await this.host.changed();
  }

  /** Every scheduled rule's schedules, after a start. */
  async syncAll(): Promise<void> {
    for (const r of await this.store.allRules()) if (r.scheduleExpression && r.bus === DEFAULT_BUS) await this.sync(r, r.name, r);
  }
}
