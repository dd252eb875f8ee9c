/**
 * CloudFormation's stack operations over Nimbus's stacks (api/stacks): a change set plans a
 * template on the server (translate.ts) and lists what it would add, modify and remove; executing
 * it hands the stack document to the stack service, which applies it with its owner checks and
 * rollback, in the background, so that the clients' waiters see CREATE_IN_PROGRESS, then
 * CREATE_COMPLETE or ROLLBACK_COMPLETE, and DescribeStackEvents has what `sam deploy` prints.
 * A stack made this way is the same stack `nimbus stack ls` lists, and the other way round.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { messageOf, NimbusError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import type { ObjectReader } from '../../core/objects.js';
import { SamError } from '../../sam/errors.js';
import type { Template } from '../../sam/template.js';
import type { CodeStore } from '../../store/code-store.js';
import type { StackRecord } from '../../store/records.js';
import type { LayerService } from '../layers/service.js';
import type { StackService } from '../stacks/service.js';
import { checkCapabilities } from './capabilities.js';
import { CfnError, noStack, validation } from './errors.js';
import type { ChangeSet, StackMeta, StackView } from './state.js';

export type { StackView } from './state.js';
import { CfnState } from './state.js';
import { changesOf, sameMap, sameTags } from './changes.js';
import { documentOf, planTemplate, readDefinitions, readTemplate, readTemplateUrl, SAM_TRANSFORM, stageCode, withPublishedLayers } from './translate.js';

export interface CloudFormationDeps {
  stacks: StackService;
  code: CodeStore;
  clock: Clock;
  /** The Lambda API's layers: a template's LayerVersions are published through it. */
  layers: LayerService;
  /** Nimbus's S3 service: code at `s3://` locations and TemplateURL. Absent: those are refused. */
  objects?: ObjectReader | undefined;
  log: (line: string) => void;
}


export interface CreateChangeSetInput {
  stackName: string;
  changeSetName: string;
  type: 'CREATE' | 'UPDATE';
  body: string | undefined;
  templateUrl: string | undefined;
  usePreviousTemplate: boolean;
  parameters: { ParameterKey?: string; ParameterValue?: string; UsePreviousValue?: string }[];
  capabilities: string[];
  tags: { Key: string; Value: string }[];
  description: string | undefined;
  endpoint: string;
}

const NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set.";
const UPDATABLE = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);
const CHANGE_SET_NAME = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;
/** How long ExecuteChangeSet and DeleteStack wait for the operation before answering. */
const SETTLE_MS = 5000;
/** Change sets kept per stack. */
const MAX_CHANGE_SETS = 20;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

/** A stack named by name or by its id (`arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`). */
export const stackNameOf = (v: string): string => (v.startsWith('arn:') ? (v.split(':').slice(5).join(':').split('/')[1] ?? v) : v);


