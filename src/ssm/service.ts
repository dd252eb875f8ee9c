/**
 * AWS Systems Manager Parameter Store on Nimbus's endpoint (docs/parameters-and-secrets.md): the
 * AWS JSON 1.1 protocol, `X-Amz-Target: AmazonSSM.<Operation>`, what @aws-sdk/client-ssm and
 * botocore (`aws ssm`, boto3, Powertools' parameters utility) send (core/json-protocol.ts).
 * State lives in `ssm.db`; SecureString values are sealed with Nimbus's keyring (docs/security.md).
 */
import type { Scope } from '../core/model.js';
import { handleJson, isJsonTarget, jsonError, type JsonRequest, type JsonResponse } from '../core/json-protocol.js';
import type { Sealer } from '../core/sealer.js';
import { parameterArn, parameterOperations, SsmError, type Params } from './parameters.js';
import { ParameterStore } from './store.js';

export const SSM_TARGET_PREFIX = 'AmazonSSM.';
/** A PutParameter of 8 KB escaped, with tags and a description, fits many times over. */
export const SSM_BODY_LIMIT = 256 * 1024;

export class SsmService {
  private readonly store: ParameterStore;
  private readonly ops;
  private readonly log: (line: string) => void;

  constructor(opts: { file: string; sealer: Sealer; now: () => number; log: (line: string) => void }) {
    this.store = new ParameterStore(opts.file);
    this.ops = parameterOperations({ store: this.store, sealer: opts.sealer, now: opts.now });
    this.log = opts.log;
  }

  static isSsmRequest(req: Pick<JsonRequest, 'method' | 'path' | 'headers'>): boolean {
    return isJsonTarget(req, SSM_TARGET_PREFIX);
  }

  /** Never throws: every failure is an answer in SSM's error shape. */
  async handle(req: JsonRequest): Promise<JsonResponse> {
    return handleJson(req, SSM_TARGET_PREFIX, this.ops, {
      // AWS's error for an operation its model does not have; Nimbus's wording for one it does not serve.
      unknown: (op) => new SsmError('InvalidAction', `The action or operation ${op} is not valid for this endpoint (Nimbus serves Parameter Store's parameter operations).`),
      internal: 'InternalServerError',
      log: this.log,
      service: 'ssm',
    });
  }

  /** One operation called by Nimbus's own components (stacks): the wire's checks; throws the SsmError the wire would answer. */
  call(scope: Scope, operation: string, params: Params): Params {
    const run = this.ops[operation];
    if (!run) throw new SsmError('InvalidAction', `${operation} is not an operation of Nimbus's Parameter Store`);
    return run(scope, params, `arn:aws:iam::${scope.accountId}:root`);
  }

  /** A parameter's value for Nimbus's own components (a SecureString decrypted): GetParameter's checks and errors. */
  valueOf(scope: Scope, name: string, version?: number): string {
    const r = this.ops['GetParameter']!(scope, { Name: version === undefined ? name : `${name}:${version}`, WithDecryption: true }, '') as { Parameter: { Value: string } };
    return r.Parameter.Value;
  }

  static errorResponse(status: number, type: string, message: string): JsonResponse {
    return jsonError(status, type, message);
  }

  close(): void {
    this.store.close();
  }
}

/** The parameters a request acts on, for identity policies (`ssm:GetParameter` on `arn:aws:ssm:…:parameter/…`). */
export function ssmResources(body: Buffer, scope: Scope): string[] {
  let p: Params;
  try {
    p = JSON.parse(body.toString('utf8')) as Params;
  } catch {
    return ['*'];
  }
  if (p === null || typeof p !== 'object') return ['*'];
  const names = typeof p['Name'] === 'string' ? [p['Name']] : Array.isArray(p['Names']) ? p['Names'] : typeof p['ResourceId'] === 'string' ? [p['ResourceId']] : [];
  const out = names.filter((n): n is string => typeof n === 'string').map((n) => parameterArn(scope, n.replace(/:[^:/]+$/, '')));
  if (typeof p['Path'] === 'string') out.push(parameterArn(scope, p['Path']));
  return out.length ? out : ['*'];
}
