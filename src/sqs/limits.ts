/**
 * SQS's limits and defaults, in one place. Sources: the SQS API reference and developer guide
 * quotas pages, the SDK model's doc comments, and LocalStack's AWS-validated snapshots (which show
 * a new queue's `MaximumMessageSize` as 1048576: since AWS raised the message size limit to
 * 1 MiB in 2025, that is both the default and the maximum).
 */
export const MAX_MESSAGE_SIZE = 1_048_576;
export const MIN_MESSAGE_SIZE = 1024;
/** The sum of all entries of a SendMessageBatch, independent of the queue's own limit. */
export const MAX_BATCH_PAYLOAD = 1_048_576;
export const MAX_BATCH_ENTRIES = 10;
export const MAX_RECEIVE_MESSAGES = 10;
export const MAX_WAIT_SECONDS = 20;
export const MAX_VISIBILITY_SECONDS = 43_200;
export const MAX_DELAY_SECONDS = 900;
export const MIN_RETENTION_SECONDS = 60;
export const MAX_RETENTION_SECONDS = 1_209_600;
/** A FIFO queue remembers a deduplication id for 5 minutes. */
export const DEDUP_WINDOW_MS = 5 * 60_000;
/** ReceiveRequestAttemptId is remembered as long as a deduplication id. */
export const RECEIVE_ATTEMPT_WINDOW_MS = 5 * 60_000;
export const PURGE_INTERVAL_MS = 60_000;
export const DELETED_QUEUE_COOLDOWN_MS = 60_000;
export const MAX_QUEUE_NAME = 80;
export const MAX_LIST_RESULTS = 1000;
export const MAX_ATTRIBUTE_NAME_BYTES = 256;
export const MAX_RECEIVE_COUNT = 1000;

/** Queue attribute defaults, as `GetQueueAttributes` renders them (strings). */
export const QUEUE_DEFAULTS: Readonly<Record<string, string>> = {
  DelaySeconds: '0',
  MaximumMessageSize: String(MAX_MESSAGE_SIZE),
  MessageRetentionPeriod: '345600',
  ReceiveMessageWaitTimeSeconds: '0',
  VisibilityTimeout: '30',
  SqsManagedSseEnabled: 'true',
};

export const FIFO_DEFAULTS: Readonly<Record<string, string>> = {
  FifoQueue: 'true',
  ContentBasedDeduplication: 'false',
  DeduplicationScope: 'queue',
  FifoThroughputLimit: 'perQueue',
};

/** Attributes computed on read; they can be asked for but never set. */
export const READ_ONLY_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesDelayed',
  'ApproximateNumberOfMessagesNotVisible',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
] as const;

/** Attributes any queue may be created with or set. */
export const SETTABLE_ATTRIBUTES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'Policy',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
] as const;

export const FIFO_ONLY_ATTRIBUTES = ['FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit'] as const;

/** Message system attributes a receiver can ask for (`MessageSystemAttributeNames`). */
export const MESSAGE_SYSTEM_ATTRIBUTE_NAMES = [
  'All',
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
] as const;
