/**
 * Running a route's Lambda authorizer before its function, with API Gateway's answers: 401
 * Unauthorized for a missing identity (the function is not called) or a REST authorizer failing
 * with `Unauthorized`; 403 for a denial; 500 for a failing or malformed authorizer. An allowed
 * request continues with `requestContext.authorizer` set from the authorizer's answer.
 *
 * Results are kept per API, authorizer and identity for the authorizer's TTL, as API Gateway's
 * authorizer cache: the kept answer (its policy) is evaluated again for each request's method ARN,
 * so a policy naming one method does not open the others. Bounded in entries.
 */
import type { ApiRecord, RouteRecord } from '../../store/records.js';
import type { AuthorizerConfig } from '../../core/model.js';
import { authorizerContext, authorizerEvent, methodArn, readAnswer, readIdentity, tokenValid, type AuthorizerAnswer } from '../../httpapi/authorizer.js';
import type { EventV1Context } from '../../httpapi/event-v1.js';
import type { EventV2Context } from '../../httpapi/event-v2.js';
import type { HttpRequestInfo } from '../../httpapi/request.js';
import { evaluate, type PolicyDocument } from '../../auth/iam-policy.js';
import type { Reply } from '../http/context.js';
import { invokeWithEvent, type HttpInvokeDeps } from '../invoke/http-event.js';

/** Most results kept at once; the oldest go first. */
const CACHE_ENTRIES = 10_000;

export interface AuthorizeInput {
  api: ApiRecord;
  route: RouteRecord;
  /** The request, its rawPath the route's path (no stage). */
  request: HttpRequestInfo;
  /** The path as sent, a named stage included. */
  fullPath: string;
  /** The route's path as matched (no stage), for the method ARN. */
  routePath: string;
  v1: EventV1Context;
  v2: EventV2Context;
  traceId: string;
  /** Epoch ms now. */
  now: number;
}

export type AuthorizeResult = { ok: true; authorizer: Record<string, unknown> } | { ok: false; reply: Reply; why: string };

function reply(status: number, type: string, body: string): Reply {
  return { status, headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type }, body: Buffer.from(body) };
}

/** API Gateway's gateway responses for authorizers, REST and HTTP alike where they agree. */
const unauthorized = (): Reply => reply(401, 'UnauthorizedException', '{"message":"Unauthorized"}');
function forbidden(rest: boolean, explicit: boolean): Reply {
  if (!rest) return reply(403, 'ForbiddenException', '{"message":"Forbidden"}');
  const text = explicit ? 'User is not authorized to access this resource with an explicit deny' : 'User is not authorized to access this resource';
  return reply(403, 'AccessDeniedException', JSON.stringify({ message: text }));
}
const failed = (rest: boolean): Reply =>
  rest ? reply(500, 'AuthorizerConfigurationException', '{"message": null}') : reply(500, 'InternalServerErrorException', '{"message":"Internal Server Error"}');

export class RouteAuthorizers {
  private readonly cache = new Map<string, { until: number; answer: AuthorizerAnswer }>();

  constructor(private readonly deps: HttpInvokeDeps) {}

  /** Forgets every kept result (the route table changed). */
  clear(): void {
    this.cache.clear();
  }

