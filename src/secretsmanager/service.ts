/**
 * AWS Secrets Manager on Nimbus's endpoint (docs/parameters-and-secrets.md): the AWS JSON 1.1
 * protocol, `X-Amz-Target: secretsmanager.<Operation>`, what @aws-sdk/client-secrets-manager,
 * botocore (`aws secretsmanager`, boto3) and Powertools send (core/json-protocol.ts). State lives
 * in `secretsmanager.db`; every secret value is sealed with Nimbus's keyring (docs/security.md).
 */
import { handleJson, isJsonTarget, jsonError, type JsonRequest, type JsonResponse } from '../core/json-protocol.js';
import type { Scope } from '../core/model.js';
import type { Sealer } from '../core/sealer.js';
import { createSecret, SecretsError, secretOperations, type Params, type SecretDeps } from './operations.js';
import { SecretStore } from './store.js';

export const SECRETS_TARGET_PREFIX = 'secretsmanager.';
/** A 64 KB secret, escaped, with its description and tags. */
export const SECRETS_BODY_LIMIT = 512 * 1024;

export class SecretsManagerService {
  private readonly store: SecretStore;
  private readonly deps: SecretDeps;
  private readonly ops;
  private readonly log: (line: string) => void;

  constructor(opts: { file: string; sealer: Sealer; now: () => number; log: (line: string) => void }) {
    this.store = new SecretStore(opts.file);
    this.deps = { store: this.store, sealer: opts.sealer, now: opts.now };
    this.ops = secretOperations(this.deps);
    this.log = opts.log;
  }

  static isSecretsRequest(req: Pick<JsonRequest, 'method' | 'path' | 'headers'>): boolean {
    return isJsonTarget(req, SECRETS_TARGET_PREFIX);
  }

  /** Never throws: every failure is an answer in Secrets Manager's error shape. */
  async handle(req: JsonRequest): Promise<JsonResponse> {
    return handleJson(req, SECRETS_TARGET_PREFIX, this.ops, {
      // Nimbus's wording for an operation it does not serve (rotation, replication, policies).
      unknown: (op) => new SecretsError('InvalidRequestException', `The operation ${op} is not supported by Nimbus's Secrets Manager (docs/parameters-and-secrets.md).`),
      internal: 'InternalServiceError',
      log: this.log,
      service: 'secretsmanager',
    });
  }

  /** One operation called by Nimbus's own components (stacks): the wire's checks; throws the SecretsError the wire would answer. */
  call(scope: Scope, operation: string, params: Params): Params {
    const run = this.ops[operation];
    if (!run) throw new SecretsError('InvalidRequestException', `${operation} is not an operation of Nimbus's Secrets Manager`);
    return run(scope, params);
  }

  /** CreateSecret with the ARN suffix a stack planned (its template's references name the ARN already). */
  createWithSuffix(scope: Scope, params: Params, arnSuffix: string): Params {
    return createSecret(this.deps, scope, params, arnSuffix);
  }

  /** A secret's SecretString for Nimbus's own components: GetSecretValue's checks and errors. */
  secretString(scope: Scope, id: string, stage?: string, versionId?: string): string {
    const r = this.ops['GetSecretValue']!(scope, { SecretId: id, ...(stage ? { VersionStage: stage } : {}), ...(versionId ? { VersionId: versionId } : {}) }) as { SecretString?: string };
    if (r.SecretString === undefined) throw new SecretsError('InvalidRequestException', `The secret ${id} holds a binary value, not a SecretString.`);
    return r.SecretString;
  }

  static errorResponse(status: number, type: string, message: string): JsonResponse {
    return jsonError(status, type, message);
  }

  /** A secret's ARN by name (identity policies name secrets by ARN). */
  arnOf(scope: Scope, name: string): string | undefined {
    return this.store.byName(scope, name)?.arn;
  }

  close(): void {
    this.store.close();
  }
}

/** The secret a request acts on, for identity policies (`secretsmanager:GetSecretValue` on the secret's ARN, or `*`). */
export function secretsResources(body: Buffer, scope: Scope, lookup: (scope: Scope, id: string) => string | undefined): string[] {
  let p: Params;
  try {
    p = JSON.parse(body.toString('utf8')) as Params;
  } catch {
    return ['*'];
  }
  if (p === null || typeof p !== 'object') return ['*'];
  const id = typeof p['SecretId'] === 'string' ? p['SecretId'] : undefined;
  const arn = id === undefined ? undefined : id.startsWith('arn:') ? id : lookup(scope, id);
  return [arn ?? '*'];
}
