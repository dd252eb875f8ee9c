/**
 * Lambda authorizers of API routes, as API Gateway runs them before a route's function: what the
 * authorizer function receives (a TOKEN event, or a REQUEST event in payload format 1.0 or 2.0),
 * where the identity comes from, and how its answer is read. Pure: the API room invokes the
 * function, evaluates a returned IAM policy and keeps the result cache (api/http-routes/authorize.ts).
 *
 * API Gateway's behaviour (Developer Guide, "Use API Gateway Lambda authorizers" for REST APIs and
 * "Control access to HTTP APIs with AWS Lambda authorizers"):
 * - a missing or empty identity source (or a TOKEN that fails the validation expression) is refused
 *   with 401 Unauthorized without calling the function;
 * - REST and HTTP payload 1.0 authorizers return `{principalId, policyDocument, context}`; the policy
 *   must allow `execute-api:Invoke` on the method's ARN, else 403;
 * - HTTP payload 2.0 authorizers with simple responses return `{isAuthorized, context}`;
 * - a REST authorizer failing with the message `Unauthorized` means 401; any other failure, or an
 *   answer that is not one of the above, is a 500.
 */
import type { AuthorizerConfig } from '../core/model.js';
import type { EventV1Context } from './event-v1.js';
import { eventV1 } from './event-v1.js';
import { eventV2, type EventV2Context } from './event-v2.js';
import { headerLists, queryLists, type HttpRequestInfo } from './request.js';

export type IdentityRead = { ok: true; values: string[] } | { ok: false };

/**
 * The identity source values of a request, in the configured order, or `{ok: false}` when one is
 * missing or empty (API Gateway's 401). `context` answers `$context.*` names.
 */
export function readIdentity(cfg: AuthorizerConfig, r: HttpRequestInfo, context: Readonly<Record<string, string>>): IdentityRead {
  const headers = headerLists(r.rawHeaders);
  const query = queryLists(r.rawQuery);
  const values: string[] = [];
  for (const source of cfg.identitySource) {
    let v: string | undefined;
    if (source.startsWith('$request.header.')) v = headers.get(source.slice('$request.header.'.length).toLowerCase())?.join(',');
    else if (source.startsWith('$request.querystring.')) v = query.get(source.slice('$request.querystring.'.length))?.join(',');
    else if (source.startsWith('$context.')) v = context[source.slice('$context.'.length)];
    // `$stageVariables.*`: Nimbus's stages have no variables, so such a source is always missing.
    if (v === undefined || v === '') return { ok: false };
    values.push(v);
  }
  return { ok: true, values };
}

/** A TOKEN authorizer's validation expression, checked against the whole token. */
export function tokenValid(cfg: AuthorizerConfig, token: string): boolean {
  if (!cfg.validationExpression) return true;
  try {
    return new RegExp(`^(?:${cfg.validationExpression})$`).test(token);
  } catch {
    return false;
  }
}

/** `arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path without its leading slash>`. */
export function methodArn(region: string, accountId: string, apiId: string, stage: string, method: string, path: string): string {
  return `arn:aws:execute-api:${region}:${accountId}:${apiId}/${stage}/${method}/${path.replace(/^\//, '')}`;
}

/** What the authorizer function is called with. */
export function authorizerEvent(
  cfg: AuthorizerConfig,
  rest: boolean,
  r: HttpRequestInfo,
  identity: readonly string[],
  arn: string,
  v1: EventV1Context,
  v2: EventV2Context,
): Record<string, unknown> {
  if (cfg.payloadType === 'TOKEN') return { type: 'TOKEN', authorizationToken: identity[0] ?? '', methodArn: arn };
  const noBody = { ...r, body: Buffer.alloc(0) };
  if (cfg.payloadFormatVersion === '2.0') {
    const e = eventV2(noBody, v2);
    delete e['isBase64Encoded'];
    return {
      version: '2.0',
      type: 'REQUEST',
      routeArn: arn,
      identitySource: [...identity],
      ...e,
      stageVariables: {},
    };
  }
  const e = eventV1(noBody, v1);
  delete e['body'];
  delete e['isBase64Encoded'];
  delete e['version'];
  const joined = identity.join(',');
  // REST REQUEST authorizers get no version; HTTP APIs' 1.0 format names itself and repeats the identity.
  return rest ? { type: 'REQUEST', methodArn: arn, ...e, stageVariables: {} } : { version: '1.0', type: 'REQUEST', methodArn: arn, identitySource: joined, authorizationToken: joined, ...e, stageVariables: {} };
}

/** A well-formed answer of an authorizer function. */
export interface AuthorizerAnswer {
  /** Simple responses: the decision itself. */
  isAuthorized?: boolean | undefined;
  /** Policy responses: the IAM policy to evaluate against the method ARN. */
  policyDocument?: Record<string, unknown> | undefined;
  principalId?: string | undefined;
  /** What the route's function sees in `requestContext.authorizer`. */
  context: Record<string, unknown>;
}

/**
 * Reads the function's answer; a string says what is wrong with it (API Gateway's 500,
 * AuthorizerConfigurationException). REST APIs allow only string, number and boolean context
 * values; HTTP APIs pass JSON through.
 */
export function readAnswer(cfg: AuthorizerConfig, rest: boolean, payload: Buffer): AuthorizerAnswer | string {
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch {
    return 'the authorizer did not answer JSON';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'the authorizer answered something other than an object';
  const o = v as Record<string, unknown>;
  const ctx = o['context'];
  if (ctx !== undefined && ctx !== null && (typeof ctx !== 'object' || Array.isArray(ctx))) return 'the authorizer context is not an object';
  const context = (ctx ?? {}) as Record<string, unknown>;
  if (rest) {
    for (const [k, x] of Object.entries(context)) {
      if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') return `the authorizer context value ${k} is not a string, number or boolean`;
    }
  }
  if (cfg.simpleResponses) {
    if (typeof o['isAuthorized'] !== 'boolean') return 'a simple response needs isAuthorized (boolean)';
    return { isAuthorized: o['isAuthorized'], context };
  }
  const doc = o['policyDocument'];
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'the authorizer answered no policyDocument';
  const principalId = o['principalId'];
  if (principalId !== undefined && typeof principalId !== 'string') return 'principalId must be a string';
  if (rest && principalId === undefined) return 'the authorizer answered no principalId';
  return { policyDocument: doc as Record<string, unknown>, principalId, context };
}

/** `requestContext.authorizer` of the route's event. */
export function authorizerContext(a: AuthorizerAnswer, format: '1.0' | '2.0', latencyMs: number): Record<string, unknown> {
  if (format === '2.0') return { lambda: a.context };
  return { ...a.context, ...(a.principalId !== undefined ? { principalId: a.principalId } : {}), integrationLatency: latencyMs };
}
