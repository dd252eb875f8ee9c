/**
 * Topic policies (the `Policy` attribute, set with CreateTopic or SetTopicAttributes) enforced as
 * SNS does, with IAM's evaluation (src/auth/iam-policy.ts): a caller of another account reaches
 * a topic (Publish, Subscribe, GetTopicAttributes, SetTopicAttributes, ListSubscriptionsByTopic)
 * only when the topic's policy allows it (its account root, its ARN or `*`) the action on the
 * topic's ARN; its identity policies are checked before, by the server (both must allow). An
 * explicit Deny refuses any caller, the owner's own keys included. The refusal is SNS's
 * AuthorizationError, 403, with IAM's message (SNS writes the action as `SNS:Publish`).
 */
import { attributePolicy, evaluate } from '../auth/iam-policy.js';
import { SnsError } from './errors.js';
import type { TopicRecord } from './store.js';

/** An authenticated caller of the SNS API. */
export interface Caller {
  readonly accountId: string;
  readonly arn: string;
}

const authorizationError = (who: string, action: string, resource: string, why: string): SnsError =>
  new SnsError('AuthorizationError', 403, `User: ${who} is not authorized to perform: ${action} on resource: ${resource} ${why}`);

/** Throws AuthorizationError unless `caller` may run `operation` (`Publish`) on `t`. */
export function checkTopicAccess(t: TopicRecord, operation: string, caller: Caller): void {
  const action = `SNS:${operation}`;
  const doc = attributePolicy(t.attributes);
  const d = doc ? evaluate([doc], { action, resource: t.arn, principal: { accountId: caller.accountId, arn: caller.arn }, context: { 'aws:SourceAccount': caller.accountId } }) : 'none';
  if (d === 'deny') throw authorizationError(caller.arn, action, t.arn, 'with an explicit deny in a resource-based policy');
  if (caller.accountId !== t.accountId && d !== 'allow') throw authorizationError(caller.arn, action, t.arn, `because no resource-based policy allows the ${action} action`);
}
