/** What an operation gets: the engine, who is calling, and typed access to its parameters. */
import type { SqsBackend } from '../backend.js';
import { missingParameter, queueDoesNotExist } from '../errors.js';
import type { Params } from '../protocol/shapes.js';
import type { MessageAttributes, QueueRecord, Scope } from '../types.js';
import { checkQueueAccess, type Caller } from '../policy.js';
import type { MessageMoveTasks } from '../move-tasks.js';
import { parseQueueUrl } from '../url.js';

export interface OpContext {
  engine: SqsBackend;
  scope: Scope;
  /** The origin queue URLs are minted with, e.g. `http://127.0.0.1:9000`. */
  baseUrl: string;
  /** Request headers, lower-cased names. */
  headers: Readonly<Record<string, string | undefined>>;
  /** Aborts a long poll (client went away). */
  signal?: AbortSignal;
  /** Who is calling, as the server authenticated them; absent, nothing is checked (Nimbus's own calls). */
  caller?: Caller | undefined;
  /** The operation being run (`SendMessageBatch`): what a queue policy is asked about. */
  operation?: string | undefined;
  /** The message move tasks of this service (StartMessageMoveTask and friends). */
  moves?: MessageMoveTasks | undefined;
}

export type Operation = (ctx: OpContext, p: Params) => Record<string, unknown> | Promise<Record<string, unknown>>;

// The decoders guarantee each member's type (protocol/shapes.ts); these helpers only narrow.
export const str = (p: Params, name: string): string | undefined => p[name] as string | undefined;
export const int = (p: Params, name: string): number | undefined => p[name] as number | undefined;
export const strList = (p: Params, name: string): string[] => (p[name] as string[] | undefined) ?? [];
export const strMap = (p: Params, name: string): Record<string, string> => (p[name] as Record<string, string> | undefined) ?? {};
export const attrMap = (p: Params, name: string): MessageAttributes | undefined => p[name] as MessageAttributes | undefined;
export const entries = (p: Params): Params[] => (p['Entries'] as Params[] | undefined) ?? [];

/** A required string; an empty one counts as missing (recorded for MessageBody). */
export function required(p: Params, name: string): string {
  const v = str(p, name);
  if (v === undefined || v === '') throw missingParameter(name);
  return v;
}

/**
 * The queue a request names by `QueueUrl`, once its policy lets the caller run the operation
 * on it (policy.ts): another account's queue only through its policy, and an explicit Deny
 * refuses anyone.
 */
export async function queueOf(ctx: OpContext, p: Params): Promise<QueueRecord> {
  const url = required(p, 'QueueUrl');
  const ref = parseQueueUrl(url, ctx.scope);
  if (!ref) throw queueDoesNotExist();
  return await queueChecked(ctx, ref.accountId, ref.name);
}

/** The queue `name` of `accountId` in the caller's region, checked against its policy. */
export async function queueChecked(ctx: OpContext, accountId: string, name: string): Promise<QueueRecord> {
  if (accountId !== ctx.scope.accountId && !ctx.caller) throw queueDoesNotExist();
  const q = await ctx.engine.getQueue({ accountId, region: ctx.scope.region }, name);
  if (ctx.caller) checkQueueAccess(q, ctx.operation ?? '', ctx.caller);
  return q;
}
