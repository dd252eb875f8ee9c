/**
 * AWS_IAM authorization of an API route, as API Gateway does it: the request must be SigV4-signed
 * for the service `execute-api` (header or presigned query), and the signer's identity policies
 * must allow `execute-api:Invoke` on the method's ARN. APIs have no resource policies in Nimbus,
 * so a signer of another account is refused. Refusals are API Gateway's 403s: a missing signature
 * `Missing Authentication Token`, a wrong one the signature error, a denied one
 * `User: <arn> is not authorized to perform: execute-api:Invoke on resource: <arn>`.
 */
import { NimbusError } from '../../core/errors.js';
import type { Principal } from '../../auth/principal.js';
import type { Authenticated } from '../http/authn.js';
import type { Reply, RequestContext } from '../http/context.js';
import type { Security } from '../http/server.js';

const EXCEPTION: Record<string, string> = {
  ERR_MISSING_AUTH_TOKEN: 'MissingAuthenticationTokenException',
  ERR_INCOMPLETE_SIGNATURE: 'IncompleteSignatureException',
  ERR_INVALID_SIGNATURE: 'InvalidSignatureException',
  ERR_UNRECOGNIZED_CLIENT: 'UnrecognizedClientException',
};

function refused(type: string, body: unknown): Reply {
  return { status: 403, headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type }, body: Buffer.from(JSON.stringify(body)) };
}

const denied = (who: string, arn: string): Reply => refused('AccessDeniedException', { Message: `User: ${who} is not authorized to perform: execute-api:Invoke on resource: ${arn}` });

/** The signer when allowed, else the reply that refuses the request. */
export async function iamRouteAuth(security: Security | undefined, ctx: RequestContext, apiAccount: string, arn: string): Promise<{ who: Principal } | { reply: Reply }> {
  if (!security) return { reply: refused('MissingAuthenticationTokenException', { message: 'Missing Authentication Token' }) };
  try {
    await security.authenticator.authenticate(ctx as RequestContext & Authenticated, ['execute-api'], { requireSignature: true });
  } catch (e) {
    if (!(e instanceof NimbusError)) throw e;
    if (e.code === 'ERR_MISSING_AUTH_TOKEN') return { reply: refused('MissingAuthenticationTokenException', { message: 'Missing Authentication Token' }) };
    return { reply: refused(EXCEPTION[e.code] ?? 'AccessDeniedException', { message: e.message }) };
  }
  const who = ctx.principal;
  if (!who) return { reply: refused('MissingAuthenticationTokenException', { message: 'Missing Authentication Token' }) };
  if (who.accountId !== apiAccount) return { reply: denied(who.arn, arn) };
  try {
    await security.authorizer.check(who, 'execute-api:Invoke', arn);
  } catch (e) {
    if (!(e instanceof NimbusError)) throw e;
    return { reply: denied(who.arn, arn) };
  }
  return { who };
}

/** The signer as payload 1.0 puts it in `requestContext.identity` and 2.0 in `requestContext.authorizer.iam`. */
export function signerFields(who: Principal): { v1: Record<string, string | null>; v2: Record<string, unknown> } {
  const key = who.accessKeyId ?? null;
  return {
    v1: { accessKey: key, accountId: who.accountId, caller: key, user: key, userArn: who.arn },
    v2: { iam: { accessKey: key, accountId: who.accountId, callerId: key, cognitoIdentity: null, principalOrgId: null, userArn: who.arn, userId: key } },
  };
}
