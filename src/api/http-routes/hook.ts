/**
 * Serving a stack's APIs apart from the Lambda API, as API Gateway serves them on
 * `<api-id>.execute-api.<region>.amazonaws.com`: requests whose Host is
 * `<api-id>.execute-api.<region>.<anything>`, or whose path is `/nimbus/v1/apis/<api-id>/...` for
 * clients that cannot choose a Host. Nothing on Nimbus's own host reaches a route, so a catch-all
 * route can never swallow a Lambda API call. Like function URLs, API hosts are user-facing: the
 * browser guard does not apply, and CORS comes from the API's own configuration.
 *
 * A REST API's URL path starts with its stage (`/Prod/hello`); an HTTP API's `$default` stage has
 * no prefix, a named one has. Answers without a function are API Gateway's: an unknown API 404
 * `Not Found`; on a REST API an unknown stage 403 `Forbidden` and an unmatched path 403
 * `Missing Authentication Token`; on an HTTP API an unmatched route 404 `Not Found`. A function
 * error answers REST 502 `Internal server error`, HTTP 500 `Internal Server Error`.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Clock } from '../../core/clock.js';
import { isPreflight, preflightHeaders, responseCorsHeaders, withoutCorsHeaders } from '../../httpapi/cors.js';
import { eventV1, type EventV1Context } from '../../httpapi/event-v1.js';
import { eventV2, type EventV2Context } from '../../httpapi/event-v2.js';
import { headerLists, queryLists, requestInfo } from '../../httpapi/request.js';
import { validateRequest } from '../../httpapi/validation.js';
import { responseV1, responseV2 } from '../../httpapi/response.js';
import type { ApiRecord } from '../../store/records.js';
import type { Handler, Reply } from '../http/context.js';
import type { RouteHook, Security } from '../http/server.js';
import { invokeWithEvent, isNotFound, newTraceId, readHttpBody, type HttpInvokeDeps } from '../invoke/http-event.js';
import { methodArn } from '../../httpapi/authorizer.js';
import { RouteAuthorizers } from './authorize.js';
import { iamRouteAuth, signerFields } from './iam-auth.js';
import type { RouteService } from './service.js';
import { serveIntegration, type IntegrationDeps } from './integrations.js';
import { serveMapped } from './aws-integration.js';

/** Header names as sent with their last value (a mapping template's `$input.params().header`). */
function headerPairs(raw: readonly string[]): [string, string][] {
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) out.set(raw[i]!, raw[i + 1]!);
  return [...out];
}
import { mapParameters } from '../../httpapi/parameter-mapping.js';

/** The route authorizer name that means SigV4 and IAM policies (SAM's `AWS_IAM`). */
const IAM = 'AWS_IAM';
const HOST = /^([a-z0-9]{10})\.execute-api\.([a-z0-9-]+)\./i;
const PATH_FORM = /^\/nimbus\/v1\/apis\/([a-z0-9]{10})(\/.*)?$/;

export interface RouteHookDeps extends HttpInvokeDeps, IntegrationDeps {
  routes: RouteService;
  clock: Clock;
  /** Checks AWS_IAM routes' signatures and policies; absent: such routes refuse every request. */
  security?: Security | undefined;
  log: (line: string) => void;
}

function message(status: number, type: string, text: string): Reply {
  return { status, headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type }, body: Buffer.from(JSON.stringify({ message: text })) };
}

const notFound = (): Reply => message(404, 'NotFoundException', 'Not Found');

function failure(api: ApiRecord, extra: Record<string, string> = {}): Reply {
  const r =
    api.type === 'REST'
      ? { status: 502, body: Buffer.from('{"message": "Internal server error"}') }
      : { status: 500, body: Buffer.from('{"message":"Internal Server Error"}') };
  return { ...r, headers: { 'Content-Type': 'application/json', ...extra } };
}

export function apiRouteHook(deps: RouteHookDeps): RouteHook {
  const authorizers = new RouteAuthorizers(deps);
  return (req: http.IncomingMessage, path: string) => {
    const host = HOST.exec(req.headers.host ?? '');
    if (host) return { handler: serve(deps, authorizers, host[1]!.toLowerCase(), host[2]!.toLowerCase(), path), params: {} };
    const p = PATH_FORM.exec(path);
    if (p) return { handler: serve(deps, authorizers, p[1]!, undefined, p[2] ?? '/'), params: {} };
    return undefined;
  };
}

/** The request path without the API's stage, or undefined when it is not under the stage. */
function underStage(api: ApiRecord, path: string): string | undefined {
  if (api.stage === '') return path;
  const prefix = `/${api.stage}`;
  if (path === prefix) return '/';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : undefined;
}

