/**
 * The SQS errors this service answers with, in one catalogue. Each carries the three names AWS
 * uses for it: the shape name (JSON `__type`, what the JS SDK turns into `e.name`), the Query
 * error code (XML `<Code>`, and the `x-amzn-query-error` header of JSON responses, which the SDK
 * exposes as `e.Code`), and the HTTP status. Names and statuses are those of the SQS model
 * (`@aws-sdk/client-sqs` schemas, botocore `sqs/2012-11-05/service-2.json`); messages are those
 * AWS returns, as recorded against real AWS in LocalStack's validated SQS snapshots.
 */
export class SqsError extends Error {
  constructor(
    /** The shape name: JSON `__type` suffix. */
    readonly type: string,
    /** The Query-protocol error code. */
    readonly code: string,
    readonly status: number,
    message: string,
    /** AWS words a few errors differently on the Query protocol. */
    readonly queryMessage: string = message,
    readonly sender = true,
  ) {
    super(message);
    this.name = type;
  }
}

export const queueDoesNotExist = (): SqsError =>
  new SqsError('QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 400, 'The specified queue does not exist.',
    // Recorded: the Query protocol adds "for this wsdl version".
    'The specified queue does not exist for this wsdl version.');

export const invalidParameterValue = (message: string): SqsError =>
  new SqsError('InvalidParameterValueException', 'InvalidParameterValue', 400, message);

/** `Value <v> for parameter <p> is invalid. Reason: <r>` - AWS's wording for a bad argument. */
export const invalidValue = (param: string, value: unknown, reason: string): SqsError =>
  invalidParameterValue(`Value ${String(value)} for parameter ${param} is invalid. Reason: ${reason}`);

export const missingParameter = (name: string): SqsError =>
  new SqsError('MissingRequiredParameterException', 'MissingParameter', 400, `The request must contain the parameter ${name}.`);

export const invalidAttributeName = (message: string): SqsError =>
  new SqsError('InvalidAttributeName', 'InvalidAttributeName', 400, message);

export const unknownAttribute = (name: string): SqsError => invalidAttributeName(`Unknown Attribute ${name}.`);

export const invalidAttributeValue = (message: string): SqsError =>
  new SqsError('InvalidAttributeValue', 'InvalidAttributeValue', 400, message);

export const queueNameExists = (attribute: string): SqsError =>
  new SqsError('QueueNameExists', 'QueueAlreadyExists', 400,
    `A queue already exists with the same name and a different value for attribute ${attribute}`);

export const queueDeletedRecently = (): SqsError =>
  new SqsError('QueueDeletedRecently', 'AWS.SimpleQueueService.QueueDeletedRecently', 400,
    'You must wait 60 seconds after deleting a queue before you can create another with the same name.');

export const purgeQueueInProgress = (queueName: string): SqsError =>
  new SqsError('PurgeQueueInProgress', 'AWS.SimpleQueueService.PurgeQueueInProgress', 403,
    `Only one PurgeQueue operation on ${queueName} is allowed every 60 seconds.`);

export const receiptHandleIsInvalid = (handle: string): SqsError =>
  new SqsError('ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid', 404, `The input receipt handle "${handle}" is not a valid receipt handle.`);

export const receiptHandleExpired = (handle: string): SqsError =>
  invalidValue('ReceiptHandle', handle, 'The receipt handle has expired.');

export const tooManyEntries = (sent: number): SqsError =>
  new SqsError('TooManyEntriesInBatchRequest', 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 400,
    `Maximum number of entries per request are 10. You have sent ${sent}.`);

export const emptyBatchRequest = (entryName: string): SqsError =>
  new SqsError('EmptyBatchRequest', 'AWS.SimpleQueueService.EmptyBatchRequest', 400,
    `There should be at least one ${entryName} in the request.`);

export const batchEntryIdsNotDistinct = (id: string): SqsError =>
  new SqsError('BatchEntryIdsNotDistinct', 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 400, `Id ${id} repeated.`);

export const invalidBatchEntryId = (): SqsError =>
  new SqsError('InvalidBatchEntryId', 'AWS.SimpleQueueService.InvalidBatchEntryId', 400,
    'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');

export const batchRequestTooLong = (limit: number, sent: number): SqsError =>
  new SqsError('BatchRequestTooLong', 'AWS.SimpleQueueService.BatchRequestTooLong', 400,
    `Batch requests cannot be longer than ${limit} bytes. You have sent ${sent} bytes.`);

export const invalidMessageContents = (message: string): SqsError =>
  new SqsError('InvalidMessageContents', 'InvalidMessageContents', 400, message);

export const unsupportedOperation = (message: string): SqsError =>
  new SqsError('UnsupportedOperation', 'AWS.SimpleQueueService.UnsupportedOperation', 400, message);

/** Query protocol: an Action this endpoint does not serve (recorded wording). */
export const invalidAction = (action: string): SqsError =>
  new SqsError('InvalidAction', 'InvalidAction', 400, `The action ${action} is not valid for this endpoint.`);

/** JSON protocol: an `X-Amz-Target` naming no SQS operation (AWS JSON services' generic error). */
export const unknownOperation = (): SqsError =>
  new SqsError('UnknownOperationException', 'UnknownOperationException', 400, 'The requested operation is not recognized by the service.');

/** A JSON body that is not a JSON object, or a member of the wrong JSON type. */
export const serializationError = (message: string): SqsError =>
  new SqsError('SerializationException', 'SerializationException', 400, message);

export const internalError = (): SqsError =>
  new SqsError('InternalError', 'InternalError', 500, 'We encountered an internal error. Please try again.', undefined, false);

/** Shutting down: a long poll cut short, or a request arriving after `close()`. */
export const serviceUnavailable = (): SqsError =>
  new SqsError('ServiceUnavailable', 'ServiceUnavailable', 503, 'The request has failed due to a temporary failure of the server.', undefined, false);
