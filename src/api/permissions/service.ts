/**
 * Resource-based policies of functions, versions and aliases: AddPermission, RemovePermission and
 * GetPolicy (docs/reference/security.md §2.2), and the JS SDK's PutResourcePolicy,
 * GetResourcePolicy and DeleteResourcePolicy, which replace, read and remove the same document.
 * Stored and returned exactly; who may invoke is not enforced yet (the security issue does that).
 * Messages are AWS's (LS-SNAP `TestLambdaPermissions`, `test_function_revisions_permissions`).
 */
import { conflict, invalidParameter, NimbusError, notFound, validationError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import { functionArn } from '../../core/names.js';
import type { PolicyStatement } from '../../store/records.js';
import type { Store } from '../../store/types.js';
import { isObject, optionalString } from '../http/validate.js';
import { statementIdOf, statementOf } from './statement.js';
import { bumpRevision, policyTarget, targetRef, type PolicyTarget } from './target.js';

/** Lambda's limit for a function's resource-based policy (Lambda quotas: 20 KB). */
export const MAX_POLICY_BYTES = 20_480;
const NO_RESOURCE = 'The resource you requested does not exist.';
const NO_POLICY = 'No policy is associated with the given resource.';

/** A function policy as kept in the store: the document's text, exactly as written or put. */
interface StoredPolicy {
  document: string;
}

const stale = (call: string): NimbusError =>
  new NimbusError('ERR_PRECONDITION_FAILED', `The Revision Id provided does not match the latest Revision Id. Call the ${call} API to retrieve the latest Revision Id`);

/** FUNCTION ARNs as PutResourcePolicy and its siblings take them. */
const FUNCTION_ARN = /^arn:aws[a-zA-Z-]*:lambda:([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}):(\d{12}):function:([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;

export class PermissionService {
  constructor(private readonly store: Store) {}

  /** AddPermission: appends a statement; returns it as the JSON string AWS answers. */
  async add(scope: Scope, rawName: string, queryQualifier: string | undefined, body: unknown): Promise<string> {
    statementIdOf(body);
    const ref = targetRef(rawName, queryQualifier);
    if (ref.qualifier === '$LATEST') throw invalidParameter('We currently do not support adding policies for $LATEST.');
    const t = await policyTarget(this.store, scope, ref.name, ref.qualifier);
    const rev = isObject(body) ? optionalString(body, 'RevisionId', 'revisionId', 1024) : undefined;
    if (rev !== undefined && rev !== t.revisionId) throw stale('GetPolicy');
    const statement = statementOf(body, t.resourceArn);
    const doc = await this.document(t) ?? { Version: '2012-10-17', Id: 'default', Statement: [] };
    const statements = statementsOf(doc);
    // Statement ids are unique per function, version or alias (LS-SNAP `add_permission_conflicting_statement_id`).
    if (statements.some((s) => s['Sid'] === statement['Sid'])) {
      throw conflict(`The statement id (${String(statement['Sid'])}) provided already exists. Please provide a new statement id, or remove the existing statement.`);
    }
    await this.save(t, JSON.stringify({ ...doc, Statement: [...statements, statement] }));
    return JSON.stringify(statement);
  }

  async remove(scope: Scope, rawName: string, queryQualifier: string | undefined, sid: string, revisionId: string | undefined): Promise<void> {
    const ref = targetRef(rawName, queryQualifier);
    const t = await policyTarget(this.store, scope, ref.name, ref.qualifier, { fn: (arn) => `No policy found for: ${arn}` });
    const doc = await this.document(t);
    if (!doc) throw notFound(NO_POLICY);
    const statements = statementsOf(doc);
    if (!statements.some((s) => s['Sid'] === sid)) throw notFound(`Statement ${sid} is not found in resource policy.`);
    if (revisionId !== undefined && revisionId !== '' && revisionId !== t.revisionId) throw stale('GetFunction/GetAlias');
    const rest = statements.filter((s) => s['Sid'] !== sid);
    // A policy without statements is no policy (LS-SNAP `get_policy_exception_removed_all`).
    if (rest.length === 0) await this.drop(t);
    else await this.save(t, JSON.stringify({ ...doc, Statement: rest }));
  }

  /** GetPolicy: the document as stored, and the function's (version's, alias's) RevisionId. */
  async get(scope: Scope, rawName: string, queryQualifier: string | undefined): Promise<{ policy: string; revisionId: string }> {
    const ref = targetRef(rawName, queryQualifier);
    const t = await policyTarget(this.store, scope, ref.name, ref.qualifier, { fn: () => NO_RESOURCE, version: () => NO_RESOURCE });
    const stored = await this.stored(t);
    if (!stored) throw notFound(NO_RESOURCE);
    return { policy: stored.document, revisionId: t.revisionId };
  }

  /** PutResourcePolicy: replaces the whole document with `Policy`, kept as written. */
  async put(scope: Scope, resourceArn: string, body: unknown): Promise<{ policy: string; revisionId: string }> {
    const t = await this.resource(scope, resourceArn);
    const b = isObject(body) ? body : {};
    const policy = b['Policy'];
    if (policy === undefined || policy === null) throw validationError(null, 'policy', 'Member must not be null');
    if (typeof policy !== 'string') throw validationError(policy, 'policy', 'Member must be a string');
    let doc: unknown;
    try {
      doc = JSON.parse(policy);
    } catch {
      doc = undefined;
    }
    if (!isObject(doc) || !Array.isArray(doc['Statement'])) throw invalidParameter('The policy is not a valid JSON policy document: it needs a Statement list.');
    const rev = optionalString(b, 'RevisionId', 'revisionId', 1024);
    if (rev !== undefined && rev !== t.revisionId) throw stale('GetResourcePolicy');
    return { policy, revisionId: await this.save(t, policy) };
  }

  async getResource(scope: Scope, resourceArn: string): Promise<{ policy: string; revisionId: string }> {
    const t = await this.resource(scope, resourceArn);
    const stored = await this.stored(t);
    if (!stored) throw notFound(NO_POLICY);
    return { policy: stored.document, revisionId: t.revisionId };
  }

  async deleteResource(scope: Scope, resourceArn: string, revisionId: string | undefined): Promise<void> {
    const t = await this.resource(scope, resourceArn);
    if (!await this.stored(t)) throw notFound(NO_POLICY);
    if (revisionId !== undefined && revisionId !== '' && revisionId !== t.revisionId) throw stale('GetResourcePolicy');
    await this.drop(t);
  }

  /** The target a resource ARN names: a function, version or alias of the caller's scope. */
  private resource(scope: Scope, arn: string): Promise<PolicyTarget> {
    const m = FUNCTION_ARN.exec(arn);
    if (!m) throw validationError(arn, 'resourceArn', `Member must satisfy regular expression pattern: ${FUNCTION_ARN.source.slice(1, -1)}`);
    const name = m[7]!;
    const qualifier = m[9];
    if (m[1] !== scope.region || m[6] !== scope.accountId) throw notFound(`Function not found: ${functionArn(scope, name, qualifier)}`);
    if (qualifier === '$LATEST') throw invalidParameter('We currently do not support adding policies for $LATEST.');
    return policyTarget(this.store, scope, name, qualifier);
  }

  private async stored(t: PolicyTarget): Promise<StoredPolicy | undefined> {
    return (await this.store.settings.get(t, t.functionName, t.qualifier, 'policy')) as StoredPolicy | undefined;
  }

  private async document(t: PolicyTarget): Promise<Record<string, unknown> | undefined> {
    const stored = await this.stored(t);
    if (!stored) return undefined;
    const doc = JSON.parse(stored.document) as unknown;
    return isObject(doc) ? doc : undefined;
  }

  /** Stores the document and moves the target's RevisionId; returns the new one. */
  private async save(t: PolicyTarget, document: string): Promise<string> {
    const size = Buffer.byteLength(document);
    if (size > MAX_POLICY_BYTES) {
      throw new NimbusError('ERR_POLICY_TOO_LARGE', `The final policy size (${size}) is bigger than the limit (${MAX_POLICY_BYTES}).`);
    }
    await this.store.settings.put(t, t.functionName, t.qualifier, 'policy', { document } satisfies StoredPolicy);
    return bumpRevision(this.store, t);
  }

  private async drop(t: PolicyTarget): Promise<void> {
    await this.store.settings.delete(t, t.functionName, t.qualifier, 'policy');
    await bumpRevision(this.store, t);
  }
}

/** A document's statements: a list, or AWS's single-statement form (an object). */
function statementsOf(doc: Record<string, unknown>): PolicyStatement[] {
  const s = doc['Statement'];
  if (Array.isArray(s)) return s.filter(isObject);
  return isObject(s) ? [s] : [];
}