  async authorize(i: AuthorizeInput): Promise<AuthorizeResult> {
    const cfg = i.api.authorizers?.[i.route.authorizer];
    const rest = i.api.type === 'REST';
    if (!cfg) return { ok: false, reply: failed(rest), why: `authorizer ${i.route.authorizer} is not defined on the API` };
    const stage = i.api.stage === '' ? '$default' : i.api.stage;
    const context = { requestId: i.v2.requestId, httpMethod: i.request.method, path: i.request.rawPath, stage, apiId: i.api.apiId, sourceIp: i.request.sourceIp };
    const identity = readIdentity(cfg, i.request, context);
    if (!identity.ok) return { ok: false, reply: unauthorized(), why: 'the identity source is missing' };
    if (cfg.payloadType === 'TOKEN' && !tokenValid(cfg, identity.values[0]!)) return { ok: false, reply: unauthorized(), why: 'the token does not match the validation expression' };
    const arn = methodArn(i.api.region, i.api.accountId, i.api.apiId, stage, i.request.method, i.routePath);
    const key = `${i.api.apiId}\0${i.route.authorizer}\0${cfg.functionName}\0${identity.values.join('\0')}`;
    let answer = cfg.ttlSeconds > 0 && cfg.identitySource.length > 0 ? this.kept(key, i.now) : undefined;
    const started = Date.now();
    if (!answer) {
      const got = await this.call(cfg, rest, i, identity.values, arn);
      if ('reply' in got) return { ok: false, ...got };
      answer = got.answer;
      if (cfg.ttlSeconds > 0 && cfg.identitySource.length > 0) this.keep(key, { until: i.now + cfg.ttlSeconds * 1000, answer });
    }
    const decision = decide(answer, arn);
    if (decision !== 'allow') return { ok: false, reply: forbidden(rest, decision === 'deny'), why: decision === 'deny' ? 'the authorizer denied the request' : 'the authorizer did not allow this method' };
    return { ok: true, authorizer: authorizerContext(answer, i.route.payloadFormatVersion, Date.now() - started) };
  }

  private async call(cfg: AuthorizerConfig, rest: boolean, i: AuthorizeInput, identity: string[], arn: string): Promise<{ answer: AuthorizerAnswer } | { reply: Reply; why: string }> {
    const [name, qualifier = ''] = cfg.functionName.split(':');
    // Payload 2.0's rawPath keeps a named stage, 1.0's path does not: as the route's own events.
    const request = cfg.payloadFormatVersion === '2.0' ? { ...i.request, rawPath: i.fullPath } : i.request;
    const event = authorizerEvent(cfg, rest, request, identity, arn, i.v1, i.v2);
    let result;
    try {
      result = await invokeWithEvent(this.deps, i.route, name!, qualifier, event, i.traceId);
    } catch (e) {
      return { reply: failed(rest), why: `the authorizer ${cfg.functionName} could not be invoked: ${(e as Error).message}` };
    }
    if (result.functionError) {
      // `callback('Unauthorized')` / `throw new Error('Unauthorized')`: API Gateway's 401.
      if (errorMessage(result.payload) === 'Unauthorized') return { reply: unauthorized(), why: 'the authorizer answered Unauthorized' };
      return { reply: failed(rest), why: `the authorizer ${cfg.functionName} failed` };
    }
    const answer = readAnswer(cfg, rest, result.payload);
    if (typeof answer === 'string') return { reply: failed(rest), why: answer };
    return { answer };
  }

  private kept(key: string, now: number): AuthorizerAnswer | undefined {
    const e = this.cache.get(key);
    if (!e) return undefined;
    if (e.until > now) return e.answer;
    this.cache.delete(key);
    return undefined;
  }

  private keep(key: string, e: { until: number; answer: AuthorizerAnswer }): void {
    if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, e);
  }
}

/** A simple response decides itself; a policy must allow execute-api:Invoke on the method's ARN. */
function decide(a: AuthorizerAnswer, arn: string): 'allow' | 'deny' | 'none' {
  if (a.isAuthorized !== undefined) return a.isAuthorized ? 'allow' : 'deny';
  const doc = a.policyDocument as unknown as PolicyDocument;
  if (!doc || doc.Statement === undefined) return 'none';
  return evaluate([doc], { action: 'execute-api:Invoke', resource: arn });
}

function errorMessage(payload: Buffer): string | undefined {
  try {
    const v = JSON.parse(payload.toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null && typeof (v as { errorMessage?: unknown }).errorMessage === 'string' ? (v as { errorMessage: string }).errorMessage : undefined;
  } catch {
    return undefined;
  }
}
