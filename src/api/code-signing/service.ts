/**
 * Code signing configs (Create/Get/Update/Delete/ListCodeSigningConfigs,
 * ListFunctionsByCodeSigningConfig) and a function's config (Put/Get/DeleteFunctionCodeSigningConfig,
 * CreateFunction's CodeSigningConfigArn), stored and returned as AWS shows them (LS-SNAP
 * `TestCodeSigningConfig`).
 *
 * Nimbus does not verify signatures: code reaches it as a plain zip, never as an artifact signed
 * by AWS Signer, so every deployment is unsigned. A config whose policy is `Warn` lets it through,
 * as Lambda does with unsigned code under Warn; `Enforce` refuses it with Lambda's own error
 * (CodeVerificationFailedException, the message CloudFormation users report: aws/aws-cdk#29474),
 * at CreateFunction and at every UpdateFunctionCode. docs/compatibility.md says so.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { conflict, NimbusError, notFound, validationError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import { functionArn, parseFunctionName } from '../../core/names.js';
import type { CodeSigningConfigRecord } from '../../store/records.js';
import type { Store } from '../../store/types.js';
import type { FunctionCodeSigning } from '../functions/extensions.js';
import { decodeMarker, encodeMarker, pageSize } from '../http/paging.js';
import { checkEnum, isObject, optionalString } from '../http/validate.js';
import type { TagService } from '../tags/service.js';

const CSC_ARN = /^arn:(aws[a-zA-Z-]*)?:lambda:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}):(\d{12}):code-signing-config:(csc-[a-z0-9]{17})$/;
const SIGNING_PROFILE_ARN = /^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)$/;

export const cscArn = (c: Scope & { id: string }): string => `arn:aws:lambda:${c.region}:${c.accountId}:code-signing-config:${c.id}`;

const missingConfig = (arn: string): NimbusError => notFound(`The Lambda code signing configuration ${arn} can not be found.`);

export class CodeSigningService implements FunctionCodeSigning {
  constructor(private readonly deps: { store: Store; clock: Clock; tags: TagService }) {}

  async create(scope: Scope, body: unknown): Promise<CodeSigningConfigRecord> {
    const b = isObject(body) ? body : {};
    const profiles = publishers(b['AllowedPublishers'], true)!;
    const policy = policyOf(b['CodeSigningPolicies']) ?? 'Warn';
    const description = optionalString(b, 'Description', 'description', 256) ?? '';
    const tags = this.deps.tags.check(b['Tags']) ?? {};
    // `csc-` and 17 characters, as AWS's ids are (MODEL `CodeSigningConfigId`).
    const id = `csc-${randomBytes(9).toString('hex').slice(0, 17)}`;
    const c: CodeSigningConfigRecord = { ...scope, id, description, signingProfileVersionArns: profiles, policy, lastModified: this.deps.clock.now(), tags };
    await this.deps.store.codeSigning.insert(c);
    return c;
  }

  get(scope: Scope, arn: string): Promise<CodeSigningConfigRecord> {
    return this.config(scope, arn);
  }

  async update(scope: Scope, arn: string, body: unknown): Promise<CodeSigningConfigRecord> {
    const c = await this.config(scope, arn);
    const b = isObject(body) ? body : {};
    const next: CodeSigningConfigRecord = {
      ...c,
      description: optionalString(b, 'Description', 'description', 256) ?? c.description,
      signingProfileVersionArns: publishers(b['AllowedPublishers'], false) ?? c.signingProfileVersionArns,
      policy: policyOf(b['CodeSigningPolicies']) ?? c.policy,
      lastModified: this.deps.clock.now(),
    };
    await this.deps.store.codeSigning.put(next);
    return next;
  }

  async delete(scope: Scope, arn: string): Promise<void> {
    const c = await this.config(scope, arn);
    const users = await this.functionsUsing(scope, cscArn(c));
    if (users.length > 0) throw conflict(`The code signing configuration ${cscArn(c)} is used by ${users.length} function(s) (${users.join(', ')}); remove it from them first.`);
    await this.deps.store.codeSigning.delete(scope, c.id);
  }

  async list(scope: Scope, marker: string | undefined, maxItems: string | undefined): Promise<{ configs: CodeSigningConfigRecord[]; nextMarker: string | undefined }> {
    const limit = pageSize(maxItems, 50);
    const rows = await this.deps.store.codeSigning.list(scope, decodeMarker(marker, /^csc-[a-z0-9]{17}$/), limit + 1);
    const page = rows.slice(0, limit);
    return { configs: page, nextMarker: rows.length > limit ? encodeMarker(page.at(-1)!.id) : undefined };
  }

  /** ListFunctionsByCodeSigningConfig: the unqualified ARNs of the functions that use it. */
  async functionArns(scope: Scope, arn: string, marker: string | undefined, maxItems: string | undefined): Promise<{ arns: string[]; nextMarker: string | undefined }> {
    const c = await this.config(scope, arn);
    const limit = pageSize(maxItems, 50);
    const after = decodeMarker(marker, /^[a-zA-Z0-9-_]{1,64}$/);
    const names = (await this.functionsUsing(scope, cscArn(c))).filter((n) => after === undefined || n > after);
    const page = names.slice(0, limit);
    return { arns: page.map((n) => functionArn(scope, n)), nextMarker: names.length > limit ? encodeMarker(page.at(-1)!) : undefined };
  }

  /** PutFunctionCodeSigningConfig: the config is looked up first, then the function (LS-SNAP `put_function_csc_invalid_both`). */
  async putForFunction(scope: Scope, rawName: string, body: unknown): Promise<{ arn: string; functionName: string }> {
    const raw = isObject(body) ? body['CodeSigningConfigArn'] : undefined;
    const arn = await this.check(scope, '', raw, false);
    if (arn === undefined) throw validationError(null, 'codeSigningConfigArn', 'Member must not be null');
    const name = await this.functionName(scope, rawName);
    await this.attach(scope, name, arn);
    return { arn, functionName: name };
  }

  /** GetFunctionCodeSigningConfig: undefined when the function has none (AWS then answers `{}`). */
  async getForFunction(scope: Scope, rawName: string): Promise<{ arn: string; functionName: string } | undefined> {
    const name = await this.functionName(scope, rawName);
    const arn = (await this.deps.store.settings.get(scope, name, '', 'code-signing')) as string | undefined;
    return arn === undefined ? undefined : { arn, functionName: name };
  }

  async deleteForFunction(scope: Scope, rawName: string): Promise<void> {
    await this.deps.store.settings.delete(scope, await this.functionName(scope, rawName), '', 'code-signing');
  }

  async check(scope: Scope, functionName: string, raw: unknown, unsignedCode = true): Promise<string | undefined> {
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'string' || raw.length > 200 || !CSC_ARN.test(raw)) {
      throw validationError(raw, 'codeSigningConfigArn', `Member must satisfy regular expression pattern: ${CSC_ARN.source.slice(1, -1)}`);
    }
    const c = await this.find(scope, raw);
    if (!c) {
      throw new NimbusError('ERR_CODE_SIGNING_CONFIG_NOT_FOUND', `The code signing configuration cannot be found. Check that the provided configuration is not deleted: ${raw}.`);
    }
    if (unsignedCode && c.policy === 'Enforce') throw unsigned(scope, functionName);
    return raw;
  }

  async attach(scope: Scope, functionName: string, arn: string): Promise<void> {
    await this.deps.store.settings.put(scope, functionName, '', 'code-signing', arn);
  }

  async beforeCode(scope: Scope, functionName: string): Promise<void> {
    const arn = (await this.deps.store.settings.get(scope, functionName, '', 'code-signing')) as string | undefined;
    if (arn !== undefined && (await this.find(scope, arn))?.policy === 'Enforce') throw unsigned(scope, functionName);
  }

  private async functionsUsing(scope: Scope, arn: string): Promise<string[]> {
    return (await this.deps.store.settings.all(scope, 'code-signing')).filter((s) => s.value === arn).map((s) => s.functionName);
  }

  private async functionName(scope: Scope, rawName: string): Promise<string> {
    const ref = parseFunctionName(rawName);
    if (!await this.deps.store.getVersion(scope, ref.name, '$LATEST')) throw notFound(`Function not found: ${functionArn(scope, ref.name)}`);
    return ref.name;
  }

  private async find(scope: Scope, arn: string): Promise<CodeSigningConfigRecord | undefined> {
    const m = CSC_ARN.exec(arn);
    // Groups: 2 the region, 7 the account, 8 the id.
    if (!m || m[2] !== scope.region || m[7] !== scope.accountId) return undefined;
    return this.deps.store.codeSigning.get(scope, m[8]!);
  }

  private async config(scope: Scope, arn: string): Promise<CodeSigningConfigRecord> {
    if (arn.length > 200 || !CSC_ARN.test(arn)) {
      throw validationError(arn, 'codeSigningConfigArn', `Member must satisfy regular expression pattern: ${CSC_ARN.source.slice(1, -1)}`);
    }
    const c = await this.find(scope, arn);
    if (!c) throw missingConfig(arn);
    return c;
  }
}

