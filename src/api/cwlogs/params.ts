/** Reading CloudWatch Logs request members with the model's constraints (botocore `logs/2014-03-28` shapes). */
import { constraint, invalidParameter } from './errors.js';

export type Params = Record<string, unknown>;

export function str(p: Params, key: string, opts: { required?: boolean; min?: number; max?: number; pattern?: RegExp } = {}): string | undefined {
  const v = p[key];
  if (v === undefined || v === null) {
    if (opts.required) throw constraint(null, key, 'Member must not be null');
    return undefined;
  }
  if (typeof v !== 'string') throw invalidParameter(`Invalid type for parameter ${key}: expected a string.`);
  if (opts.min !== undefined && v.length < opts.min) throw constraint(v, key, `Member must have length greater than or equal to ${opts.min}`);
  if (opts.max !== undefined && v.length > opts.max) throw constraint(v, key, `Member must have length less than or equal to ${opts.max}`);
  if (opts.pattern && !opts.pattern.test(v)) throw constraint(v, key, `Member must satisfy regular expression pattern: ${opts.pattern.source.slice(1, -1)}`);
  return v;
}

export function int(p: Params, key: string, min: number, max: number): number | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidParameter(`Invalid type for parameter ${key}: expected an integer.`);
  if (v < min) throw constraint(v, key, `Member must have value greater than or equal to ${min}`);
  if (v > max) throw constraint(v, key, `Member must have value less than or equal to ${max}`);
  return v;
}

/** A Timestamp member: epoch milliseconds, never negative. */
export function time(p: Params, key: string): number | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidParameter(`Invalid type for parameter ${key}: expected a timestamp in milliseconds.`);
  if (v < 0) throw constraint(v, key, 'Member must have value greater than or equal to 0');
  return Math.floor(v);
}

export function bool(p: Params, key: string): boolean | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalidParameter(`Invalid type for parameter ${key}: expected a boolean.`);
  return v;
}

export function strings(p: Params, key: string, min: number, max: number): string[] | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalidParameter(`Invalid type for parameter ${key}: expected a list of strings.`);
  if (v.length < min) throw constraint(v, key, `Member must have length greater than or equal to ${min}`);
  if (v.length > max) throw constraint(v, key, `Member must have length less than or equal to ${max}`);
  return v as string[];
}

export const isObject = (v: unknown): v is Params => typeof v === 'object' && v !== null && !Array.isArray(v);

/** LogGroupName's pattern (`[\.\-_/#A-Za-z0-9]+`). */
export const GROUP_NAME = /^[.\-_/#A-Za-z0-9]+$/;
/** LogStreamName's pattern (`[^:*]*`). */
export const STREAM_NAME = /^[^:*]*$/;
