/**
 * Layer version permissions: AddLayerVersionPermission, RemoveLayerVersionPermission and
 * GetLayerVersionPolicy, stored and returned as AWS shows them (the model's example, LS-SNAP
 * `test_layer_policy_*`). Enforcement (who may use another account's layer) comes with the
 * security issue; Nimbus keeps one account's layers to itself until then.
 */
import { randomUUID } from 'node:crypto';
import { conflict, NimbusError, notFound, validationError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import type { LayerVersionRecord, PolicyStatement } from '../../store/records.js';
import type { Store } from '../../store/types.js';
import { isObject } from '../http/validate.js';
import { layerVersionArn, parseLayerName, parseVersionNumber } from './names.js';

const STATEMENT_ID = /^([a-zA-Z0-9-_]+)$/;
const PRINCIPAL = /^\d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root$/;
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

const stale = (): NimbusError =>
  new NimbusError(
    'ERR_PRECONDITION_FAILED',
    'The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id',
  );

export class LayerPermissions {
  constructor(private readonly store: Store) {}

  /** Returns the new statement (as the JSON string AWS answers) and the policy's new RevisionId. */
  async add(scope: Scope, rawName: string | undefined, rawVersion: string | undefined, body: unknown, revisionId: string | null): Promise<{ statement: string; revisionId: string }> {
    const b = isObject(body) ? body : {};
    const sid = required(b, 'StatementId', 'statementId');
    if (sid.length > 100 || !STATEMENT_ID.test(sid)) throw validationError(sid, 'statementId', `Member must satisfy regular expression pattern: ${STATEMENT_ID.source.slice(1, -1)}`);
    const action = required(b, 'Action', 'action');
    if (action !== 'lambda:GetLayerVersion') throw validationError(action, 'action', 'Member must satisfy regular expression pattern: lambda:GetLayerVersion');
    const principal = required(b, 'Principal', 'principal');
    if (!PRINCIPAL.test(principal)) throw validationError(principal, 'principal', `Member must satisfy regular expression pattern: ${PRINCIPAL.source.slice(1, -1)}`);
    const org = b['OrganizationId'];
    if (org !== undefined && (typeof org !== 'string' || !ORGANIZATION_ID.test(org))) {
      throw validationError(org, 'organizationId', `Member must satisfy regular expression pattern: ${ORGANIZATION_ID.source.slice(1, -1)}`);
    }
    const v = await this.version(scope, rawName, rawVersion);
    const statements = v.policy?.statements ?? [];
    if (statements.some((s) => s['Sid'] === sid)) {
      throw conflict(`The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`);
    }
    if (revisionId !== null && revisionId !== '' && revisionId !== v.policy?.revisionId) throw stale();
    const statement: PolicyStatement = {
      Sid: sid,
      Effect: 'Allow',
      // An account ID is shown as its root ARN (the model's AddLayerVersionPermission example).
      Principal: /^\d{12}$/.test(principal) ? { AWS: `arn:aws:iam::${principal}:root` } : principal.startsWith('arn:') ? { AWS: principal } : principal,
      Action: action,
      Resource: layerVersionArn(v, v.layerName, v.version),
      ...(typeof org === 'string' ? { Condition: { StringEquals: { 'aws:PrincipalOrgID': org } } } : {}),
    };
    const policy = { statements: [...statements, statement], revisionId: randomUUID() };
    await this.store.layers.putPolicy(v, v.layerName, v.version, policy);
    return { statement: JSON.stringify(statement), revisionId: policy.revisionId };
  }

  async remove(scope: Scope, rawName: string | undefined, rawVersion: string | undefined, sid: string, revisionId: string | null): Promise<void> {
    const v = await this.version(scope, rawName, rawVersion);
    if (revisionId !== null && revisionId !== '' && revisionId !== v.policy?.revisionId) throw stale();
    const statements = v.policy?.statements ?? [];
    if (!statements.some((s) => s['Sid'] === sid)) throw notFound(`Statement ${sid} is not found in resource policy.`);
    const rest = statements.filter((s) => s['Sid'] !== sid);
    // Without statements there is no policy any more, as with a function's (LS-SNAP `test_remove_multi_permissions`).
    await this.store.layers.putPolicy(v, v.layerName, v.version, rest.length ? { statements: rest, revisionId: randomUUID() } : undefined);
  }

  /** GetLayerVersionPolicy: the document as a JSON string, and its RevisionId. */
  async get(scope: Scope, rawName: string | undefined, rawVersion: string | undefined): Promise<{ policy: string; revisionId: string }> {
    const v = await this.version(scope, rawName, rawVersion);
    if (!v.policy) throw notFound('No policy is associated with the given resource.');
    return { policy: JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: v.policy.statements }), revisionId: v.policy.revisionId };
  }

  private async version(scope: Scope, rawName: string | undefined, rawVersion: string | undefined): Promise<LayerVersionRecord> {
    const version = parseVersionNumber(rawVersion);
    const name = parseLayerName(rawName, scope);
    const v = await this.store.layers.get(scope, name, version);
    if (!v) throw notFound(`Layer version ${layerVersionArn(scope, name, version)} does not exist.`);
    return v;
  }
}

function required(body: Record<string, unknown>, key: string, member: string): string {
  const v = body[key];
  if (v === undefined || v === null) throw validationError(null, member, 'Member must not be null');
  if (typeof v !== 'string') throw validationError(v, member, 'Member must be a string');
  return v;
}
