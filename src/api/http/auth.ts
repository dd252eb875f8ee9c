/**
 * The scope a request starts with before authentication (authn.ts) replaces it: the default
 * account, and the region named in the SigV4 credential scope
 * (`Credential=AKID/20240501/us-east-1/lambda/aws4_request`). Only a server built without
 * authentication (unit tests of the gateway) keeps it.
 */
import type http from 'node:http';
import type { Scope } from '../../core/model.js';

import { DEFAULT_ACCOUNT } from '../../auth/principal.js';

export { DEFAULT_ACCOUNT };
export const DEFAULT_REGION = 'us-east-1';
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const CREDENTIAL = /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\//;

export function scopeOf(req: http.IncomingMessage, query: URLSearchParams): Scope {
  const auth = req.headers.authorization;
  const m = (typeof auth === 'string' ? CREDENTIAL.exec(auth) : null) ?? CREDENTIAL.exec(`Credential=${query.get('X-Amz-Credential') ?? ''}`);
  const region = m && REGION.test(m[1]!) ? m[1]! : DEFAULT_REGION;
  return { accountId: DEFAULT_ACCOUNT, region };
}
