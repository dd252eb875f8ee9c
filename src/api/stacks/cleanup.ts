/**
 * Deleting what a stack no longer has (a redeployment's cleanup, as CloudFormation's
 * UPDATE_COMPLETE_CLEANUP_IN_PROGRESS) or everything it owns (`stack rm`). Dependents go first:
 * event-invoke configs, URL configs and aliases before their function. Something already gone is
 * fine; anything else that fails is reported and the rest still goes. Published versions are kept
 * (SAM's versions have `DeletionPolicy: Retain`) until their function is deleted.
 */
import { messageOf, NimbusError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import type { StackResource } from '../../store/records.js';
import type { StackDeps } from './deps.js';

/** Deletion order: lower first. */
const ORDER: Record<string, number> = {
  'AWS::Lambda::EventInvokeConfig': 0,
  'AWS::Lambda::Url': 1,
  'AWS::Lambda::Alias': 2,
  'AWS::Events::Rule': 3,
  'AWS::Scheduler::Schedule': 3,
  'AWS::Lambda::Function': 4,
  'AWS::SQS::Queue': 5,
};

/** `name` or `name:qualifier`. */
function split(physicalId: string): [string, string | undefined] {
  const i = physicalId.indexOf(':');
  return i < 0 ? [physicalId, undefined] : [physicalId.slice(0, i), physicalId.slice(i + 1)];
}

const missing = (e: unknown): boolean => e instanceof NimbusError && (e.code === 'ERR_NOT_FOUND' || e.code === 'ERR_PROVISIONED_CONFIG_NOT_FOUND');

function ignoreMissing(f: () => void): void {
  try {
    f();
  } catch (e) {
    if (!missing(e)) throw e;
  }
}

function deleteOne(scope: Scope, r: StackResource, d: StackDeps): void {
  const [name, qualifier] = split(r.physicalId);
  switch (r.type) {
    case 'AWS::Lambda::EventInvokeConfig':
      return d.eventInvokeConfigs.delete(scope, name, qualifier === '$LATEST' ? undefined : qualifier);
    case 'AWS::Lambda::Url':
      return d.urls.delete(scope, name, qualifier);
    case 'AWS::Lambda::Alias':
      if (qualifier === undefined) return;
      // What hangs on the alias goes first (its URL config goes with it).
      ignoreMissing(() => d.provisioned.delete(scope, name, qualifier));
      ignoreMissing(() => d.eventInvokeConfigs.delete(scope, name, qualifier));
      return d.aliases.delete(scope, name, qualifier);
    case 'AWS::Events::Rule':
    case 'AWS::Scheduler::Schedule':
      return d.schedules.delete(scope, r.physicalId);
    case 'AWS::Lambda::Function':
      return d.functions.delete(scope, name);
    case 'AWS::SQS::Queue':
      for (;;) {
        const ids = d.queue.readMessages(scope, r.physicalId, 0, 1000).map((m) => m.id);
        if (ids.length === 0 || d.queue.deleteMessages(scope, r.physicalId, ids) === 0) return;
      }
    default:
      // Versions are retained; APIs go with the stack's route table, which the caller replaces.
      return;
  }
}

/** Deletes `resources`; returns what could not be deleted, and why. */
export function deleteResources(scope: Scope, resources: readonly StackResource[], d: StackDeps): string[] {
  const failed: string[] = [];
  const sorted = [...resources].sort((a, b) => (ORDER[a.type] ?? 9) - (ORDER[b.type] ?? 9));
  for (const r of sorted) {
    try {
      deleteOne(scope, r, d);
    } catch (e) {
      if (missing(e)) continue;
      failed.push(`${r.logicalId} (${r.type} ${r.physicalId}): ${messageOf(e)}`);
    }
  }
  return failed;
}