/** Lambda's refusal of code that is not signed by an allowed publisher under `Enforce`. */
function unsigned(scope: Scope, functionName: string): NimbusError {
  return new NimbusError(
    'ERR_CODE_VERIFICATION_FAILED',
    `Lambda cannot deploy the function. The function or layer might be signed using a signature that the client is not configured to accept. Check the provided signature for ${functionArn(scope, functionName)}.`,
  );
}

function publishers(v: unknown, required: boolean): string[] | undefined {
  if (v === undefined || v === null) {
    if (required) throw validationError(null, 'allowedPublishers', 'Member must not be null');
    return undefined;
  }
  const arns = isObject(v) ? v['SigningProfileVersionArns'] : undefined;
  if (!Array.isArray(arns)) throw validationError(null, 'allowedPublishers.signingProfileVersionArns', 'Member must not be null');
  if (arns.length < 1 || arns.length > 20) {
    throw validationError(`[${arns.join(', ')}]`, 'allowedPublishers.signingProfileVersionArns', `Member must have length ${arns.length < 1 ? 'greater' : 'less'} than or equal to ${arns.length < 1 ? 1 : 20}`);
  }
  for (const a of arns) {
    if (typeof a !== 'string' || !SIGNING_PROFILE_ARN.test(a)) {
      throw validationError(a, 'allowedPublishers.signingProfileVersionArns', `Member must satisfy regular expression pattern: ${SIGNING_PROFILE_ARN.source.slice(1, -1)}`);
    }
  }
  return arns as string[];
}

function policyOf(v: unknown): 'Warn' | 'Enforce' | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw validationError(v, 'codeSigningPolicies', 'Member must be a structure');
  return checkEnum(v['UntrustedArtifactOnDeployment'], 'codeSigningPolicies.untrustedArtifactOnDeployment', ['Warn', 'Enforce']) as 'Warn' | 'Enforce' | undefined;
}
