/**
 * Queue policies (the `Policy` attribute, set with SetQueueAttributes) enforced as SQS does, with
 * IAM's evaluation (src/auth/iam-policy.ts):
 *
 * - another account's caller reaches a queue only when its policy allows that caller (its
 *   account root, its ARN or `*`) the action on the queue's ARN, and only for the operations
 *   SQS lets a policy grant across accounts (the AddPermission reference: "cross-account
 *   permissions don't apply" to CreateQueue, DeleteQueue, SetQueueAttributes, ListQueues,
 *   ListQueueTags, TagQueue, UntagQueue, AddPermission, RemovePermission and the message-move
 *   tasks). Its identity policies are checked before, by the server (both must allow);
 * - an explicit Deny in the policy refuses any caller, the owner's own keys included;
 * - a service sending on a topic's or rule's behalf (`sns.amazonaws.com`, `events.amazonaws.com`)
 *   is a principal too, with `aws:SourceArn` and `aws:SourceAccount` as condition keys. As for
 *   Lambda's resource policies (docs/auth.md), a topic or rule of the queue's own account may
 *   send without a policy statement (SAM and the CLI wire them so); another account's needs one.
 *
 * Batch operations are authorised as their single-message action (sqs:SendMessage for
 * SendMessageBatch), as IAM names them. The refusal is AccessDenied, 403, with IAM's message;
 * SQS writes the action in lower case there (`sqs:sendmessage`).
 */
import { attributePolicy, evaluate, type Decision, type PolicyRequest } from '../auth/iam-policy.js';
import { SqsError } from './errors.js';
import type { QueueRecord } from './types.js';
import { queueArn } from './url.js';

/** An authenticated caller of the SQS API. */
export interface Caller {
  readonly accountId: string;
  /** `arn:aws:iam::<account>:user/<key name>`, or an assumed role's ARN. */
  readonly arn: string;
}

const NOT_CROSS_ACCOUNT = new Set([
  'AddPermission',
  'CancelMessageMoveTask',
  'CreateQueue',
  'DeleteQueue',
  'ListMessageMoveTasks',
  'ListQueues',
  'ListQueueTags',
  'RemovePermission',
  'SetQueueAttributes',
  'StartMessageMoveTask',
  'TagQueue',
  'UntagQueue',
]);

const SINGLE_ACTION: Readonly<Record<string, string>> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

/** The IAM action an SQS operation is authorised as. */
export const actionOf = (operation: string): string => `sqs:${SINGLE_ACTION[operation] ?? operation}`;

/** What the queue's policy says to `req` (`none` without a policy). */
export function queuePolicyDecision(q: QueueRecord, req: PolicyRequest): Decision {
  const doc = attributePolicy(q.attributes);
  return doc ? evaluate([doc], req) : 'none';
}

export const accessDenied = (who: string, action: string, resource: string, why: string): SqsError => {
  const message = `User: ${who} is not authorized to perform: ${action.toLowerCase()} on resource: ${resource} ${why}`;
  return new SqsError('AccessDeniedException', 'AccessDenied', 403, message);
};

/** Throws AccessDenied unless `caller` may run `operation` on `q` (see the file comment). */
export function checkQueueAccess(q: QueueRecord, operation: string, caller: Caller): void {
  const action = actionOf(operation);
  const resource = queueArn(q.region, q.accountId, q.name);
  const crossAccount = caller.accountId !== q.accountId;
  const why = `because no resource-based policy allows the ${action.toLowerCase()} action`;
  if (crossAccount && NOT_CROSS_ACCOUNT.has(operation)) throw accessDenied(caller.arn, action, resource, why);
  const d = queuePolicyDecision(q, { action, resource, principal: { accountId: caller.accountId, arn: caller.arn }, context: { 'aws:SourceAccount': caller.accountId } });
  if (d === 'deny') throw accessDenied(caller.arn, action, resource, 'with an explicit deny in a resource-based policy');
  if (crossAccount && d !== 'allow') throw accessDenied(caller.arn, action, resource, why);
}

/**
 * Why `service` may not send to `q` for `sourceArn` (a topic or rule), or undefined when it may.
 */
export function serviceSendRefusal(q: QueueRecord, service: string, sourceArn: string): string | undefined {
  const resource = queueArn(q.region, q.accountId, q.name);
  const sourceAccount = sourceArn.split(':')[4] ?? '';
  const d = queuePolicyDecision(q, {
    action: 'sqs:SendMessage',
    resource,
    principal: { service },
    context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': sourceAccount },
  });
  if (d === 'deny') return `the queue's policy denies ${service} sqs:SendMessage from ${sourceArn}`;
  if (sourceAccount !== q.accountId && d !== 'allow') return `the queue's policy does not allow ${service} sqs:SendMessage from ${sourceArn}`;
  return undefined;
}
