/** Reading JSON 1.1 request members with the model's constraints, in AWS's validation wording. */
import { constraint } from './errors.js';

export type Params = Record<string, unknown>;

export function str(p: Params, key: string, member: string, opts: { required?: boolean; max?: number; pattern?: RegExp } = {}): string | undefined {
  const v = p[key];
  if (v === undefined || v === null) {
    if (opts.required) throw constraint(null, member, 'Member must not be null');
    return undefined;
  }
  if (typeof v !== 'string') throw constraint(v, member, 'Member must be a string');
  if (opts.max !== undefined && v.length > opts.max) throw constraint(v, member, `Member must have length less than or equal to ${opts.max}`);
  if (opts.pattern && !opts.pattern.test(v)) throw constraint(v, member, `Member must satisfy regular expression pattern: ${opts.pattern.source.slice(1, -1)}`);
  return v;
}

export function list(p: Params, key: string, member: string, min: number, max: number): unknown[] {
  const v = p[key];
  if (v === undefined || v === null) throw constraint(null, member, 'Member must not be null');
  if (!Array.isArray(v)) throw constraint(v, member, 'Member must be a list');
  if (v.length < min) throw constraint(v, member, `Member must have length greater than or equal to ${min}`);
  if (v.length > max) throw constraint(v, member, `Member must have length less than or equal to ${max}`);
  return v;
}

export function int(p: Params, key: string, member: string, min: number, max: number): number | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw constraint(v, member, 'Member must be an integer');
  if (v < min || v > max) throw constraint(v, member, `Member must have value between ${min} and ${max}`);
  return v;
}

export const isObject = (v: unknown): v is Params => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Opaque paging tokens: the offset of the next item. */
export const encodeToken = (n: number): string => Buffer.from(JSON.stringify({ n })).toString('base64');

export function decodeToken(v: string | undefined): number {
  if (v === undefined) return 0;
  try {
    const n = (JSON.parse(Buffer.from(v, 'base64').toString('utf8')) as { n?: unknown }).n;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0) return n;
  } catch {
    // falls through to the refusal
  }
  throw constraint(v, 'nextToken', 'Member must be a token from a previous response');
}
