/**
 * A stack's Parameter Store parameters and Secrets Manager secrets brought to the state the
 * document asks for (docs/parameters-and-secrets.md): created when new, a parameter given a new
 * version when its value, type or description changes, a secret given a new AWSCURRENT version
 * when its SecretString changes (a generated secret keeps its value, as CloudFormation's does
 * while GenerateSecretString is unchanged). Each change is undone if the deployment fails;
 * deleting (stack rm, or a resource the template no longer has) removes a parameter, and a secret
 * without a recovery window, as CloudFormation does.
 */
import { conflict, invalidParameter, notFound } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import type { SecretsManagerService } from '../../secretsmanager/service.js';
import type { SsmService } from '../../ssm/service.js';
import type { StackResource } from '../../store/records.js';
import type { SecretSpec, SsmParameterSpec } from './document-store.js';
import type { Journal } from './journal.js';

export const PARAMETER_TYPE = 'AWS::SSM::Parameter';
export const SECRET_TYPE = 'AWS::SecretsManager::Secret';
const NO_SERVICE = "This Nimbus has no Parameter Store or Secrets Manager to apply the stack's parameters and secrets to.";

type Params = Record<string, unknown>;

/** A service's refusal as Nimbus's error: missing things ERR_NOT_FOUND (the cleanup takes them as gone). */
function call<T extends { call(scope: Scope, op: string, p: Params): Params }>(svc: T, label: string, scope: Scope, op: string, p: Params): Params {
  try {
    return svc.call(scope, op, p);
  } catch (e) {
    const type = (e as { type?: unknown }).type;
    if (typeof type !== 'string') throw e;
    if (type === 'ParameterNotFound' || type === 'ResourceNotFoundException') throw notFound(`${label} ${String(p['Name'] ?? p['SecretId'] ?? '')} does not exist`);
    throw invalidParameter(`${label} ${type}: ${(e as Error).message}`);
  }
}

function tryCall<T extends { call(scope: Scope, op: string, p: Params): Params }>(svc: T, label: string, scope: Scope, op: string, p: Params): Params | undefined {
  try {
    return call(svc, label, scope, op, p);
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'ERR_NOT_FOUND') return undefined;
    throw e;
  }
}

const tagList = (tags: Record<string, string>): { Key: string; Value: string }[] => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

function applyParameter(scope: Scope, p: SsmParameterSpec, j: Journal, ssm: SsmService): void {
  const name = p.Request['Name'] as string;
  const current = tryCall(ssm, 'Parameter', scope, 'GetParameter', { Name: name })?.['Parameter'] as Params | undefined;
  if (!current) {
    call(ssm, 'Parameter', scope, 'PutParameter', { ...p.Request, ...(Object.keys(p.Tags).length ? { Tags: tagList(p.Tags) } : {}) });
    j.push(`delete parameter ${name}`, async () => void tryCall(ssm, 'Parameter', scope, 'DeleteParameter', { Name: name }));
    return;
  }
  const described = (call(ssm, 'Parameter', scope, 'DescribeParameters', { ParameterFilters: [{ Key: 'Name', Values: [name] }] })['Parameters'] as Params[])[0] ?? {};
  const same = current['Value'] === p.Request['Value'] && current['Type'] === p.Request['Type'] && described['Description'] === p.Request['Description'];
  if (!same) {
    call(ssm, 'Parameter', scope, 'PutParameter', { ...p.Request, Overwrite: true });
    const before = { Name: name, Value: current['Value'], Type: current['Type'], ...(described['Description'] !== undefined ? { Description: described['Description'] } : {}), Overwrite: true };
    j.push(`restore parameter ${name}`, async () => void call(ssm, 'Parameter', scope, 'PutParameter', before));
  }
  const tagsBefore = call(ssm, 'Parameter', scope, 'ListTagsForResource', { ResourceType: 'Parameter', ResourceId: name })['TagList'] as { Key: string; Value: string }[];
  const gone = tagsBefore.filter((t) => !(t.Key in p.Tags)).map((t) => t.Key);
  if (gone.length) call(ssm, 'Parameter', scope, 'RemoveTagsFromResource', { ResourceType: 'Parameter', ResourceId: name, TagKeys: gone });
  if (Object.keys(p.Tags).length) call(ssm, 'Parameter', scope, 'AddTagsToResource', { ResourceType: 'Parameter', ResourceId: name, Tags: tagList(p.Tags) });
}