export class CloudFormationService {
  readonly state = new CfnState();
  /** Executions and deletions under way (awaited by close()). */
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly d: CloudFormationDeps) {}

  private async record(scope: Scope, name: string): Promise<StackRecord | undefined> {
    try {
      return await this.d.stacks.get(scope, name);
    } catch (e) {
      if (e instanceof NimbusError && e.code === 'ERR_NOT_FOUND') return undefined;
      throw e;
    }
  }

  /** The stack a name or id names, or undefined. A stack `nimbus deploy` made is adopted here. */
  async find(scope: Scope, given: string): Promise<StackView | undefined> {
    const name = stackNameOf(given);
    const record = await this.record(scope, name);
    if (given.startsWith('arn:')) {
      const meta = this.state.byId(scope, given);
      if (record && record.stackId === given) return this.view(this.adopt(scope, record, meta), record);
      return meta ? this.view(meta, undefined) : undefined;
    }
    let meta = this.state.liveMeta(scope, name);
    if (record) return this.view(this.adopt(scope, record, meta), record);
    if (meta && meta.status === undefined) {
      // Its record went another way (`nimbus stack rm`).
      this.state.forget(meta);
      meta = undefined;
    }
    return meta ? this.view(meta, undefined) : undefined;
  }

  async get(scope: Scope, given: string): Promise<StackView> {
    const v = await this.find(scope, given);
    if (!v) throw noStack(given);
    return v;
  }

  /** Live stacks of the scope: every record, and the stacks that have none yet (or any more). */
  async list(scope: Scope, withDeleted: boolean): Promise<StackView[]> {
    const out: StackView[] = [];
    const seen = new Set<string>();
    for (const r of await this.d.stacks.list(scope)) {
      const v = this.view(this.adopt(scope, r, this.state.liveMeta(scope, r.name)), r);
      seen.add(r.stackId);
      out.push(v);
    }
    for (const m of this.state.allMeta(scope)) {
      if (seen.has(m.stackId) || (m.status === undefined && m.deletedAt === undefined)) continue;
      if (m.deletedAt !== undefined && !withDeleted) continue;
      out.push(this.view(m, undefined));
    }
    return out;
  }

  private adopt(scope: Scope, r: StackRecord, meta: StackMeta | undefined): StackMeta {
    if (meta && meta.stackId === r.stackId) return meta;
    return this.state.add({
      scope: { accountId: scope.accountId, region: scope.region },
      name: r.name,
      stackId: r.stackId,
      status: undefined,
      statusReason: '',
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      deletedAt: undefined,
      description: r.description,
      // Kept with the record when the last deployment came through CloudFormation (a restart forgets the rest).
      template: r.deployedWith?.body,
      deployedAt: r.deployedWith ? r.updatedAt : undefined,
      parameters: r.parameters,
      capabilities: r.deployedWith?.capabilities ?? [],
      tags: r.deployedWith?.tags ?? [],
      events: [],
      changeSetId: undefined,
    });
  }

  private view(meta: StackMeta, record: StackRecord | undefined): StackView {
    const status = meta.status ?? record?.status ?? 'CREATE_COMPLETE';
    const reason = meta.status !== undefined ? meta.statusReason : (record?.statusReason ?? '');
    return { meta, record, status, reason };
  }

  async templateBody(scope: Scope, body: string | undefined, url: string | undefined): Promise<string> {
    if ((body === undefined) === (url === undefined)) throw validation('Either Template URL or Template Body must be specified.');
    return body ?? (await readTemplateUrl(scope, url!, this.d.objects));
  }

  async createChangeSet(scope: Scope, i: CreateChangeSetInput): Promise<ChangeSet> {
    const name = stackNameOf(i.stackName);
    if (!STACK_NAME.test(name)) throw validation(`1 validation error detected: Value '${name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*`);
    if (!CHANGE_SET_NAME.test(i.changeSetName)) throw validation(`1 validation error detected: Value '${i.changeSetName}' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`);
    const existing = await this.find(scope, i.stackName);
    if (i.type === 'CREATE' && existing && existing.status !== 'REVIEW_IN_PROGRESS') throw new CfnError('AlreadyExistsException', `Stack [${name}] already exists`);
    if (i.type === 'UPDATE') {
      if (!existing || existing.status === 'REVIEW_IN_PROGRESS') throw validation(`Stack [${name}] does not exist`);
      if (!UPDATABLE.has(existing.status)) throw validation(`Stack:${existing.meta.stackId} is in ${existing.status} state and can not be updated.`);
    }
    let body: string;
    if (i.usePreviousTemplate) {
      if (!existing?.meta.template) throw validation(`Stack ${name} has no template Nimbus kept (it was deployed with nimbus deploy, or before a restart); give TemplateBody`);
      body = existing.meta.template;
    } else body = await this.templateBody(scope, i.body, i.templateUrl);
    const template = readTemplate(body);
    checkCapabilities(template, i.capabilities);
    const definitions = await readDefinitions(scope, template, this.d.objects);
    const previous = existing?.record?.parameters;
    const parameters: Record<string, string> = {};
    for (const p of i.parameters) {
      if (!p.ParameterKey) throw validation('ParameterKey must be given for every parameter');
      if (p.UsePreviousValue === 'true') {
        const v = previous?.[p.ParameterKey];
        if (v === undefined) throw validation(`Invalid input for parameter key ${p.ParameterKey}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`);
        parameters[p.ParameterKey] = v;
      } else parameters[p.ParameterKey] = p.ParameterValue ?? '';
    }
    const now = this.d.clock.now();
    const meta =
      existing?.meta ??
      this.state.add({
        scope: { accountId: scope.accountId, region: scope.region },
        name,
        stackId: `arn:aws:cloudformation:${scope.region}:${scope.accountId}:stack/${name}/${randomUUID()}`,
        status: 'REVIEW_IN_PROGRESS',
        statusReason: 'User Initiated',
        createdAt: now,
        updatedAt: now,
        deletedAt: undefined,
        description: template.description,
        template: undefined,
        parameters: {},
        capabilities: [],
        tags: [],
        events: [],
        changeSetId: undefined,
      });
    if (!existing) this.event(meta, meta.name, meta.stackId, 'AWS::CloudFormation::Stack', 'REVIEW_IN_PROGRESS', 'User Initiated');
    for (const c of this.state.changeSets.values()) {
      if (c.stackId === meta.stackId && c.name === i.changeSetName) throw new CfnError('AlreadyExistsException', `ChangeSet [${i.changeSetName}] already exists`);
    }
    // The deploy role `nimbus deploy -t` gives functions without a Role or Policies. A RoleARN is
    // CloudFormation's own service role, not the functions': it is accepted and not used.
    const role = `arn:aws:iam::${scope.accountId}:role/nimbus`;
    const cs: ChangeSet = {
      id: `arn:aws:cloudformation:${scope.region}:${scope.accountId}:changeSet/${i.changeSetName}/${randomUUID()}`,
      name: i.changeSetName,
      scope: meta.scope,
      stackName: name,
      stackId: meta.stackId,
      type: i.type,
      status: 'CREATE_COMPLETE',
      statusReason: '',
      executionStatus: 'AVAILABLE',
      description: i.description,
      parameters,
      capabilities: i.capabilities,
      tags: i.tags,
      changes: [],
      createdAt: now,
      body,
      role,
      planned: undefined,
    };
    try {
      cs.planned = planTemplate(template, {
        scope,
        stackName: name,
        stackId: meta.stackId,
        body,
        parameters,
        previousParameters: previous,
        endpoint: i.endpoint,
        role,
        definitions,
      });
      cs.parameters = cs.planned.plan.parameters;
      cs.changes = changesOf(template, cs.planned.plan.apis.map((a) => a.logicalId), existing);
      const same = existing?.meta.template === body && existing.record?.updatedAt === existing.meta.deployedAt && sameMap(existing.record?.parameters ?? {}, cs.parameters) && sameTags(existing.meta.tags, i.tags);
      if (i.type === 'UPDATE' && same) this.fail(cs, NO_CHANGES);
    } catch (e) {
      if (!(e instanceof SamError)) throw e;
      const transformed = template.transform.includes(SAM_TRANSFORM);
      this.fail(cs, transformed ? `Transform ${SAM_TRANSFORM} failed with: Invalid Serverless Application Specification document. Number of errors found: 1. ${e.message}` : `Template error: ${e.message}`);
    }
    this.state.changeSets.set(cs.id, cs);
    // Change sets nobody executes (every no-op `sam deploy` leaves one) are kept up to a bound, the oldest dropped.
    const mine = [...this.state.changeSets.values()].filter((c) => c.stackId === cs.stackId && c.executionStatus !== 'EXECUTE_IN_PROGRESS');
    for (const c of mine.slice(0, Math.max(0, mine.length - MAX_CHANGE_SETS))) this.state.changeSets.delete(c.id);
    return cs;
  }

  private fail(cs: ChangeSet, reason: string): void {
    cs.status = 'FAILED';
    cs.statusReason = reason;
    cs.executionStatus = 'UNAVAILABLE';
  }

  /** A change set by its ARN, or by name with its stack. */
  async changeSet(scope: Scope, nameOrId: string, stackName: string | undefined): Promise<ChangeSet> {
    let found: ChangeSet | undefined;
    if (nameOrId.startsWith('arn:')) found = this.state.changeSets.get(nameOrId);
    else {
      if (!stackName) throw validation('StackName must be specified if ChangeSetName is not specified as an ARN.');
      const s = await this.find(scope, stackName);
      found = s ? [...this.state.changeSets.values()].find((c) => c.stackId === s.meta.stackId && c.name === nameOrId) : undefined;
    }
    if (!found || found.scope.accountId !== scope.accountId || found.scope.region !== scope.region) throw new CfnError('ChangeSetNotFound', `ChangeSet [${nameOrId}] does not exist`, 404);
    return found;
  }

  async executeChangeSet(scope: Scope, nameOrId: string, stackName: string | undefined): Promise<void> {
    const cs = await this.changeSet(scope, nameOrId, stackName);
    if (cs.status !== 'CREATE_COMPLETE' || cs.executionStatus !== 'AVAILABLE') {
      throw new CfnError('InvalidChangeSetStatus', `ChangeSet [${cs.id}] cannot be executed in its current status of [${cs.status}]`);
    }
    const view = await this.find(scope, cs.stackId);
    if (!view) throw noStack(cs.stackName);
    if (view.status.endsWith('_IN_PROGRESS') && view.status !== 'REVIEW_IN_PROGRESS') throw validation(`Stack:${cs.stackId} is in ${view.status} state and can not be updated.`);
    const meta = view.meta;
    const creating = cs.type === 'CREATE';
    meta.status = creating ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS';
    meta.statusReason = 'User Initiated';
    meta.changeSetId = cs.id;
    cs.executionStatus = 'EXECUTE_IN_PROGRESS';
    // Executing one change set removes the stack's others, as on AWS.
    for (const c of this.state.changeSets.values()) if (c.stackId === cs.stackId && c.id !== cs.id) this.state.changeSets.delete(c.id);
    this.event(meta, meta.name, meta.stackId, 'AWS::CloudFormation::Stack', meta.status, 'User Initiated');
    await this.settle(this.track(this.run(cs, meta, view.record)));
  }

  private track(p: Promise<void>): Promise<void> {
    const t = p.catch((e: unknown) => this.d.log(`cloudformation: ${messageOf(e)}`)).finally(() => this.running.delete(t));
    this.running.add(t);
    return t;
  }

  /**
   * Gives a short operation the time to finish before the request answers: the clients' waiters
   * then see the final status on their first poll instead of sleeping their delay (30 s for
   * `aws cloudformation deploy`). A longer one goes on in the background.
   */
  private async settle(p: Promise<void>): Promise<void> {
    let cancel: () => void = () => undefined;
    await Promise.race([p, new Promise<void>((resolve) => (cancel = this.d.clock.setTimer(SETTLE_MS, resolve)))]);
    cancel();
  }

  /** Waits for executions and deletions under way (for a clean shutdown and for tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private async run(cs: ChangeSet, meta: StackMeta, before: StackRecord | undefined): Promise<void> {
    const creating = cs.type === 'CREATE';
    const planned = cs.planned!.plan;
    try {
      const plan = await withPublishedLayers(cs.scope, planned, this.d.layers, this.d.objects);
      const staged = await stageCode(cs.scope, plan, this.d.code, this.d.objects);
      const record = await this.d.stacks.deploy(cs.scope, cs.stackName, documentOf(plan, staged, cs.role), { body: cs.body, capabilities: cs.capabilities, tags: cs.tags });
      const physical = new Map(record.resources.map((r) => [r.logicalId, r.physicalId]));
      for (const c of cs.changes) {
        const pid = physical.get(c.logicalId) ?? c.physicalId ?? c.logicalId;
        if (c.action === 'Remove') {
          this.event(meta, c.logicalId, pid, c.type, 'DELETE_COMPLETE', '');
          continue;
        }
        const verb = c.action === 'Add' ? 'CREATE' : 'UPDATE';
        this.event(meta, c.logicalId, pid, c.type, `${verb}_IN_PROGRESS`, '');
        this.event(meta, c.logicalId, pid, c.type, `${verb}_COMPLETE`, '');
      }
      for (const w of planned.warnings) this.event(meta, meta.name, meta.stackId, 'AWS::CloudFormation::Stack', creating ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS', `Nimbus: ${w}`);
      meta.template = cs.body;
      meta.deployedAt = record.updatedAt;
      meta.parameters = record.parameters;
      meta.capabilities = cs.capabilities;
      meta.tags = cs.tags;
      meta.description = record.description;
      meta.status = undefined;
      meta.statusReason = '';
      meta.updatedAt = record.updatedAt;
      cs.executionStatus = 'EXECUTE_COMPLETE';
      cs.planned = undefined;
      this.event(meta, meta.name, meta.stackId, 'AWS::CloudFormation::Stack', record.status, '');
    } catch (e) {
      // The stack service's message, without what the events say themselves (the stack, the resource, the rollback).
      const reason = messageOf(e)
        .replace(`Stack ${cs.stackName}: `, '')
        .replace(/ (The stack was rolled back to its previous state\.|Everything the deployment created was deleted\.)/, '');
      if (!(e instanceof NimbusError) && !(e instanceof CfnError)) this.d.log(`cloudformation: stack ${cs.stackName}: ${reason}`);
      // The stack service names the resource that failed (`Stack s: <LogicalId>: ...`).
      const m = /^([A-Za-z0-9]+): /.exec(reason);
      const failed = cs.changes.find((c) => c.logicalId === m?.[1]) ?? cs.changes.find((c) => reason.startsWith(`${c.logicalId}:`));
      const id = failed?.logicalId ?? meta.name;
      const own = failed && m ? reason.slice(m[0].length) : reason;
      this.event(meta, id, failed?.physicalId ?? id, failed?.type ?? 'AWS::CloudFormation::Stack', creating || failed?.action === 'Add' ? 'CREATE_FAILED' : 'UPDATE_FAILED', own);
      const why = `The following resource(s) failed to ${creating ? 'create' : 'update'}: [${id}]. `;
      cs.executionStatus = 'EXECUTE_FAILED';
      cs.planned = undefined;
      if (creating) {
        this.event(meta, meta.name, meta.stackId, 'AWS::CloudFormation::Stack', 'ROLLBACK_IN_PROGRESS', `${why}Rollback requested by user.`);
        meta.status = 'ROLLBACK_COMPLETE';
        meta.statusReason = `${why}${reason}`;
        meta.updatedAt = this.d.clock.now();
        this.event(meta, meta.name, meta.stackId, 'AWS::CloudFormation::Stack', 'ROLLBACK_COMPLETE', '');
      } else {
        this.event(meta, meta.name, meta.stackId, 'AWS::CloudFormation::Stack', 'UPDATE_ROLLBACK_IN_PROGRESS', `${why}${reason}`);
        const after = await this.record(cs.scope, cs.stackName);
        // The stack service keeps the previous record (UPDATE_ROLLBACK_COMPLETE/FAILED); a failure before it ran leaves the record as it was.
        meta.status = after && after.updatedAt !== before?.updatedAt ? undefined : 'UPDATE_ROLLBACK_COMPLETE';
        meta.statusReason = `${why}${reason}`;
        meta.updatedAt = this.d.clock.now();
        this.event(meta, meta.name, meta.stackId, 'AWS::CloudFormation::Stack', after?.status === 'UPDATE_ROLLBACK_FAILED' ? 'UPDATE_ROLLBACK_FAILED' : 'UPDATE_ROLLBACK_COMPLETE', '');
      }
    }
  }

  async deleteStack(scope: Scope, given: string): Promise<void> {
    const v = await this.find(scope, given);
    // Deleting a stack that does not exist succeeds, as on AWS.
    if (!v || v.status === 'DELETE_COMPLETE') return;
    if (v.status.endsWith('_IN_PROGRESS') && v.status !== 'REVIEW_IN_PROGRESS') throw validation(`Stack [${v.meta.name}] cannot be deleted while in status ${v.status}`);
    const meta = v.meta;
    meta.status = 'DELETE_IN_PROGRESS';
    meta.statusReason = 'User Initiated';
    this.event(meta, meta.name, meta.stackId, 'AWS::CloudFormation::Stack', 'DELETE_IN_PROGRESS', 'User Initiated');
    await this.settle(this.track(this.runDelete(scope, meta, v.record)));
  }

  private async runDelete(scope: Scope, meta: StackMeta, record: StackRecord | undefined): Promise<void> {
    try {
      if (record) await this.d.stacks.delete(scope, meta.name);
      for (const r of record?.resources ?? []) this.event(meta, r.logicalId, r.physicalId, r.type, 'DELETE_COMPLETE', '');
      this.event(meta, meta.name, meta.stackId, 'AWS::CloudFormation::Stack', 'DELETE_COMPLETE', '');
      this.state.deleted(meta, this.d.clock.now());
    } catch (e) {
      meta.status = 'DELETE_FAILED';
      meta.statusReason = messageOf(e);
      this.event(meta, meta.name, meta.stackId, 'AWS::CloudFormation::Stack', 'DELETE_FAILED', messageOf(e));
    }
  }

  deleteChangeSet(cs: ChangeSet): void {
    if (cs.executionStatus === 'EXECUTE_IN_PROGRESS') throw new CfnError('InvalidChangeSetStatus', `ChangeSet [${cs.id}] cannot be deleted in its current status of [${cs.executionStatus}]`);
    this.state.changeSets.delete(cs.id);
  }

  private event(meta: StackMeta, logicalId: string, physicalId: string, type: string, status: string, reason: string): void {
    this.state.event(meta, { id: randomUUID(), logicalId, physicalId, type, status, reason, at: this.d.clock.now() });
  }

  /** A template given by body or URL, parsed and checked (ValidateTemplate, GetTemplateSummary). */
  async template(scope: Scope, body: string | undefined, url: string | undefined): Promise<Template> {
    return readTemplate(await this.templateBody(scope, body, url));
  }
}
