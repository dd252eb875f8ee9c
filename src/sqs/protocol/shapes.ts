/**
 * The input shape of each SQS operation: the member names of the JSON protocol (the SDK model),
 * their types, and the Query protocol's wire names where they differ (botocore's
 * `sqs/2012-11-05/service-2.json`: flattened lists and maps named by their `locationName`, e.g.
 * `Attribute.1.Name`, `SendMessageBatchRequestEntry.1.Id`, `MessageAttribute.1.Value.DataType` -
 * exactly what `/usr/bin/aws` sends). Both decoders turn a request into this one canonical form.
 */
export type Member =
  | { kind: 'string' }
  | { kind: 'integer' }
  | { kind: 'stringList'; wire: string }
  | { kind: 'stringMap'; wire: string; key: string; value: string }
  | { kind: 'attributeMap'; wire: string }
  | { kind: 'structList'; wire: string; members: Shape };

export type Shape = Readonly<Record<string, Member>>;

const str: Member = { kind: 'string' };
const int: Member = { kind: 'integer' };
const list = (wire: string): Member => ({ kind: 'stringList', wire });
const attributes: Member = { kind: 'stringMap', wire: 'Attribute', key: 'Name', value: 'Value' };
const tags: Member = { kind: 'stringMap', wire: 'Tag', key: 'Key', value: 'Value' };
const messageAttributes: Member = { kind: 'attributeMap', wire: 'MessageAttribute' };
const systemAttributes: Member = { kind: 'attributeMap', wire: 'MessageSystemAttribute' };
const entries = (wire: string, members: Shape): Member => ({ kind: 'structList', wire, members });

const outgoing: Shape = {
  MessageBody: str,
  DelaySeconds: int,
  MessageAttributes: messageAttributes,
  MessageSystemAttributes: systemAttributes,
  MessageDeduplicationId: str,
  MessageGroupId: str,
};

export const OPERATIONS: Readonly<Record<string, Shape>> = {
  CreateQueue: { QueueName: str, Attributes: attributes, tags },
  GetQueueUrl: { QueueName: str, QueueOwnerAWSAccountId: str },
  ListQueues: { QueueNamePrefix: str, NextToken: str, MaxResults: int },
  DeleteQueue: { QueueUrl: str },
  GetQueueAttributes: { QueueUrl: str, AttributeNames: list('AttributeName') },
  SetQueueAttributes: { QueueUrl: str, Attributes: attributes },
  PurgeQueue: { QueueUrl: str },
  SendMessage: { QueueUrl: str, ...outgoing },
  SendMessageBatch: { QueueUrl: str, Entries: entries('SendMessageBatchRequestEntry', { Id: str, ...outgoing }) },
  ReceiveMessage: {
    QueueUrl: str,
    AttributeNames: list('AttributeName'),
    MessageSystemAttributeNames: list('MessageSystemAttributeName'),
    MessageAttributeNames: list('MessageAttributeName'),
    MaxNumberOfMessages: int,
    VisibilityTimeout: int,
    WaitTimeSeconds: int,
    ReceiveRequestAttemptId: str,
  },
  DeleteMessage: { QueueUrl: str, ReceiptHandle: str },
  DeleteMessageBatch: { QueueUrl: str, Entries: entries('DeleteMessageBatchRequestEntry', { Id: str, ReceiptHandle: str }) },
  ChangeMessageVisibility: { QueueUrl: str, ReceiptHandle: str, VisibilityTimeout: int },
  ChangeMessageVisibilityBatch: {
    QueueUrl: str,
    Entries: entries('ChangeMessageVisibilityBatchRequestEntry', { Id: str, ReceiptHandle: str, VisibilityTimeout: int }),
  },
  TagQueue: { QueueUrl: str, Tags: tags },
  UntagQueue: { QueueUrl: str, TagKeys: list('TagKey') },
  ListQueueTags: { QueueUrl: str },
  ListDeadLetterSourceQueues: { QueueUrl: str, NextToken: str, MaxResults: int },
  StartMessageMoveTask: { SourceArn: str, DestinationArn: str, MaxNumberOfMessagesPerSecond: int },
  ListMessageMoveTasks: { SourceArn: str, MaxResults: int },
  CancelMessageMoveTask: { TaskHandle: str },
};

/** SQS operations this service refuses with UnsupportedOperation (see README). */
export const REFUSED_OPERATIONS = new Set(['AddPermission', 'RemovePermission']);

/** Canonical, type-checked parameters: what the operations read. */
export type Params = Record<string, unknown>;
