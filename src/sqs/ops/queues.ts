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

export const createQueue: Operation = (ctx, p) => {
  const name = required(p, 'QueueName');
  const q = ctx.engine.admin.create(ctx.scope, name, strMap(p, 'Attributes'), strMap(p, 'tags'));
  return { QueueUrl: queueUrl(ctx.baseUrl, q.accountId, q.name) };
};

export const getQueueUrl: Operation = (ctx, p) => {
  const name = required(p, 'QueueName');
  const owner = str(p, 'QueueOwnerAWSAccountId');
  const q = queueChecked(ctx, owner ?? ctx.scope.accountId, name);
  return { QueueUrl: queueUrl(ctx.baseUrl, q.accountId, q.name) };
};

export const listQueues: Operation = (ctx, p) => {
  const max = int(p, 'MaxResults');
  checkMaxResults(max);
  const page = ctx.engine.admin.list(ctx.scope, str(p, 'QueueNamePrefix') ?? '', max, str(p, 'NextToken'), MAX_LIST_RESULTS);
  // AWS omits QueueUrls when there are none.
  return {
    ...(page.names.length > 0 ? { QueueUrls: page.names.map((n) => queueUrl(ctx.baseUrl, ctx.scope.accountId, n)) } : {}),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};

export const deleteQueue: Operation = (ctx, p) => {
  ctx.engine.deleteQueue(queueOf(ctx, p));
  return {};
};

export const getQueueAttributes: Operation = (ctx, p) => {
  const attributes = ctx.engine.admin.attributes(queueOf(ctx, p), strList(p, 'AttributeNames'));
  return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
};

export const setQueueAttributes: Operation = (ctx, p) => {
  ctx.engine.admin.setAttributes(queueOf(ctx, p), strMap(p, 'Attributes'));
  return {};
};

export const purgeQueue: Operation = (ctx, p) => {
  ctx.engine.admin.purge(queueOf(ctx, p));
  return {};
};

export const tagQueue: Operation = (ctx, p) => {
  ctx.engine.admin.tag(queueOf(ctx, p), strMap(p, 'Tags'));
  return {};
};

export const untagQueue: Operation = (ctx, p) => {
  ctx.engine.admin.untag(queueOf(ctx, p), strList(p, 'TagKeys'));
  return {};
};

export const listQueueTags: Operation = (ctx, p) => {
  const tags = queueOf(ctx, p).tags;
  // Recorded: no Tags member when the queue has none.
  return Object.keys(tags).length > 0 ? { Tags: tags } : {};
};

export const listDeadLetterSourceQueues: Operation = (ctx, p) => {
  const q = queueOf(ctx, p);
  const max = int(p, 'MaxResults');
  checkMaxResults(max);
  const page = ctx.engine.admin.deadLetterSources(q, max, str(p, 'NextToken'));
  return {
    queueUrls: page.names.map((n) => queueUrl(ctx.baseUrl, q.accountId, n)),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};
