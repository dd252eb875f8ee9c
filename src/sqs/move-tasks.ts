/**
 * Message move tasks (StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask): the
 * dead-letter queue redrive of the SQS console and `aws sqs start-message-move-task`. A task
 * moves the messages of a dead-letter queue to a destination queue, or, without one, each back
 * to the queue it was dead-lettered from (its `DeadLetterQueueSourceArn`), as SQS does.
 *
 * A task runs in the background on the node that started it: it receives up to ten messages at a
 * time, sends each to its destination (a FIFO destination keeps the message's group and
 * deduplication ids) with an idempotency key of the task and the message, then deletes it from
 * the source, so a message is never lost and, within a task, never sent twice. Messages in flight
 * when the task reaches them stay where they are, as on AWS. Tasks are kept in memory (the ten
 * most recent per source queue, as ListMessageMoveTasks shows them): a restart ends a running
 * task, and the messages it had not moved stay in the dead-letter queue.
 */
import { randomUUID } from 'node:crypto';
import type { SqsBackend } from './backend.js';
import type { QueueRecord, Scope } from './types.js';

export type MoveTaskStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

export interface MoveTask {
  readonly id: string;
  readonly handle: string;
  readonly sourceArn: string;
  readonly destinationArn: string | undefined;
  readonly rate: number | undefined;
  readonly startedAt: number;
  readonly toMove: number;
  status: MoveTaskStatus;
  moved: number;
  failureReason?: string;
}

/** Tasks kept per source queue (ListMessageMoveTasks answers up to ten). */
const KEPT = 10;
/** How long a received message stays invisible while it is being moved. */
const MOVE_VISIBILITY_SECONDS = 60;

export class MessageMoveTasks {
  private readonly bySource = new Map<string, MoveTask[]>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly engine: SqsBackend,
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {}

  /** The task running on this source, if any (one at a time per queue, as on AWS). */
  active(sourceArn: string): MoveTask | undefined {
    return this.bySource.get(sourceArn)?.find((t) => t.status === 'RUNNING' || t.status === 'CANCELLING');
  }

  /** Newest first. */
  list(sourceArn: string): readonly MoveTask[] {
    return this.bySource.get(sourceArn) ?? [];
  }

  /** The task a handle names, if this node knows it. */
  byHandle(handle: string): MoveTask | undefined {
    for (const tasks of this.bySource.values()) {
      const t = tasks.find((x) => x.handle === handle);
      if (t) return t;
    }
    return undefined;
  }

  /** Starts moving `source`'s messages to `destination` (undefined: each back to its own source queue). */
  start(scope: Scope, source: QueueRecord, destination: QueueRecord | undefined, rate: number | undefined, toMove: number): MoveTask {
    const id = randomUUID();
    const sourceArn = this.engine.arn(source);
    const task: MoveTask = {
      id,
      // SQS's handles are opaque base64 text naming the task and its source queue.
      handle: Buffer.from(JSON.stringify({ taskId: id, sourceArn })).toString('base64'),
      sourceArn,
      destinationArn: destination ? this.engine.arn(destination) : undefined,
      rate,
      startedAt: this.now(),
      toMove,
      status: 'RUNNING',
      moved: 0,
    };
    const tasks = [task, ...(this.bySource.get(sourceArn) ?? [])].slice(0, KEPT);
    this.bySource.set(sourceArn, tasks);
    const run = this.run(scope, source, destination, task).catch((e: unknown) => {
      task.status = 'FAILED';
      task.failureReason = e instanceof Error ? e.message : String(e);
      this.log(`sqs: message move task from ${sourceArn} failed: ${task.failureReason}`);
    });
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return task;
  }

  /** Asks a running task to stop; it stops before its next message. */
  cancel(task: MoveTask): void {
    if (task.status === 'RUNNING') task.status = 'CANCELLING';
  }

  private async run(scope: Scope, source: QueueRecord, destination: QueueRecord | undefined, task: MoveTask): Promise<void> {
    const gap = task.rate === undefined ? 0 : 1000 / task.rate;
    // A function, not a narrowed field: cancel() changes the status while the task awaits.
    const stopping = (): boolean => this.closed || task.status === 'CANCELLING';
    for (;;) {
      if (stopping()) break;
      const batch = await this.engine.receive(source, { max: 10, visibilityTimeout: MOVE_VISIBILITY_SECONDS, waitMs: 0 });
      if (batch.length === 0) break;
      for (const m of batch) {
        if (stopping()) {
          // Back to visible at once: the message stays in the dead-letter queue.
          await this.engine.changeVisibility(source, m.receiptHandle, 0);
          continue;
        }
        const origin = m.attributes['DeadLetterQueueSourceArn'];
        const to = destination ?? (origin !== undefined ? await this.engine.queue(scope, origin) : undefined);
        if (!to) throw new Error(`message ${m.messageId} has no DeadLetterQueueSourceArn to return to; give a DestinationArn`);
        const groupId = m.attributes['MessageGroupId'];
        await this.engine.send(to, [
          {
            body: m.body,
            ...(Object.keys(m.messageAttributes).length > 0 ? { attributes: m.messageAttributes } : {}),
            ...(to.fifo ? { groupId: groupId ?? 'redrive', deduplicationId: m.attributes['MessageDeduplicationId'] ?? m.messageId } : {}),
            idempotencyKey: `move:${task.id}:${m.messageId}`,
          },
        ]);
        await this.engine.deleteMessage(source, m.receiptHandle);
        task.moved++;
        if (gap > 0) await new Promise((r) => setTimeout(r, gap));
      }
    }
    task.status = stopping() ? 'CANCELLED' : 'COMPLETED';
  }

  /** Stops every running task (before the engine closes) and waits for them. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.running]);
  }
}
