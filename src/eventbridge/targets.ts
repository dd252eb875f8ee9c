/**
 * Where a rule's matched event goes. Nimbus delivers to Lambda functions - an asynchronous
 * invocation through the durable async queue, as EventBridge invokes Lambda targets - to SQS
 * queues and to SNS topics (published as the message, as EventBridge's SNS target does); the
 * payload is the event, or what the target's Input, InputPath or InputTransformer make of it
 * (src/events/transform.ts).
 */
import type { Scope } from '../core/model.js';
import { renderTargetInput, type TargetInputConfig } from '../events/transform.js';

const LAMBDA_ARN = /^arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):function:([a-zA-Z0-9-_]{1,64})(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const SQS_ARN = /^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
const SNS_ARN = /^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

export type TargetKind = { kind: 'lambda'; scope: Scope; functionName: string; qualifier: string | undefined } | { kind: 'sqs'; arn: string; fifo: boolean } | { kind: 'sns'; arn: string };

export function targetKind(arn: string): TargetKind | undefined {
  const l = LAMBDA_ARN.exec(arn);
  if (l) return { kind: 'lambda', scope: { region: l[1]!, accountId: l[2]! }, functionName: l[3]!, qualifier: l[4] };
  const q = SQS_ARN.exec(arn);
  if (q) return { kind: 'sqs', arn, fifo: q[1] !== undefined };
  if (SNS_ARN.test(arn)) return { kind: 'sns', arn };
  return undefined;
}

/** What the composition root plugs in: the durable ways out of EventBridge. */
export interface TargetSinks {
  /** An asynchronous invocation, on disk when the promise resolves. */
  /** `sourceArn`: the rule's ARN; a function of another account takes it only if its resource policy allows events.amazonaws.com. */
  invokeAsync(scope: Scope, functionName: string, qualifier: string | undefined, payload: Buffer, source: string, sourceArn?: string): Promise<void>;
  /** A message to an SQS queue, on disk when it returns; `groupId` for FIFO queues. */
  /** `sourceArn`: the rule's ARN; the queue's policy decides whether events.amazonaws.com may send for it. */
  sendToQueue(queueArn: string, body: string, groupId?: string, sourceArn?: string): Promise<void>;
  /** The payload published to an SNS topic as its message, every subscription's delivery durable when it returns. */
  publishToTopic(topicArn: string, message: string, sourceArn: string): Promise<void>;
}

export interface RuleContext {
  ruleArn: string;
  ruleName: string;
  ingestionTime: string;
}

/** The payload for one target, or why nothing is delivered. */
export function targetPayload(input: string | undefined, event: unknown, ctx: RuleContext): { ok: true; payload: string } | { ok: false; reason: string } {
  const config = input === undefined ? {} : (JSON.parse(input) as TargetInputConfig);
  return renderTargetInput(config, event, ctx);
}
