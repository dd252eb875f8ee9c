/** DeleteMessage, ChangeMessageVisibility and their batch forms. */
import { invalidValue, missingParameter } from '../errors.js';
import { MAX_VISIBILITY_SECONDS } from '../limits.js';
import type { Params } from '../protocol/shapes.js';
import { checkBatch, perEntryAsync } from './batch.js';
import { entries, int, type Operation, queueOf, required } from './context.js';

function visibility(p: Params): number {
  const v = int(p, 'VisibilityTimeout');
  if (v === undefined) throw missingParameter('VisibilityTimeout');
  if (v < 0 || v > MAX_VISIBILITY_SECONDS) throw invalidValue('VisibilityTimeout', v, `Must be >= 0 and <= ${MAX_VISIBILITY_SECONDS}, if provided.`);
  return v;
}

export const deleteMessage: Operation = async (ctx, p) => {
  const q = await queueOf(ctx, p);
  await ctx.engine.deleteMessage(q, required(p, 'ReceiptHandle'));
  return {};
};

export const deleteMessageBatch: Operation = async (ctx, p) => {
  const q = await queueOf(ctx, p);
  const list = entries(p);
  checkBatch(list, 'DeleteMessageBatchRequestEntry');
  const r = await perEntryAsync(list, async (e) => await ctx.engine.deleteMessage(q, required(e, 'ReceiptHandle')));
  return { Successful: r.ok.map((o) => ({ Id: o.id })), ...(r.failed.length > 0 ? { Failed: r.failed } : {}) };
};

export const changeMessageVisibility: Operation = async (ctx, p) => {
  const q = await queueOf(ctx, p);
  await ctx.engine.changeVisibility(q, required(p, 'ReceiptHandle'), visibility(p));
  return {};
};

export const changeMessageVisibilityBatch: Operation = async (ctx, p) => {
  const q = await queueOf(ctx, p);
  const list = entries(p);
  checkBatch(list, 'ChangeMessageVisibilityBatchRequestEntry');
  const r = await perEntryAsync(list, async (e) => await ctx.engine.changeVisibility(q, required(e, 'ReceiptHandle'), visibility(e)));
  return { Successful: r.ok.map((o) => ({ Id: o.id })), ...(r.failed.length > 0 ? { Failed: r.failed } : {}) };
};
