/**
 * Deleting what a stack no longer has (a redeployment's cleanup, as CloudFormation's
 * UPDATE_COMPLETE_CLEANUP_IN_PROGRESS) or everything it owns (`stack rm`). Dependents go first:
 * event-source mappings, subscriptions, event-invoke configs, URL configs, aliases and rules
 * before their function; functions before the queues, topics and buses they read or are named by.
 * Something already gone is fine; anything else that fails is reported and the rest still goes. Published versions are kept
 * (SAM's versions have `DeletionPolicy: Retain`) until their function is deleted.
 */
import { messageOf } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import type { StackResource } from '../../store/records.js';
import { deleteRoleWithPolicies } from './apply-roles.js';
import { deleteTable, TABLE_TYPE } from './apply-tables.js';
import { deleteStoreResource, PARAMETER_TYPE, SECRET_TYPE } from './apply-store.js';
import { deleteRule } from './apply-triggers.js';
import type { StackDeps } from './deps.js';
import { isMissing } from './service-errors.js';
import { NO_S3 } from './apply-buckets.js';

/** Deletion order: lower first. */
const ORDER: Record<string, number> = {
  'AWS::Lambda::EventSourceMapping': 0,
  'AWS::SNS::Subscription': 0,
  'AWS::Lambda::EventInvokeConfig': 0,
  'AWS::Lambda::Url': 1,
  'AWS::Lambda::Alias': 2,
  'AWS::Events::Rule': 3,
  'AWS::Scheduler::Schedule': 3,
  'AWS::Lambda::Function': 4,
  'AWS::SQS::Queue': 5,
  'AWS::SNS::Topic': 5,
  [TABLE_TYPE]: 5,
  [PARAMETER_TYPE]: 5,
  [SECRET_TYPE]: 5,
  'AWS::Events::EventBus': 6,
  // After the functions that use them.
  'AWS::IAM::Role': 7,
  'AWS::S3::Bucket': 8,
};

/** `name` or `name:qualifier`. */
function split(physicalId: string): [string, string | undefined] {
  const i = physicalId.indexOf(':');
  return i < 0 ? [physicalId, undefined] : [physicalId.slice(0, i), physicalId.slice(i + 1)];
}

async function ignoreMissing(f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!isMissing(e)) throw e;
  }
}

async function deleteOne(scope: Scope, r: StackResource, d: StackDeps): Promise<void> {
  const [name, qualifier] = split(r.physicalId);
  switch (r.type) {
    case 'AWS::Lambda::EventInvokeConfig':
      return d.eventInvokeConfigs.delete(scope, name, qualifier === '$LATEST' ? undefined : qualifier);
    case 'AWS::Lambda::Url':
      return d.urls.delete(scope, name, qualifier);
    case 'AWS::Lambda::Alias':
      if (qualifier === undefined) return;
      // What hangs on the alias goes first (its URL config goes with it).
      await ignoreMissing(() => d.provisioned.delete(scope, name, qualifier));
      await ignoreMissing(() => d.eventInvokeConfigs.delete(scope, name, qualifier));
      return d.aliases.delete(scope, name, qualifier);
    case 'AWS::Events::Rule': {
      // An EventBridge rule is `bus|name` (apply-triggers.ts); a plain name is a Nimbus schedule.
      const bar = r.physicalId.indexOf('|');
      if (bar >= 0) return deleteRule(d, scope, r.physicalId.slice(0, bar), r.physicalId.slice(bar + 1));
      return d.schedules.delete(scope, r.physicalId);
    }
    case 'AWS::Scheduler::Schedule':
      return d.schedules.delete(scope, r.physicalId);
    case 'AWS::Lambda::Function':
      return d.functions.delete(scope, name);
    case 'AWS::Lambda::EventSourceMapping':
      await d.mappings.delete(scope, r.physicalId);
      return;
    case 'AWS::SNS::Subscription':
      return d.sns.unsubscribe(scope, r.physicalId);
    case 'AWS::SQS::Queue':
      return d.sqs.deleteQueue(scope, r.physicalId);
    case TABLE_TYPE:
      return deleteTable(d.dynamodb, scope, r.physicalId);
    case 'AWS::SNS::Topic':
      return d.sns.deleteTopic(scope, r.physicalId);
    case 'AWS::IAM::Role':
      if (!(await d.roles.getRole(scope.accountId, r.physicalId))) return;
      return deleteRoleWithPolicies(d.roles, scope.accountId, r.physicalId);
    case 'AWS::S3::Bucket':
      // As CloudFormation: a bucket that still holds objects is not deleted (the stack reports it).
      if (!d.buckets) throw new Error(NO_S3);
      return d.buckets.deleteBucket(scope, r.physicalId);
    case PARAMETER_TYPE:
    case SECRET_TYPE:
      return deleteStoreResource(scope, r, d);
    case 'AWS::Events::EventBus':
      await d.eventBridge.call(scope, 'DeleteEventBus', { Name: r.physicalId });
      return;
    default:
      // Versions are retained; APIs go with the stack's route table, which the caller replaces.
      return;
  }
}

/** Deletes `resources`; returns what could not be deleted, and why. */
export async function deleteResources(scope: Scope, resources: readonly StackResource[], d: StackDeps): Promise<string[]> {
  const failed: string[] = [];
  const sorted = [...resources].sort((a, b) => (ORDER[a.type] ?? 9) - (ORDER[b.type] ?? 9));
  for (const r of sorted) {
    // DeletionPolicy: Retain (tables): the resource leaves the stack and stays.
    if (r.retain) continue;
    try {
      await deleteOne(scope, r, d);
    } catch (e) {
      if (isMissing(e)) continue;
      failed.push(`${r.logicalId} (${r.type} ${r.physicalId}): ${messageOf(e)}`);
    }
  }
  return failed;
}
