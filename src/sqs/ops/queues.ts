/** Queue-level operations: create, find, list, delete, attributes, purge, tags, DLQ sources. */
import { invalidValue } from '../errors.js';
import { MAX_LIST_RESULTS } from '../limits.js';
import { queueUrl } from '../url.js';
import { int, type Operation, queueChecked, queueOf, required, str, strList, strMap } from './context.js';

const checkMaxResults = (n: number | undefined): void => {
  if (n !== undefined && (n < 1 || n > MAX_LIST_RESULTS)) invalidMax(n);
};
function invalidMax(n: number): never {
  throw invalidValue('MaxResults', n, `MaxResults must be an integer between 1 and ${MAX_LIST_RESULTS}.`);
}

export const createQueue: Operation = async (ctx, p) => {
  const name = required(p, 'QueueName');
  const q = await ctx.engine.createQueue(ctx.scope, name, strMap(p, 'Attributes'), strMap(p, 'tags'));
  return { QueueUrl: queueUrl(ctx.baseUrl, q.accountId, q.name) };
};

export const getQueueUrl: Operation = async (ctx, p) => {
  const name = required(p, 'QueueName');
  const owner = str(p, 'QueueOwnerAWSAccountId');
  const q = await queueChecked(ctx, owner ?? ctx.scope.accountId, name);
  return { QueueUrl: queueUrl(ctx.baseUrl, q.accountId, q.name) };
};

export const listQueues: Operation = async (ctx, p) => {
  const max = int(p, 'MaxResults');
  checkMaxResults(max);
  const page = await ctx.engine.listQueues(ctx.scope, str(p, 'QueueNamePrefix') ?? '', max, str(p, 'NextToken'), MAX_LIST_RESULTS);
  // AWS omits QueueUrls when there are none.
  return {
    ...(page.names.length > 0 ? { QueueUrls: page.names.map((n) => queueUrl(ctx.baseUrl, ctx.scope.accountId, n)) } : {}),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};

export const deleteQueue: Operation = async (ctx, p) => {
  await ctx.engine.deleteQueue(await queueOf(ctx, p));
  return {};
};

export const getQueueAttributes: Operation = async (ctx, p) => {
  const attributes = await ctx.engine.attributes(await queueOf(ctx, p), strList(p, 'AttributeNames'));
  return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
};

export const setQueueAttributes: Operation = async (ctx, p) => {
  await ctx.engine.setAttributes(await queueOf(ctx, p), strMap(p, 'Attributes'));
  return {};
};

export const purgeQueue: Operation = async (ctx, p) => {
  await ctx.engine.purge(await queueOf(ctx, p));
  return {};
};

export const tagQueue: Operation = async (ctx, p) => {
  await ctx.engine.tag(await queueOf(ctx, p), strMap(p, 'Tags'));
  return {};
};

export const untagQueue: Operation = async (ctx, p) => {
  await ctx.engine.untag(await queueOf(ctx, p), strList(p, 'TagKeys'));
  return {};
};

export const listQueueTags: Operation = async (ctx, p) => {
  const tags = (await queueOf(ctx, p)).tags;
  // Recorded: no Tags member when the queue has none.
  return Object.keys(tags).length > 0 ? { Tags: tags } : {};
};

export const listDeadLetterSourceQueues: Operation = async (ctx, p) => {
  const q = await queueOf(ctx, p);
  const max = int(p, 'MaxResults');
  checkMaxResults(max);
  const page = await ctx.engine.deadLetterSources(q, max, str(p, 'NextToken'));
  return {
    queueUrls: page.names.map((n) => queueUrl(ctx.baseUrl, q.accountId, n)),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};
