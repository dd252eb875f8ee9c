/**
 * Who a request speaks for. Signatures are not verified yet (any credentials are accepted,
 * as LocalStack and SAM do); the region is read from the SigV4 credential scope
 * (`Credential=AKID/20240501/us-east-1/lambda/aws4_request`), and every request belongs to
 * the one account Nimbus serves today.
 */
import type http from 'node:http';
import type { Scope } from '../../core/model.js';

export const DEFAULT_ACCOUNT = '000000000000';
export const DEFAULT_REGION = 'us-east-1';
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const CREDENTIAL = /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\//;

export function scopeOf(req: http.IncomingMessage, query: URLSearchParams): Scope {
  const auth = req.headers.authorization;
  const m = (typeof auth === 'string' ? CREDENTIAL.exec(auth) : null) ?? CREDENTIAL.exec(`Credential=${query.get('X-Amz-Credential') ?? ''}`);
  const region = m && REGION.test(m[1]!) ? m[1]! : DEFAULT_REGION;
  return { accountId: DEFAULT_ACCOUNT, region };
}