/** GenerateSecretString: a random password, alone or as one key of the JSON SecretStringTemplate. */
function generated(sm: SecretsManagerService, scope: Scope, g: Params): string {
  const options: Params = {};
  for (const k of ['PasswordLength', 'ExcludeCharacters', 'ExcludeLowercase', 'ExcludeNumbers', 'ExcludePunctuation', 'ExcludeUppercase', 'IncludeSpace', 'RequireEachIncludedType']) {
    if (g[k] !== undefined) options[k] = g[k];
  }
  const password = call(sm, 'Secret', scope, 'GetRandomPassword', options)['RandomPassword'] as string;
  const template = g['SecretStringTemplate'];
  const key = g['GenerateStringKey'];
  if (template === undefined && key === undefined) return password;
  if (typeof template !== 'string' || typeof key !== 'string') throw invalidParameter('GenerateSecretString needs both SecretStringTemplate and GenerateStringKey, or neither');
  let json: unknown;
  try {
    json = JSON.parse(template);
  } catch {
    throw invalidParameter('GenerateSecretString.SecretStringTemplate must be a JSON object');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw invalidParameter('GenerateSecretString.SecretStringTemplate must be a JSON object');
  return JSON.stringify({ ...json, [key]: password });
}

function applySecret(scope: Scope, s: SecretSpec, j: Journal, sm: SecretsManagerService): void {
  const existing = tryCall(sm, 'Secret', scope, 'DescribeSecret', { SecretId: s.Arn });
  if (!existing) {
    const value = s.SecretString ?? generated(sm, scope, s.Generate ?? {});
    sm.createWithSuffix(scope, { Name: s.Name, SecretString: value, ...(s.Description !== undefined ? { Description: s.Description } : {}), ...(s.Tags.length ? { Tags: s.Tags } : {}) }, s.Arn.slice(-6));
    j.push(`delete secret ${s.Name}`, async () => void tryCall(sm, 'Secret', scope, 'DeleteSecret', { SecretId: s.Arn, ForceDeleteWithoutRecovery: true }));
    return;
  }
  if (existing['DeletedDate'] !== undefined) throw conflict(`secret ${s.Name} is scheduled for deletion; restore it (aws secretsmanager restore-secret) or give the secret another name`);
  if (s.SecretString !== undefined) {
    const current = tryCall(sm, 'Secret', scope, 'GetSecretValue', { SecretId: s.Arn })?.['SecretString'];
    if (current !== s.SecretString) {
      call(sm, 'Secret', scope, 'PutSecretValue', { SecretId: s.Arn, SecretString: s.SecretString });
      if (typeof current === 'string') j.push(`restore secret ${s.Name}`, async () => void call(sm, 'Secret', scope, 'PutSecretValue', { SecretId: s.Arn, SecretString: current }));
    }
  }
  if (existing['Description'] !== s.Description && s.Description !== undefined) {
    call(sm, 'Secret', scope, 'UpdateSecret', { SecretId: s.Arn, Description: s.Description });
  }
}

/** Applies the document's parameters and secrets; answers their stack resources. */
export async function applyStore(
  scope: Scope,
  doc: { SsmParameters: readonly SsmParameterSpec[]; Secrets: readonly SecretSpec[] },
  j: Journal,
  d: { ssm?: SsmService | undefined; secretsManager?: SecretsManagerService | undefined },
  within: <T>(logicalId: string, step: () => Promise<T>) => Promise<T>,
): Promise<StackResource[]> {
  const out: StackResource[] = [];
  for (const p of doc.SsmParameters) {
    await within(p.LogicalId, async () => {
      if (!d.ssm) throw invalidParameter(NO_SERVICE);
      applyParameter(scope, p, j, d.ssm);
    });
    out.push({ logicalId: p.LogicalId, type: PARAMETER_TYPE, physicalId: p.Request['Name'] as string });
  }
  for (const s of doc.Secrets) {
    await within(s.LogicalId, async () => {
      if (!d.secretsManager) throw invalidParameter(NO_SERVICE);
      applySecret(scope, s, j, d.secretsManager);
    });
    out.push({ logicalId: s.LogicalId, type: SECRET_TYPE, physicalId: s.Arn });
  }
  return out;
}

/** Deletes a stack's parameter or secret (the cleanup's step); a missing one is ERR_NOT_FOUND. */
export function deleteStoreResource(scope: Scope, r: StackResource, d: { ssm?: SsmService | undefined; secretsManager?: SecretsManagerService | undefined }): void {
  if (r.type === PARAMETER_TYPE) {
    if (d.ssm) call(d.ssm, 'Parameter', scope, 'DeleteParameter', { Name: r.physicalId });
  } else if (d.secretsManager) call(d.secretsManager, 'Secret', scope, 'DeleteSecret', { SecretId: r.physicalId, ForceDeleteWithoutRecovery: true });
}

/** A parameter or secret of this name exists already (another stack's, or made by hand). */
export function storeResourceExists(scope: Scope, r: StackResource, d: { ssm?: SsmService | undefined; secretsManager?: SecretsManagerService | undefined }): boolean {
  if (r.type === PARAMETER_TYPE) return d.ssm !== undefined && tryCall(d.ssm, 'Parameter', scope, 'GetParameter', { Name: r.physicalId }) !== undefined;
  if (!d.secretsManager) return false;
  // By name: a secret of that name made outside the stack has another ARN suffix.
  const name = r.physicalId.slice(r.physicalId.indexOf(':secret:') + 8, -7);
  return tryCall(d.secretsManager, 'Secret', scope, 'DescribeSecret', { SecretId: name }) !== undefined;
}