function serve(deps: RouteHookDeps, authorizers: RouteAuthorizers, apiId: string, region: string | undefined, fullPath: string): Handler {
  return async (ctx) => {
    const api = await deps.routes.api(apiId);
    if (!api || (region !== undefined && region !== api.region)) return notFound();
    const routePath = underStage(api, fullPath);
    if (routePath === undefined) return api.type === 'REST' ? message(403, 'ForbiddenException', 'Forbidden') : notFound();
    const lists = headerLists(ctx.req.rawHeaders);
    const origin = lists.get('origin')?.[0];
    if (api.cors && isPreflight(ctx.method, lists)) {
      return { status: api.type === 'HTTP' ? 204 : 200, headers: preflightHeaders(api.cors, origin), body: Buffer.alloc(0) };
    }
    const m = await deps.routes.match(apiId, ctx.method, routePath);
    if (!m) return api.type === 'REST' ? message(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token') : notFound();
    const route = m.value;
    const stage = api.stage === '' ? '$default' : api.stage;
    let signer: ReturnType<typeof signerFields> | undefined;
    if (route.authorizer === IAM) {
      const iam = await iamRouteAuth(deps.security, ctx, api.accountId, methodArn(api.region, api.accountId, api.apiId, stage, ctx.method, routePath));
      if ('reply' in iam) return iam.reply;
      signer = signerFields(iam.who);
    }
    const body = await readHttpBody(ctx);
    const now = deps.clock.now();
    const rawUrl = ctx.req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const query = q < 0 ? '' : rawUrl.slice(q + 1);
    const requestId = randomUUID();
    const domainName = `${api.apiId}.execute-api.${api.region}.localhost`;
    const traceId = newTraceId(now);
    const info = requestInfo(ctx.req, routePath, query, body, now);
    const v1: EventV1Context = {
      accountId: route.accountId,
      apiId: api.apiId,
      domainName,
      requestId,
      resource: route.path,
      stage,
      pathParameters: m.pathParameters,
      requestPath: fullPath,
      ...(signer ? { identity: signer.v1 } : {}),
    };
    const v2: EventV2Context = {
      accountId: route.accountId,
      apiId: api.apiId,
      domainName,
      domainPrefix: api.apiId,
      requestId,
      routeKey: m.routeKey,
      stage,
      pathParameters: m.pathParameters,
      ...(signer ? { authorizer: signer.v2 } : {}),
      extraHeaders: {
        'x-amzn-trace-id': traceId,
        'x-forwarded-for': info.sourceIp,
        'x-forwarded-port': String(ctx.req.socket.localPort ?? ''),
        'x-forwarded-proto': 'http',
      },
    };
    if (route.authorizer !== '' && route.authorizer !== IAM) {
      const a = await authorizers.authorize({ api, route, request: info, fullPath, routePath, v1, v2, traceId, now });
      if (!a.ok) {
        if (a.reply.status >= 500) deps.log(`API ${api.apiId} route ${m.routeKey} (stack ${route.stack}): ${a.why}`);
        return a.reply;
      }
      v1.authorizer = a.authorizer;
      v2.authorizer = a.authorizer;
    }
    if (route.validation) {
      const bad = validateRequest(route.validation, { headers: lists, query: queryLists(query), pathParameters: m.pathParameters, body });
      if (bad !== undefined) return { status: 400, headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'BadRequestException' }, body: Buffer.from(`{"message": ${JSON.stringify(bad)}}`) };
    }
    if (route.mapping) {
      const vars = {
        path: m.pathParameters ?? {},
        querystring: Object.fromEntries([...queryLists(query)].map(([k, v]) => [k, v[v.length - 1]!])),
        header: Object.fromEntries(headerPairs(ctx.req.rawHeaders)),
        context: { requestId, apiId: api.apiId, stage, resourcePath: route.path, httpMethod: ctx.method, accountId: api.accountId, path: fullPath, protocol: info.protocol, domainName, requestTimeEpoch: now, identity: { sourceIp: info.sourceIp }, ...(v1.authorizer ? { authorizer: v1.authorizer } : {}) },
        stageVariables: {},
      };
      return await serveMapped(deps, api, route, route.mapping, { contentType: lists.get('content-type')?.[0], body, vars, traceId });
    }
    if (route.integration) {
      const values = mapParameters(route.integration.parameters, {
        request: info,
        pathParameters: m.pathParameters,
        context: { requestId, apiId: api.apiId, stage, routeKey: m.routeKey, httpMethod: ctx.method, path: fullPath, accountId: api.accountId, domainName, domainPrefix: api.apiId, 'identity.sourceIp': info.sourceIp, requestTimeEpoch: String(now) },
      });
      const cors = api.cors ? responseCorsHeaders(api.cors, origin) : undefined;
      const r = await serveIntegration(deps, api, route.integration, values, ctx.baseUrl);
      return { ...r, headers: { ...r.headers, ...cors, 'apigw-requestid': requestId } };
    }
    // Payload 1.0's `path` is the resource path (no stage); 2.0's rawPath keeps a named stage, as API Gateway sends them.
    const event = route.payloadFormatVersion === '1.0' ? eventV1(info, v1) : eventV2({ ...info, rawPath: fullPath }, v2);
    // An HTTP API with CORS configured sends its own CORS headers and drops the function's.
    const cors = api.type === 'HTTP' && api.cors ? responseCorsHeaders(api.cors, origin) : undefined;
    let result;
    try {
      result = await invokeWithEvent(deps, route, route.functionName, route.qualifier, event, traceId);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      deps.log(`API ${api.apiId} route ${m.routeKey} (stack ${route.stack}): ${(e as Error).message}`);
      return failure(api, cors);
    }
    if (result.functionError) return failure(api, { ...cors, 'x-amzn-RequestId': result.requestId });
    const mapped = route.payloadFormatVersion === '1.0' ? responseV1(result.payload) : responseV2(result.payload);
    if (!mapped) return failure(api, { ...cors, 'x-amzn-RequestId': result.requestId });
    const headers = cors ? { ...withoutCorsHeaders(mapped.headers), ...cors } : mapped.headers;
    return { status: mapped.status, headers: { ...headers, 'x-amzn-RequestId': result.requestId }, body: mapped.body };
  };
}
