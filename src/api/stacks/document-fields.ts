/**
 * Reading the members of a stack document (document.ts, document-services.ts): the shape checks
 * with the wire's validation messages.
 */
import { validationError } from '../../core/errors.js';
import { isObject } from '../http/validate.js';

/** CloudFormation's logical ids: letters and digits. */
export const LOGICAL_ID = /^[A-Za-z0-9]{1,255}$/;

export const str = (v: unknown): v is string => typeof v === 'string';

export function stringMap(v: unknown, member: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObject(v) || Object.values(v).some((x) => !str(x))) throw validationError(v, member, 'Member must be a map of strings');
  return v as Record<string, string>;
}

export function list(v: unknown, member: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw validationError(v, member, 'Member must be a list');
  return v;
}

export function named(v: unknown, key: string, re: RegExp, member: string): string {
  if (!str(v) || !re.test(v)) throw validationError(v ?? null, `${member}.${key[0]!.toLowerCase()}${key.slice(1)}`, `Member must satisfy regular expression pattern: ${re.source}`);
  return v;
}

export function optionalObject(v: unknown, member: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw validationError(v, member, 'Member must be a structure');
  return v;
}

