/**
 * What CloudFormation's API knows beside the stack records (store.stacks, owned by the stack
 * service): change sets, each stack's events, the template and tags it was last deployed with,
 * and the statuses a record cannot hold (REVIEW_IN_PROGRESS before a stack's first change set
 * is executed, *_IN_PROGRESS while it runs, ROLLBACK_COMPLETE after a failed creation, which
 * leaves no record, DELETE_COMPLETE). Kept in memory: a restart forgets change sets and events (the
 * template, capabilities and tags of the last deployment are kept with the stack record),
 * and a stack is then described from its record alone.
 */
import type { Scope } from '../../core/model.js';
import type { StackRecord } from '../../store/records.js';
import type { Planned } from './translate.js';

export interface ResourceChange {
  action: 'Add' | 'Modify' | 'Remove';
  logicalId: string;
  physicalId: string | undefined;
  type: string;
}

export interface ChangeSet {
  id: string;
  name: string;
  scope: Scope;
  stackName: string;
  stackId: string;
  type: 'CREATE' | 'UPDATE';
  status: 'CREATE_COMPLETE' | 'FAILED' | 'DELETE_COMPLETE';
  statusReason: string;
  executionStatus: 'AVAILABLE' | 'UNAVAILABLE' | 'EXECUTE_IN_PROGRESS' | 'EXECUTE_COMPLETE' | 'EXECUTE_FAILED' | 'OBSOLETE';
  description: string | undefined;
  parameters: Record<string, string>;
  capabilities: string[];
  tags: { Key: string; Value: string }[];
  changes: ResourceChange[];
  createdAt: number;
  body: string;
  role: string;
  planned: Planned | undefined;
}

export interface StackEvent {
  id: string;
  logicalId: string;
  physicalId: string;
  type: string;
  status: string;
  reason: string;
  at: number;
}

export interface StackMeta {
  scope: Scope;
  name: string;
  stackId: string;
  /** A status the record cannot hold (see above); undefined: the record's. */
  status: string | undefined;
  statusReason: string;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | undefined;
  description: string;
  /** The template body and parameters of the last successful deployment through CloudFormation. */
  template: string | undefined;
  /** The record's updatedAt when `template` was deployed: a later `nimbus deploy -t` makes the template stale. */
  deployedAt?: number;
  parameters: Record<string, string>;
  capabilities: string[];
  tags: { Key: string; Value: string }[];
  /** Newest last. */
  events: StackEvent[];
  changeSetId: string | undefined;
}

const MAX_EVENTS = 1000;
const MAX_DELETED = 200;

export class CfnState {
  readonly changeSets = new Map<string, ChangeSet>();
  /** By stack id. */
  readonly stacks = new Map<string, StackMeta>();
  /** `account/region/name` -> the id of the live (not deleted) stack of that name. */
  private readonly live = new Map<string, string>();

  private key = (scope: Scope, name: string): string => `${scope.accountId}/${scope.region}/${name}`;

  liveMeta(scope: Scope, name: string): StackMeta | undefined {
    const id = this.live.get(this.key(scope, name));
    return id === undefined ? undefined : this.stacks.get(id);
  }

  /** The meta of a stack id in this scope, deleted ones included. */
  byId(scope: Scope, stackId: string): StackMeta | undefined {
    const m = this.stacks.get(stackId);
    return m && m.scope.accountId === scope.accountId && m.scope.region === scope.region ? m : undefined;
  }

  add(m: StackMeta): StackMeta {
    this.stacks.set(m.stackId, m);
    this.live.set(this.key(m.scope, m.name), m.stackId);
    return m;
  }

  /** The stack of this name is gone: it stays describable by its id, as DELETE_COMPLETE. */
  deleted(m: StackMeta, at: number): void {
    m.status = 'DELETE_COMPLETE';
    m.deletedAt = at;
    if (this.live.get(this.key(m.scope, m.name)) === m.stackId) this.live.delete(this.key(m.scope, m.name));
    for (const c of this.changeSets.values()) if (c.stackId === m.stackId) this.changeSets.delete(c.id);
    const gone = [...this.stacks.values()].filter((s) => s.deletedAt !== undefined);
    for (const s of gone.slice(0, Math.max(0, gone.length - MAX_DELETED))) this.stacks.delete(s.stackId);
  }

  forget(m: StackMeta): void {
    this.stacks.delete(m.stackId);
    if (this.live.get(this.key(m.scope, m.name)) === m.stackId) this.live.delete(this.key(m.scope, m.name));
  }

  event(m: StackMeta, e: StackEvent): void {
    m.events.push(e);
    if (m.events.length > MAX_EVENTS) m.events.splice(0, m.events.length - MAX_EVENTS);
  }

  allMeta(scope: Scope): StackMeta[] {
    return [...this.stacks.values()].filter((m) => m.scope.accountId === scope.accountId && m.scope.region === scope.region);
  }
}

/** A stack as DescribeStacks shows it: the record (absent before a first success) and what only this API knows. */
export interface StackView {
  meta: StackMeta;
  record: StackRecord | undefined;
  status: string;
  reason: string;
}
