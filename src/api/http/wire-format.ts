/** Wire formats several API areas share: Lambda's timestamp string, integer query parameters. */
import { validationError } from '../../core/errors.js';

/** `2024-05-01T12:34:56.789+0000`: the string format of FunctionConfiguration.LastModified. */
export function lambdaTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** An integer query parameter in [min, max], or undefined when absent; AWS's validation error otherwise. */
export function intParam(v: string | null, member: string, min: number, max: number): number | undefined {
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw validationError(v, member, `Member must be an integer between ${min} and ${max}`);
  }
  return n;
}
