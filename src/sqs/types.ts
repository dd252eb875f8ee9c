/** The data the SQS service works with, independent of the wire protocol. */

/** Who is asking: Nimbus hosts several accounts, and queues live in one account and region. */
export interface Scope {
  accountId: string;
  region: string;
}

/**
 * A message attribute as SQS's JSON protocol carries it: `BinaryValue` is base64. `DataType` is
 * `String`, `Number` or `Binary`, optionally with a custom suffix (`Number.float`).
 */
export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export type MessageAttributes = Record<string, MessageAttributeValue>;

/** A queue as stored. `attributes` holds only what was set; defaults fill in on read. */
export interface QueueRecord {
  id: number;
  accountId: string;
  region: string;
  name: string;
  fifo: boolean;
  attributes: Record<string, string>;
  tags: Record<string, string>;
  createdAt: number;
  modifiedAt: number;
  purgedAt: number | null;
}

/** One message to enqueue, validated. */
export interface OutgoingMessage {
  body: string;
  attributes?: MessageAttributes;
  /** Only `AWSTraceHeader` exists (SendMessage's `MessageSystemAttributes`). */
  systemAttributes?: MessageAttributes;
  delaySeconds?: number;
  groupId?: string;
  deduplicationId?: string;
  senderId?: string;
  /** Nimbus's own hand-overs: a second send with the same key (within a day) enqueues nothing. */
  idempotencyKey?: string;
}

/** What SendMessage answers for one message. */
export interface SentMessage {
  messageId: string;
  md5OfBody: string;
  md5OfAttributes?: string;
  md5OfSystemAttributes?: string;
  sequenceNumber?: string;
}

/** A received message, with every system attribute that applies to it. */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  /** System attributes (all that apply); the wire layer filters what the caller asked for. */
  attributes: Record<string, string>;
  messageAttributes: MessageAttributes;
}

export interface ReceiveOptions {
  /** 1-10; default 1. */
  max?: number;
  /** Seconds; default the queue's VisibilityTimeout. */
  visibilityTimeout?: number;
  /** How long to wait for a message (long polling), ms; 0 = return at once. */
  waitMs?: number;
  /** FIFO: a retried receive with the same id gets the same messages (5 minutes). */
  receiveRequestAttemptId?: string;
  /** Ends a long poll early (client gone); the receive then returns what it has: nothing. */
  signal?: AbortSignal;
}

/** A queue with its counts, for Nimbus's listings (`nimbus queues`). */
export interface QueueOverview {
  queue: QueueRecord;
  arn: string;
  visible: number;
  inFlight: number;
  delayed: number;
  /** Epoch ms the oldest visible message was sent; undefined when none is visible. */
  oldestVisibleSentAt: number | undefined;
}

/** A message as Nimbus's inspection API shows it, without receiving it. */
export interface InspectedMessage {
  /** The message's position in the database: `inspect` pages by it, `discard` deletes by it. */
  seq: number;
  messageId: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  visible: boolean;
  attributes: MessageAttributes;
  groupId?: string;
}
