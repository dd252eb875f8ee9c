/**
 * The names a stack gives what its template declares, as CloudFormation gives them: a resource
 * without an explicit name is `<stack>-<LogicalId>-<suffix>`, the suffix twelve letters and digits
 * that look random but come from the stack's id, so they stay the same for the life of the stack
 * (every redeployment updates the same function) and differ between two stacks, even two stacks
 * of the same template. API ids are ten lower-case letters and digits like API Gateway's, derived
 * the same way. A stack deleted and deployed again gets a new id, so new names, as on AWS.
 */
import { createHash, randomUUID } from 'node:crypto';

const MIXED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const SUFFIX_LENGTH = 12;

function derive(stackId: string, logicalId: string, purpose: string, alphabet: string, length: number): string {
  const digest = createHash('sha256').update(`${stackId}\0${logicalId}\0${purpose}`).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[digest[i]! % alphabet.length];
  return out;
}

/** A new stack's id, in CloudFormation's ARN shape. */
export function newStackId(stack: string, region: string, accountId: string): string {
  return `arn:aws:cloudformation:${region}:${accountId}:stack/${stack}/${randomUUID()}`;
}

/**
 * `<stack>-<LogicalId>-<suffix>` within `max` characters (Lambda function names: 64). When it is
 * too long, the stack name and the logical id are cut, each keeping at least half of what is left
 * beside the suffix, as CloudFormation shortens both.
 */
export function generatedName(stack: string, logicalId: string, stackId: string, max: number): string {
  const suffix = derive(stackId, logicalId, 'name', MIXED, SUFFIX_LENGTH);
  const budget = max - SUFFIX_LENGTH - 2;
  if (stack.length + logicalId.length <= budget) return `${stack}-${logicalId}-${suffix}`;
  const half = Math.floor(budget / 2);
  const stackPart = stack.slice(0, Math.max(half, budget - logicalId.length));
  return `${stackPart}-${logicalId.slice(0, budget - stackPart.length)}-${suffix}`;
}

/** An API's id: ten lower-case letters and digits, stable for the life of the stack. */
export function apiId(stackId: string, logicalId: string): string {
  return derive(stackId, logicalId, 'api', LOWER, 10);
}

/** Names for one deployment of one stack. */
export interface Namer {
  stack: string;
  /** The template's name when it gives one, else the generated `<stack>-<LogicalId>-<suffix>`. */
  physical(logicalId: string, explicit: string | undefined, max: number): string;
  apiId(logicalId: string): string;
}

export function namer(stack: string, stackId: string): Namer {
  return {
    stack,
    physical: (logicalId, explicit, max) => explicit ?? generatedName(stack, logicalId, stackId, max),
    apiId: (logicalId) => apiId(stackId, logicalId),
  };
}

/** Longest names: Lambda functions and EventBridge rules 64, SQS queues 80. */
export const MAX_NAME = { function: 64, schedule: 64, queue: 80 } as const;
