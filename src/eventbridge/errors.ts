/**
 * EventBridge's errors, as its AWS JSON 1.1 protocol carries them: `{"__type": "<Name>",
 * "message": "..."}` with HTTP 400 (500 for InternalException). Names are the EventBridge
 * model's (`@aws-sdk/client-eventbridge` turns `__type` into `e.name`); messages are AWS's where
 * known (marked in the code where Nimbus words them).
 */
import { AwsJsonError, constraintMessage } from '../core/errors.js';

export class EventBridgeError extends AwsJsonError {}

export const validation = (message: string): EventBridgeError => new EventBridgeError('ValidationException', message);
export const notFound = (message: string): EventBridgeError => new EventBridgeError('ResourceNotFoundException', message);
export const alreadyExists = (message: string): EventBridgeError => new EventBridgeError('ResourceAlreadyExistsException', message);
export const limitExceeded = (message: string): EventBridgeError => new EventBridgeError('LimitExceededException', message);
export const internal = (): EventBridgeError => new EventBridgeError('InternalException', 'An internal error occurred.', 500);

/** The model's constraint messages, in AWS's usual validation wording. */
export const constraint = (value: unknown, member: string, rule: string): EventBridgeError =>
  validation(constraintMessage(value, member, rule));
