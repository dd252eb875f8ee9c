/**
 * SAM stacks, deployed the way CloudFormation deploys them (`PUT /nimbus/v1/stacks/<name>`,
 * `nimbus deploy -t`): a stack record of everything the stack owns; a redeployment updates in
 * place, creates what is new and, once everything else succeeded, deletes what the template no
 * longer has; a deployment that fails anywhere undoes every change it made (journal.ts), so the
 * previous stack keeps working unchanged; a resource name another stack owns, or a function that
 * exists outside any stack, is refused before anything changes.
 *
 * Stack operations run one at a time: ownership checks and the changes that follow them must not
 * interleave with another deployment's.
 */
import { randomUUID } from 'node:crypto';
import { conflict, messageOf, NimbusError, notFound, validationError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import type { StackRecord, StackResource, StackTemplate } from '../../store/records.js';
import { applyEventInvokeConfig, applyFunction } from './apply-function.js';
import { applyBucketNotifications, applyBuckets } from './apply-buckets.js';
import { applyRoles } from './apply-roles.js';
import { applyServices, topicArn } from './apply-services.js';
import { applyTables, TABLE_TYPE, tableExists } from './apply-tables.js';
import { applyKinesisStreams, KINESIS_TYPE, kinesisStreamExists } from './kinesis-streams.js';
import { applyTriggers, rulePhysicalId } from './apply-triggers.js';
import { deleteResources } from './cleanup.js';
import type { StackDeps } from './deps.js';
import { resolveDynamicReferences } from './dynamic-refs.js';
import { applyStore, PARAMETER_TYPE, SECRET_TYPE, storeResourceExists } from './apply-store.js';
import { parseDocument, STACK_NAME, type StackDocument } from './document.js';
import { Journal } from './journal.js';
import { isMissing } from './service-errors.js';

/** The resource kinds whose names must be unique: another stack may not own the same one. */
const KIND: Readonly<Record<string, string>> = {
  'AWS::Lambda::Function': 'function',
  'AWS::Events::Rule': 'schedule',
  'AWS::Scheduler::Schedule': 'schedule',
  'AWS::SQS::Queue': 'queue',
  'AWS::SNS::Topic': 'topic',
  'AWS::Events::EventBus': 'event bus',
  'AWS::ApiGateway::RestApi': 'API',
  'AWS::ApiGatewayV2::Api': 'API',
  'AWS::IAM::Role': 'role',
  'AWS::S3::Bucket': 'bucket',
  [TABLE_TYPE]: 'table',
  [PARAMETER_TYPE]: 'parameter',
  [SECRET_TYPE]: 'secret',
  [KINESIS_TYPE]: 'Kinesis stream',
};

/** An EventBridge rule's physical id is `bus|name` (apply-triggers.ts); a schedule's a plain name. */
const kindOf = (r: StackResource): string | undefined => (r.type === 'AWS::Events::Rule' && r.physicalId.includes('|') ? 'rule' : KIND[r.type]);
/** Resources the apply steps list themselves (with what they consist of). */
const LISTED_BY_APPLY = new Set(['AWS::S3::Bucket', 'AWS::IAM::Role', 'AWS::Lambda::Function', 'AWS::SQS::Queue', 'AWS::SNS::Topic', 'AWS::Events::EventBus', TABLE_TYPE, PARAMETER_TYPE, SECRET_TYPE, KINESIS_TYPE]);

const key = (r: StackResource): string | undefined => {
  const k = kindOf(r);
  return k ? `${k} ${r.physicalId}` : undefined;
};

export class StackService {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly d: StackDeps) {}

  list(scope: Scope): Promise<StackRecord[]> {
    return this.d.store.stacks.list(scope);
  }

  async get(scope: Scope, name: string): Promise<StackRecord> {
    const s = await this.d.store.stacks.get(scope, name);
    // CloudFormation's DescribeStacks message for a missing stack.
    if (!s) throw notFound(`Stack with id ${name} does not exist`);
    return s;
  }

  /**
   * Creates or updates a stack from a stack document (document.ts); answers the new record.
   * `deployedWith`: the CloudFormation template it came from, kept with the record (none from `nimbus deploy`).
   */
  deploy(scope: Scope, name: string, body: unknown, deployedWith?: StackTemplate): Promise<StackRecord> {
    return this.serial(() => this.apply(scope, checkName(name), body, deployedWith));
  }

  /** Deletes everything a stack owns, then its record. */
  delete(scope: Scope, name: string): Promise<void> {
    return this.serial(async () => {
      const s = await this.get(scope, name);
      const failed = await deleteResources(scope, s.resources, this.d);
      await this.d.routes.replaceStack(scope, name, { apis: [], routes: [] });
      if (failed.length > 0) {
        await this.d.store.stacks.put({ ...s, status: 'DELETE_FAILED', statusReason: failed.join('; '), updatedAt: this.d.clock.now() });
        throw conflict(`Stack ${name} could not delete everything it owns: ${failed.join('; ')}`);
      }
      await this.d.store.stacks.delete(scope, name);
    });
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.chain.then(op, op);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async apply(scope: Scope, name: string, body: unknown, deployedWith: StackTemplate | undefined): Promise<StackRecord> {
    // A cluster node fetches the packages uploaded through another node; the document's check names any still missing.
    await this.d.code.ensure(documentShas(body))?.catch(() => undefined);
    // The document as sent: its `{{resolve:...}}` references take their values below, once the
    // stack's own parameters and secrets exist (CloudFormation resolves them as it creates each resource).
    const doc = parseDocument(scope, name, body, { routes: this.d.routes, code: this.d.code });
    const prev = await this.d.store.stacks.get(scope, name);
    if (prev && doc.StackId !== undefined && doc.StackId !== prev.stackId) {
      throw conflict(`Stack ${name} was deleted and deployed again since this deployment read it (its id is now ${prev.stackId}); deploy again.`);
    }
    const stackId = prev?.stackId ?? doc.StackId ?? `arn:aws:cloudformation:${scope.region}:${scope.accountId}:stack/${name}/${randomUUID()}`;
    const wanted = planned(scope, doc);
    await this.checkOwnership(scope, name, prev, doc, wanted);
    const journal = new Journal();
    try {
      const resources: StackResource[] = [];
      // Parameters and secrets first: functions read them, and the document's `{{resolve:...}}` may name them.
      const resolve = async <T>(v: T): Promise<T> => (await resolveDynamicReferences(v, scope, this.d.dynamicReferences)) as T;
      resources.push(...(await applyStore(scope, { SsmParameters: await resolve(doc.SsmParameters), Secrets: await resolve(doc.Secrets) }, journal, this.d, within)));
      const live = parseDocument(scope, name, await resolve(body), { routes: this.d.routes, code: this.d.code });
      // Buckets before everything: nothing else names them on Nimbus, and a failure here changes nothing else.
      resources.push(...(await applyBuckets(scope, live, prev?.resources ?? [], journal, this.d.buckets, within)));
      // Roles first: a function's credentials carry its role from its first invocation.
      resources.push(...(await applyRoles(scope, live.Roles, journal, this.d.roles, within)));
      // Queues, topics and buses first: functions name them (destinations, dead-letter queues).
      resources.push(...(await applyServices(scope, live, journal, this.d, within)));
      // Tables before the functions: a function may write to its table on its first invocation.
      resources.push(...(await applyTables(scope, live.Tables, journal, this.d.dynamodb, within)));
      // Streams before the mappings that read them.
      resources.push(...(await applyKinesisStreams(scope, live.KinesisStreams, journal, this.d.kinesis, within)));
      for (const f of live.Functions) resources.push(...(await within(f.LogicalId, () => applyFunction(scope, f, journal, this.d))));
      for (const f of live.Functions) {
        const r = await within(f.LogicalId, async () => await applyEventInvokeConfig(scope, f, journal, this.d));
        if (r) resources.push(r);
      }
      const routesBefore = await this.d.routes.ofStack(scope, name);
      await this.d.routes.replaceStack(scope, name, live.Apis);
      journal.push(`restore the APIs of ${name}`, async () => await this.d.routes.replaceStack(scope, name, routesBefore));
      for (const s of live.Schedules) await within(s.LogicalId, async () => await this.applySchedule(scope, s.Name, s.Body, journal));
      // What makes the functions run, once they exist: subscriptions, rules, event-source mappings.
      resources.push(...(await applyTriggers(scope, live, prev?.resources ?? [], journal, this.d, within)));
      // S3 notifications last: their destinations exist now (S3 sends queues and topics a test event).
      await applyBucketNotifications(scope, live, prev?.resources ?? [], journal, this.d.buckets, within);
      resources.push(...wanted.filter((r) => !LISTED_BY_APPLY.has(r.type) && kindOf(r) !== 'rule'));
      // Cleanup, once everything new is in place: what the previous deployment had and this one has not.
      const kept = new Set(resources.map((r) => `${r.type} ${r.physicalId}`));
      const removed = (prev?.resources ?? []).filter((r) => !kept.has(`${r.type} ${r.physicalId}`));
      const failed = await deleteResources(scope, removed, this.d);
      const now = this.d.clock.now();
      const record: StackRecord = {
        ...scope,
        name,
        stackId,
        status: prev ? 'UPDATE_COMPLETE' : 'CREATE_COMPLETE',
        statusReason: failed.length ? `Cleanup could not delete: ${failed.join('; ')}` : '',
        description: doc.Description,
        parameters: doc.Parameters,
        // As CloudFormation: outputs show what the template says, never a resolved secret.
        outputs: doc.Outputs,
        resources,
        createdAt: prev?.createdAt ?? now,
        updatedAt: now,
        ...(deployedWith ? { deployedWith } : {}),
      };
      await this.d.store.stacks.put(record);
      return record;
    } catch (e) {
      const failed = await journal.rollback();
      const reason = messageOf(e);
      if (prev) {
        await this.d.store.stacks.put({
          ...prev,
          status: failed.length ? 'UPDATE_ROLLBACK_FAILED' : 'UPDATE_ROLLBACK_COMPLETE',
          statusReason: reason,
          updatedAt: this.d.clock.now(),
        });
      }
      const undo = failed.length ? ` The rollback could not undo: ${failed.join('; ')}.` : '';
      const after = prev ? 'The stack was rolled back to its previous state.' : 'Everything the deployment created was deleted.';
      this.d.log(`stack ${name}: deployment failed and was rolled back: ${reason}${undo}`);
      if (e instanceof NimbusError) throw new NimbusError(e.code, `Stack ${name}: ${reason} ${after}${undo}`, e.extra);
      throw e;
    } finally {
      // Uploaded packages no function ended up using are not kept.
      for (const f of doc.Functions) if (!await this.d.store.codeInUse(f.CodeSha256)) this.d.code.remove(f.CodeSha256);
    }
  }

  private async applySchedule(scope: Scope, scheduleName: string, body: Record<string, unknown>, j: Journal): Promise<void> {
    let before;
    try {
      before = await this.d.schedules.get(scope, scheduleName);
    } catch {
      before = undefined;
    }
    await this.d.schedules.put(scope, scheduleName, body);
    j.push(`restore schedule ${scheduleName}`, async () => {
      if (!before) return this.d.schedules.delete(scope, scheduleName);
      await this.d.schedules.put(scope, scheduleName, {
        ScheduleExpression: before.expression,
        FunctionName: before.functionName,
        ...(before.qualifier ? { Qualifier: before.qualifier } : {}),
        ...(before.input !== undefined ? { Input: before.input } : {}),
        State: before.enabled ? 'ENABLED' : 'DISABLED',
      });
    });
  }

  /**
   * Refuses names another stack owns, functions and schedules that exist outside any stack, and
   * API ids in use anywhere (an API host names no scope), before anything changes.
   */
  private async checkOwnership(scope: Scope, name: string, prev: StackRecord | undefined, doc: StackDocument, wanted: StackResource[]): Promise<void> {
    const owner = new Map<string, string>();
    for (const s of await this.d.store.stacks.list(scope)) {
      if (s.name === name) continue;
      for (const r of s.resources) {
        const k = key(r);
        if (k) owner.set(k, s.name);
      }
    }
    const mine = new Set((prev?.resources ?? []).map(key).filter((k) => k !== undefined));
    for (const r of wanted) {
      const k = key(r)!;
      const other = owner.get(k);
      if (other !== undefined) throw conflict(`${r.logicalId}: ${k} belongs to stack ${other}; give this one another name.`);
      if (mine.has(k)) continue;
      if (r.type === 'AWS::Lambda::Function' && await this.d.store.getVersion(scope, r.physicalId, '$LATEST')) {
        throw conflict(`${r.logicalId}: function ${r.physicalId} already exists and is not part of stack ${name}; delete it or give this one another FunctionName.`);
      }
      if (KIND[r.type] === 'schedule' && kindOf(r) === 'schedule' && (await this.d.schedules.list(scope)).some((s) => s.name === r.physicalId)) {
        throw conflict(`${r.logicalId}: schedule ${r.physicalId} already exists and is not part of stack ${name}; delete it or give this one another Name.`);
      }
      if (await this.existsOutside(scope, r)) {
        // CloudFormation refuses to take over a named queue, topic, bus or rule it did not create.
        throw conflict(`${r.logicalId}: ${k} already exists and is not part of stack ${name}; delete it or give this one another name.`);
      }
    }
    for (const a of await this.d.routes.apis()) {
      const same = a.accountId === scope.accountId && a.region === scope.region && a.stack === name;
      if (!same && doc.Apis.apis.some((x) => x.apiId === a.apiId)) throw conflict(`API id ${a.apiId} is already used by stack ${a.stack}.`);
    }
  }

  /** Whether a queue, topic, event bus or EventBridge rule of this name exists in the services. */
  private async existsOutside(scope: Scope, r: StackResource): Promise<boolean> {
    const probe = async (f: () => unknown): Promise<boolean> => {
      try {
        await f();
        return true;
      } catch (e) {
        if (isMissing(e)) return false;
        throw e;
      }
    };
    switch (kindOf(r)) {
      case 'queue':
        return probe(() => this.d.sqs.queue(scope, r.physicalId));
      case 'topic':
        return (await this.d.sns.topicAttributes(scope, r.physicalId)) !== undefined;
      case 'event bus':
        return probe(() => this.d.eventBridge.call(scope, 'DescribeEventBus', { Name: r.physicalId }));
      case 'table':
        return tableExists(this.d.dynamodb, scope, r.physicalId);
      case 'parameter':
      case 'secret':
        return storeResourceExists(scope, r, this.d);
      case 'Kinesis stream':
        return kinesisStreamExists(this.d.kinesis, scope, r.physicalId);
      case 'role':
        return (await this.d.roles.getRole(scope.accountId, r.physicalId)) !== undefined;
      case 'rule': {
        const [bus, rule] = r.physicalId.split('|') as [string, string];
        return probe(() => this.d.eventBridge.call(scope, 'DescribeRule', { Name: rule, EventBusName: bus }));
      }
      default:
        return false;
    }
  }
}

/** The uniquely named resources a document asks for (functions, APIs, schedules, queues, topics, buses, rules). */
function planned(scope: Scope, doc: StackDocument): StackResource[] {
  return [
    ...doc.Roles.map((r) => ({ logicalId: r.LogicalId, type: 'AWS::IAM::Role', physicalId: r.RoleName })),
    ...doc.Functions.map((f) => ({ logicalId: f.LogicalId, type: 'AWS::Lambda::Function', physicalId: f.FunctionName })),
    ...doc.Apis.apis.map((a) => ({ logicalId: a.logicalId, type: a.type === 'REST' ? 'AWS::ApiGateway::RestApi' : 'AWS::ApiGatewayV2::Api', physicalId: a.apiId })),
    ...doc.Schedules.map((s) => ({ logicalId: s.LogicalId, type: s.Type, physicalId: s.Name })),
    ...doc.Queues.map((q) => ({ logicalId: q.LogicalId, type: 'AWS::SQS::Queue', physicalId: q.QueueName })),
    ...doc.Topics.map((t) => ({ logicalId: t.LogicalId, type: 'AWS::SNS::Topic', physicalId: topicArn(scope, t.TopicName) })),
    ...doc.EventBuses.map((b) => ({ logicalId: b.LogicalId, type: 'AWS::Events::EventBus', physicalId: b.Name })),
    ...doc.Rules.map((r) => ({ logicalId: r.LogicalId, type: 'AWS::Events::Rule', physicalId: rulePhysicalId(r.EventBusName, r.Name) })),
    ...doc.Buckets.map((b) => ({ logicalId: b.LogicalId, type: 'AWS::S3::Bucket', physicalId: b.BucketName })),
    ...doc.Tables.map((t) => ({ logicalId: t.LogicalId, type: TABLE_TYPE, physicalId: t.TableName })),
    ...doc.SsmParameters.map((p) => ({ logicalId: p.LogicalId, type: PARAMETER_TYPE, physicalId: p.Request['Name'] as string })),
    ...doc.Secrets.map((s) => ({ logicalId: s.LogicalId, type: SECRET_TYPE, physicalId: s.Arn })),
    ...doc.KinesisStreams.map((k) => ({ logicalId: k.LogicalId, type: KINESIS_TYPE, physicalId: k.StreamName })),
  ];
}

function checkName(name: string): string {
  if (!STACK_NAME.test(name)) throw validationError(name, 'stackName', `Member must satisfy regular expression pattern: ${STACK_NAME.source}`);
  return name;
}

/** Runs one resource's step; its errors name the resource, as CloudFormation's events do. */
async function within<T>(logicalId: string, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof NimbusError) throw new NimbusError(e.code, `${logicalId}: ${e.message}`, e.extra);
    throw e;
  }
}

/** The CodeSha256 values a stack document names, before it is validated. */
function documentShas(body: unknown): string[] {
  const fns = (body as { Functions?: unknown } | null)?.Functions;
  if (!Array.isArray(fns)) return [];
  return fns.map((f) => (f as { CodeSha256?: unknown } | null)?.CodeSha256).filter((s): s is string => typeof s === 'string');
}
