/**
 * StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask (move-tasks.ts runs them).
 * The source must be a dead-letter queue of another queue (a RedrivePolicy names it), as SQS
 * requires; the destination, when given, any queue of the caller. Wording Nimbus had to choose is
 * marked; AWS's was not recorded for these errors.
 */
import { invalidParameterValue, missingParameter, SqsError } from '../errors.js';
import { parseQueueArn } from '../url.js';
import type { QueueRecord } from '../types.js';
import { int, queueChecked, str, type OpContext, type Operation } from './context.js';

const resourceNotFound = (message: string): SqsError => new SqsError('ResourceNotFoundException', 'ResourceNotFoundException', 404, message);
const unsupported = (message: string): SqsError => new SqsError('UnsupportedOperation', 'AWS.SimpleQueueService.UnsupportedOperation', 400, message);

function tasksOf(ctx: OpContext): NonNullable<OpContext['moves']> {
  if (!ctx.moves) throw unsupported('Message move tasks are not available on this endpoint.');
  return ctx.moves;
}

/** The queue an ARN names, in the caller's region, or ResourceNotFoundException (Nimbus's wording). */
async function queueByArn(ctx: OpContext, param: string, arn: string): Promise<QueueRecord> {
  const ref = parseQueueArn(arn);
  if (!ref || ref.region !== ctx.scope.region) throw resourceNotFound(`The resource that you specified for the ${param} parameter doesn't exist.`);
  try {
    return await queueChecked(ctx, ref.accountId, ref.name);
  } catch (e) {
    if (e instanceof SqsError && e.type === 'QueueDoesNotExist') throw resourceNotFound(`The resource that you specified for the ${param} parameter doesn't exist.`);
    throw e;
  }
}

export const startMessageMoveTask: Operation = async (ctx, p) => {
  const moves = tasksOf(ctx);
  const sourceArn = str(p, 'SourceArn');
  if (!sourceArn) throw missingParameter('SourceArn');
  const rate = int(p, 'MaxNumberOfMessagesPerSecond');
  if (rate !== undefined && (rate < 1 || rate > 500)) throw invalidParameterValue('Value for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: must be between 1 and 500.');
  const source = await queueByArn(ctx, 'SourceArn', sourceArn);
  const destinationArn = str(p, 'DestinationArn');
  const destination = destinationArn ? await queueByArn(ctx, 'DestinationArn', destinationArn) : undefined;
  if ((await ctx.engine.deadLetterSources(source, 1, undefined)).names.length === 0) {
    // Nimbus's wording: only dead-letter queues of other queues can be redriven.
    throw invalidParameterValue('Source queue must be configured as a Dead Letter Queue.');
  }
  if (destination && destination.id === source.id) throw invalidParameterValue('Source queue and destination queue must be different.');
  if (moves.active(ctx.engine.arn(source))) {
    // Nimbus's wording: SQS allows one active task per source queue.
    throw unsupported('There is already a task running. Only one active task is allowed for a source queue arn at a given time.');
  }
  const backlog = await ctx.engine.backlog(source);
  const task = moves.start(ctx.scope, source, destination, rate, backlog.visible);
  return { TaskHandle: task.handle };
};

export const listMessageMoveTasks: Operation = async (ctx, p) => {
  const moves = tasksOf(ctx);
  const sourceArn = str(p, 'SourceArn');
  if (!sourceArn) throw missingParameter('SourceArn');
  const max = int(p, 'MaxResults') ?? 1;
  if (max < 1 || max > 10) throw invalidParameterValue('Value for parameter MaxResults is invalid. Reason: must be between 1 and 10.');
  const source = await queueByArn(ctx, 'SourceArn', sourceArn);
  return {
    Results: moves.list(ctx.engine.arn(source)).slice(0, max).map((t) => ({
      ...(t.status === 'RUNNING' ? { TaskHandle: t.handle } : {}),
      Status: t.status,
      SourceArn: t.sourceArn,
      ...(t.destinationArn !== undefined ? { DestinationArn: t.destinationArn } : {}),
      ...(t.rate !== undefined ? { MaxNumberOfMessagesPerSecond: t.rate } : {}),
      ApproximateNumberOfMessagesMoved: t.moved,
      ApproximateNumberOfMessagesToMove: t.toMove,
      ...(t.failureReason !== undefined ? { FailureReason: t.failureReason } : {}),
      StartedTimestamp: t.startedAt,
    })),
  };
};

export const cancelMessageMoveTask: Operation = (ctx, p) => {
  const moves = tasksOf(ctx);
  const handle = str(p, 'TaskHandle');
  if (!handle) throw missingParameter('TaskHandle');
  const task = moves.byHandle(handle);
  if (!task) throw resourceNotFound('Task does not exist.');
  if (task.status !== 'RUNNING') throw unsupported(`The task is ${task.status} and can only be cancelled when it is RUNNING.`);
  moves.cancel(task);
  return { ApproximateNumberOfMessagesMoved: task.moved };
};
