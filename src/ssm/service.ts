/**
 * AWS Systems Manager Parameter Store on Nimbus's endpoint (docs/parameters-and-secrets.md): the
 * AWS JSON 1.1 protocol, `POST /` with `X-Amz-Target: AmazonSSM.<Operation>`, what
 * @aws-sdk/client-ssm, botocore (`aws ssm`, boto3, Powertools' parameters utility) send. Errors
 * are `{"__type", "message"}` with the type also in `x-amzn-ErrorType`. State lives in `ssm.db`;
 * SecureString values are sealed with Nimbus's keyring (docs/security.md).
 */
import { randomUUID } from 'node:crypto';
import type { Scope } from '../core/model.js';
import { parameterArn, parameterOperations, SsmError, type Params, type Sealer } from './parameters.js';
import { ParameterStore } from './store.js';

export const SSM_TARGET_PREFIX = 'AmazonSSM.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** A PutParameter of 8 KB escaped, with tags and a description, fits many times over. */
export const SSM_BODY_LIMIT = 256 * 1024;

export interface SsmRequest {
  method: string;
  path: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
  accountId: string;
  region: string;
  caller?: { readonly arn: string } | undefined;
}

export interface SsmResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const header = (h: SsmRequest['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

export class SsmService {
  private readonly store: ParameterStore;
  private readonly ops;

  constructor(opts: { file: string; sealer: Sealer; now: () => number; log: (line: string) => void }) {
    this.store = new ParameterStore(opts.file);
    this.ops = parameterOperations({ store: this.store, sealer: opts.sealer, now: opts.now });
    this.log = opts.log;
  }

  private readonly log: (line: string) => void;

  static isSsmRequest(req: { method: string; path: string; headers: SsmRequest['headers'] }): boolean {
    return req.method === 'POST' && req.path === '/' && (header(req.headers, 'x-amz-target') ?? '').startsWith(SSM_TARGET_PREFIX);
  }

  /** Never throws: every failure is an answer in SSM's error shape. */
  async handle(req: SsmRequest): Promise<SsmResponse> {
    const requestId = randomUUID();
    const op = (header(req.headers, 'x-amz-target') ?? '').slice(SSM_TARGET_PREFIX.length);
    try {
      const run = this.ops[op];
      // AWS's answer to an operation its model does not have; Nimbus's wording for one it does not serve.
      if (!run) throw new SsmError('InvalidAction', `The action or operation ${op} is not valid for this endpoint (Nimbus serves Parameter Store's parameter operations).`);
      let params: unknown;
      try {
        params = req.body.length === 0 ? {} : JSON.parse(req.body.toString('utf8'));
      } catch {
        throw new SsmError('SerializationException', 'Start of structure or map found where not expected.');
      }
      if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new SsmError('SerializationException', 'Start of structure or map found where not expected.');
      const scope: Scope = { accountId: req.accountId, region: req.region };
      const user = req.caller?.arn ?? `arn:aws:iam::${req.accountId}:root`;
      return reply(200, requestId, run(scope, params as Params, user));
    } catch (e) {
      let err: SsmError;
      if (e instanceof SsmError) err = e;
      else {
        this.log(`ssm: ${op} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        err = new SsmError('InternalServerError', 'An internal error occurred.', 500);
      }
      return SsmService.errorResponse(err.status, err.type, err.message, requestId);
    }
  }

  static errorResponse(status: number, type: string, message: string, requestId: string = randomUUID()): SsmResponse {
    const r = reply(status, requestId, { __type: type, message });
    return { ...r, headers: { ...r.headers, 'x-amzn-ErrorType': type } };
  }

  close(): void {
    this.store.close();
  }
}

function reply(status: number, requestId: string, body: unknown): SsmResponse {
  return { status, headers: { 'Content-Type': CONTENT_TYPE, 'x-amzn-RequestId': requestId }, body: Buffer.from(JSON.stringify(body)) };
}

/** The parameter a request acts on, for identity policies (`ssm:GetParameter` on `arn:aws:ssm:…:parameter/…`). */
export function ssmResources(body: Buffer, scope: Scope): string[] {
  let p: Params;
  try {
    p = JSON.parse(body.toString('utf8')) as Params;
  } catch {
    return ['*'];
  }
  const names = typeof p['Name'] === 'string' ? [p['Name']] : Array.isArray(p['Names']) ? p['Names'] : typeof p['ResourceId'] === 'string' ? [p['ResourceId']] : [];
  const out = names.filter((n): n is string => typeof n === 'string').map((n) => parameterArn(scope, n.replace(/:[^:/]+$/, '')));
  if (typeof p['Path'] === 'string') out.push(parameterArn(scope, p['Path']));
  return out.length ? out : ['*'];
}
