/** What an operation gets: the engine, who is calling, and typed access to its parameters. */
import type { SqsBackend } from '../backend.js';
import { missingParameter, queueDoesNotExist } from '../errors.js';
import type { Params } from '../protocol/shapes.js';
import type { MessageAttributes, QueueRecord, Scope } from '../types.js';
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
 * The queue a request names by `QueueUrl`. Only the caller's own account is reachable over
 * the API: another account's URL answers as if the queue did not exist (SQS would answer
 * AccessDenied without a queue policy; Nimbus has no queue policies).
 */
export async function queueOf(ctx: OpContext, p: Params): Promise<QueueRecord> {
  const url = required(p, 'QueueUrl');
  const ref = parseQueueUrl(url, ctx.scope);
  if (!ref || ref.accountId !== ctx.scope.accountId) throw queueDoesNotExist();
  return await ctx.engine.getQueue(ctx.scope, ref.name);
}
