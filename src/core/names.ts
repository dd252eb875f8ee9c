/**
 * Function names as the API accepts them: `my-fn`, `my-fn:qualifier`, a partial ARN
 * `123456789012:function:my-fn` or a full ARN, with the model's pattern and length limits.
 */
import { invalidParameter, validationError } from './errors.js';
import type { Scope } from '../core/model.js';

/** MODEL `FunctionName` pattern. */
const FUNCTION_NAME =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const FUNCTION_NAME_SOURCE = FUNCTION_NAME.source.slice(1, -1);

export interface FunctionRef {
  name: string;
  qualifier: string | undefined;
}

/** Parses a FunctionName path label or body member; `member` names it in errors. */
export function parseFunctionName(raw: unknown, member = 'functionName'): FunctionRef {
  if (raw === undefined || raw === null || raw === '') throw validationError(null, member, 'Member must not be null');
  if (typeof raw !== 'string') throw validationError(raw, member, 'Member must be a string');
  if (raw.length > 140) throw validationError(raw, member, 'Member must have length less than or equal to 140');
  const m = FUNCTION_NAME.exec(raw);
  if (!m) throw validationError(raw, member, `Member must satisfy regular expression pattern: ${FUNCTION_NAME_SOURCE}`);
  const name = m[7]!;
  if (name.length > 64) {
    throw invalidParameter(
      `1 validation error detected: Value '${name}' at '${member}' failed to satisfy constraint: Member must have length less than or equal to 64`,
    );
  }
  return { name, qualifier: m[9] };
}

/** Merges a qualifier from the name (`fn:q`) with one from `?Qualifier=`; they must agree. */
export function qualifierOf(ref: FunctionRef, query: string | undefined): string | undefined {
  if (query !== undefined && query !== '' && ref.qualifier !== undefined && ref.qualifier !== query) {
    throw invalidParameter('The derived qualifier from the function name does not match the specified qualifier.');
  }
  return ref.qualifier ?? (query === '' ? undefined : query);
}

export function functionArn(scope: Scope, name: string, qualifier?: string): string {
  const base = `arn:aws:lambda:${scope.region}:${scope.accountId}:function:${name}`;
  return qualifier ? `${base}:${qualifier}` : base;
}
