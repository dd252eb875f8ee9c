/**
 * CloudWatch Logs' errors as its AWS JSON 1.1 protocol carries them: `{"__type": "<Name>",
 * "message": "..."}` with HTTP 400 and the name in `x-amzn-ErrorType`. Names are the logs
 * model's (botocore `logs/2014-03-28`); messages are AWS's where known (ResourceNotFound, the
 * nextToken refusal, the model's constraint wording).
 */
import { AwsJsonError, constraintMessage } from '../../core/errors.js';

export class LogsError extends AwsJsonError {}

export const invalidParameter = (message: string): LogsError => new LogsError('InvalidParameterException', message);
export const groupNotFound = (): LogsError => new LogsError('ResourceNotFoundException', 'The specified log group does not exist.');
export const streamNotFound = (): LogsError => new LogsError('ResourceNotFoundException', 'The specified log stream does not exist.');
export const badToken = (): LogsError => invalidParameter('The specified nextToken is invalid.');
export const internal = (): LogsError => new LogsError('ServiceUnavailableException', 'The service cannot complete the request.', 500);

/** The model's constraint messages, in AWS's validation wording. */
export const constraint = (value: unknown, member: string, rule: string): LogsError =>
  invalidParameter(constraintMessage(value, member, rule));
