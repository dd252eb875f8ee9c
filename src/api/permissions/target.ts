/**
 * What a resource-based policy is attached to: a function's `$LATEST` (the unqualified name), a
 * published version or an alias. The policy's RevisionId is that version's or alias's own, and
 * every change of the policy moves it, as on AWS (LS-SNAP `test_function_revisions_permissions`:
 * GetPolicy's RevisionId equals GetFunction's, and AddPermission changes both).
 */
import { randomUUID } from 'node:crypto';
import { notFound, validationError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import { functionArn, parseFunctionName, qualifierOf } from '../../core/names.js';
import type { Store } from '../../store/types.js';

/** MODEL `NumericLatestPublishedOrAliasQualifier`, as AWS prints it. */
const QUALIFIER = /^(\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+)$/;
const QUALIFIER_SOURCE = '\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+';

export interface PolicyTarget extends Scope {
  functionName: string;
  /** `$LATEST` for the unqualified function, else the version or alias (the key of its policy). */
  qualifier: string;
  /** The ARN a statement's Resource names: unqualified for `$LATEST`. */
  resourceArn: string;
  revisionId: string;
}

/** How each operation reports a missing function, version or alias (their messages differ on AWS). */
export interface MissingMessages {
  fn?: (arn: string) => string;
  version?: (arn: string) => string;
  alias?: (arn: string) => string;
}

const defaults: Required<MissingMessages> = {
  fn: (arn) => `Function not found: ${arn}`,
  version: (arn) => `Function not found: ${arn}`,
  alias: (arn) => `Cannot find alias arn: ${arn}`,
};

/** The name and qualifier of a request (`fn:q` or `?Qualifier=`, which must agree), checked. */
export function targetRef(rawName: string, queryQualifier: string | undefined): { name: string; qualifier: string | undefined } {
  const ref = parseFunctionName(rawName);
  const qualifier = qualifierOf(ref, queryQualifier);
  if (qualifier !== undefined && (qualifier.length > 128 || !QUALIFIER.test(qualifier))) {
    throw validationError(qualifier, 'qualifier', `Member must satisfy regular expression pattern: ${QUALIFIER_SOURCE}`);
  }
  return { name: ref.name, qualifier };
}

/** Resolves a policy's target, or throws ResourceNotFoundException with the operation's message. */
export async function policyTarget(store: Store, scope: Scope, name: string, qualifier: string | undefined, missing: MissingMessages = {}): Promise<PolicyTarget> {
  const m = { ...defaults, ...missing };
  const latest = await store.getVersion(scope, name, '$LATEST');
  if (!latest) throw notFound(m.fn(functionArn(scope, name)));
  const base = { ...scope, functionName: name };
  if (qualifier === undefined || qualifier === '$LATEST') {
    return { ...base, qualifier: '$LATEST', resourceArn: functionArn(scope, name, qualifier), revisionId: latest.revisionId };
  }
  if (/^[0-9]+$/.test(qualifier)) {
    const v = await store.getVersion(scope, name, qualifier);
    if (!v) throw notFound(m.version(functionArn(scope, name, qualifier)));
    return { ...base, qualifier, resourceArn: functionArn(scope, name, qualifier), revisionId: v.revisionId };
  }
  const a = await store.aliases.get(scope, name, qualifier);
  if (!a) throw notFound(m.alias(functionArn(scope, name, qualifier)));
  return { ...base, qualifier, resourceArn: functionArn(scope, name, qualifier), revisionId: a.revisionId };
}

/** Gives the version or alias a new RevisionId (its policy changed) and returns it. */
export async function bumpRevision(store: Store, t: PolicyTarget): Promise<string> {
  const revisionId = randomUUID();
  if (t.qualifier === '$LATEST' || /^[0-9]+$/.test(t.qualifier)) {
    const v = await store.getVersion(t, t.functionName, t.qualifier);
    if (v) await store.putVersion({ ...v, revisionId });
  } else {
    const a = await store.aliases.get(t, t.functionName, t.qualifier);
    if (a) await store.aliases.put({ ...a, revisionId });
  }
  return revisionId;
}
