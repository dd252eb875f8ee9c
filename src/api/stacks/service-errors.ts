/**
 * The SQS, SNS and EventBridge services throw their own errors (AWS's error names for their own
 * wire protocols). A stack deployment answers on Nimbus's API, so their refusals become
 * `InvalidParameterValueException`s that keep the service's error name and message ("SQS
 * QueueDeletedRecently: ..."), and "does not exist" answers are recognised as such for the
 * cleanup, which takes a resource already gone as deleted.
 */
import { invalidParameter, NimbusError } from '../../core/errors.js';
import { ObjectError } from '../../core/objects.js';
import { EventBridgeError } from '../../eventbridge/errors.js';
import { SnsError } from '../../sns/errors.js';
import { SqsError } from '../../sqs/errors.js';

/** The service's error as a NimbusError; anything else as it is. */
export function asNimbus(e: unknown): unknown {
  if (e instanceof SqsError) return e.status >= 500 ? e : invalidParameter(`SQS ${e.code}: ${e.message}`);
  if (e instanceof SnsError) return e.status >= 500 ? e : invalidParameter(`SNS ${e.code}: ${e.message}`);
  if (e instanceof EventBridgeError) return e.status >= 500 ? e : invalidParameter(`EventBridge ${e.type}: ${e.message}`);
  return e;
}

/** Runs a service call, its refusals turned into NimbusErrors. */
export async function service<T>(call: () => T | Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw asNimbus(e);
  }
}

/** The thing named does not exist (any of the services, or Nimbus's own ERR_NOT_FOUND). */
export function isMissing(e: unknown): boolean {
  if (e instanceof SqsError) return e.code === 'AWS.SimpleQueueService.NonExistentQueue';
  if (e instanceof SnsError) return e.code === 'NotFound';
  if (e instanceof EventBridgeError) return e.type === 'ResourceNotFoundException';
  if (e instanceof ObjectError) return e.code === 'NoSuchBucket';
  return e instanceof NimbusError && (e.code === 'ERR_NOT_FOUND' || e.code === 'ERR_PROVISIONED_CONFIG_NOT_FOUND');
}
