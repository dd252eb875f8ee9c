/**
 * DurableConfig on CreateFunction and UpdateFunctionConfiguration (MODEL `DurableConfig`:
 * ExecutionTimeout 1-31622400 s, RetentionPeriodInDays 1-90). A durable function is one whose
 * invocations start durable executions (src/durable, docs/durable.md). Whether a function is
 * durable is chosen at create: an update may change the two numbers of a durable function, never
 * turn durability on or off. Only the runtimes AWS ships the durable SDKs for take it.
 */
import { invalidParameter, validationError } from '../../core/errors.js';
import type { DurableSetting } from '../../core/model.js';
import { isObject, optionalInt } from '../http/validate.js';

/** AWS's durable-supported runtimes (docs/reference/peers-2026.md §1.2). */
export const DURABLE_RUNTIMES: readonly string[] = ['nodejs22.x', 'nodejs24.x', 'python3.13', 'python3.14'];

/** Used when ExecutionTimeout is not given (a day; AWS's console suggests the same order). */
export const DEFAULT_EXECUTION_TIMEOUT_S = 86_400;
export const DEFAULT_RETENTION_DAYS = 14;

/** Validates the request member; undefined when absent or null. */
export function checkDurableConfig(v: unknown, base?: DurableSetting): DurableSetting | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw validationError(v, 'durableConfig', 'Member must be a structure');
  const timeout = optionalInt(v, 'ExecutionTimeout', 'durableConfig.executionTimeout', 1, 31_622_400);
  const retention = optionalInt(v, 'RetentionPeriodInDays', 'durableConfig.retentionPeriodInDays', 1, 90);
  return {
    executionTimeout: timeout ?? base?.executionTimeout ?? DEFAULT_EXECUTION_TIMEOUT_S,
    retentionPeriodInDays: retention ?? base?.retentionPeriodInDays ?? DEFAULT_RETENTION_DAYS,
  };
}

/** A durable function needs a runtime with a durable SDK. */
export function checkDurableRuntime(runtime: string): void {
  if (!DURABLE_RUNTIMES.includes(runtime)) {
    throw invalidParameter(`DurableConfig is not supported for runtime ${runtime}. Durable functions run on ${DURABLE_RUNTIMES.join(', ')}.`);
  }
}

/** The response member. */
export function durableConfigShape(d: DurableSetting): Record<string, unknown> {
  return { ExecutionTimeout: d.executionTimeout, RetentionPeriodInDays: d.retentionPeriodInDays };
}
