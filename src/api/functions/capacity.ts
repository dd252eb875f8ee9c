/**
 * CapacityProviderConfig (Lambda Managed Instances) on CreateFunction and
 * UpdateFunctionConfiguration, botocore's `lambda/2015-03-31` model:
 *
 *   CapacityProviderConfig { LambdaManagedInstancesCapacityProviderConfig (required) {
 *     CapacityProviderArn (required, 1-140, `arn:aws[a-zA-Z-]*:lambda:<region>:<account>:capacity-provider:<name>`),
 *     PerExecutionEnvironmentMaxConcurrency (integer 1-1600),
 *     ExecutionEnvironmentMemoryGiBPerVCpu (double 2.0-8.0) } }
 *
 * Nimbus is one host, and that host is the capacity: any well-formed capacity-provider ARN is
 * accepted as "this host" (the capacity-provider operations themselves stay refused, see
 * src/api/refused). What the setting changes is real: PerExecutionEnvironmentMaxConcurrency
 * invocations share one sandbox at once (docs/multi-concurrency.md). The config is stored and
 * returned exactly as given, members absent stay absent.
 */
import { validationError } from '../../core/errors.js';
import type { CapacityProviderSetting } from '../../core/model.js';
import { isObject } from '../http/validate.js';

const ARN = /^arn:aws[a-zA-Z-]*:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:capacity-provider:[a-zA-Z0-9-_]+$/;
const M = 'capacityProviderConfig.lambdaManagedInstancesCapacityProviderConfig';

/** Validates the request member; undefined when absent or null. */
export function checkCapacityProviderConfig(v: unknown): CapacityProviderSetting | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw validationError(v, 'capacityProviderConfig', 'Member must be a structure');
  const lmi = v['LambdaManagedInstancesCapacityProviderConfig'];
  if (lmi === undefined || lmi === null) throw validationError(null, M, 'Member must not be null');
  if (!isObject(lmi)) throw validationError(lmi, M, 'Member must be a structure');
  const arn = lmi['CapacityProviderArn'];
  if (arn === undefined || arn === null) throw validationError(null, `${M}.capacityProviderArn`, 'Member must not be null');
  if (typeof arn !== 'string') throw validationError(arn, `${M}.capacityProviderArn`, 'Member must be a string');
  if (arn.length > 140) throw validationError(arn, `${M}.capacityProviderArn`, 'Member must have length less than or equal to 140');
  if (!ARN.test(arn)) throw validationError(arn, `${M}.capacityProviderArn`, `Member must satisfy regular expression pattern: ${ARN.source.slice(1, -1)}`);
  const out: CapacityProviderSetting = { arn };
  const max = lmi['PerExecutionEnvironmentMaxConcurrency'];
  if (max !== undefined && max !== null) {
    const member = `${M}.perExecutionEnvironmentMaxConcurrency`;
    if (typeof max !== 'number' || !Number.isInteger(max)) throw validationError(max, member, 'Member must be an integer');
    if (max < 1) throw validationError(max, member, 'Member must have value greater than or equal to 1');
    if (max > 1600) throw validationError(max, member, 'Member must have value less than or equal to 1600');
    out.maxConcurrency = max;
  }
  const ratio = lmi['ExecutionEnvironmentMemoryGiBPerVCpu'];
  if (ratio !== undefined && ratio !== null) {
    const member = `${M}.executionEnvironmentMemoryGiBPerVCpu`;
    if (typeof ratio !== 'number' || !Number.isFinite(ratio)) throw validationError(ratio, member, 'Member must be a number');
    if (ratio < 2) throw validationError(ratio, member, 'Member must have value greater than or equal to 2.0');
    if (ratio > 8) throw validationError(ratio, member, 'Member must have value less than or equal to 8.0');
    out.memoryGiBPerVCpu = ratio;
  }
  return out;
}

/** The response member, as given at create or update. */
export function capacityProviderShape(c: CapacityProviderSetting): Record<string, unknown> {
  return {
    LambdaManagedInstancesCapacityProviderConfig: {
      CapacityProviderArn: c.arn,
      ...(c.maxConcurrency !== undefined ? { PerExecutionEnvironmentMaxConcurrency: c.maxConcurrency } : {}),
      ...(c.memoryGiBPerVCpu !== undefined ? { ExecutionEnvironmentMemoryGiBPerVCpu: c.memoryGiBPerVCpu } : {}),
    },
  };
}
