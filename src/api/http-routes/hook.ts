/**
 * Serving the route table (SAM `HttpApi`/`Api` events) on the main port, after Lambda's own
 * REST paths: the matched route's function gets a payload 2.0 or 1.0 event. Errors answer as
 * API Gateway does: HTTP APIs with 500 `{"message":"Internal Server Error"}`, REST APIs with
 * 502 `{"message": "Internal server error"}`. A path no route matches keeps Lambda's
 * UnknownOperationException 404 (API Gateway would say `{"message":"Not Found"}`).
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Clock } from '../../core/clock.js';
import type { RouteService } from './service.js';
import { eventV1 } from '../../httpapi/event-v1.js';
import { eventV2 } from '../../httpapi/event-v2.js';
import { requestInfo } from '../../httpapi/request.js';
import { responseV1, responseV2 } from '../../httpapi/response.js';
import type { RouteRecord } from '../../store/records.js';
import type { Handler, Reply } from '../http/context.js';
import type { RouteHook } from '../http/server.js';
import { invokeWithEvent, isNotFound, newTraceId, readHttpBody, type HttpInvokeDeps } from '../invoke/http-event.js';

export interface RouteHookDeps extends HttpInvokeDeps {
  routes: RouteService;
  clock: Clock;
  log: (line: string) => void;
}

const API_ID = 'nimbus';

function failure(format: '1.0' | '2.0'): Reply {
  return format === '1.0'
    ? { status: 502, headers: { 'Content-Type': 'application/json' }, body: Buffer.from('{"message": "Internal server error"}') }
    : { status: 500, headers: { 'Content-Type': 'application/json' }, body: Buffer.from('{"message":"Internal Server Error"}') };
}

export function apiRouteHook(deps: RouteHookDeps): RouteHook {
  return (req: http.IncomingMessage, path: string) => {
    const m = deps.routes.match(req.method ?? 'GET', path);
    if (!m) return undefined;
    return { handler: serve(deps, m.value, m.routeKey, m.pathParameters, path), params: {} };
  };
}

function serve(deps: RouteHookDeps, route: RouteRecord, routeKey: string, pathParameters: Record<string, string> | undefined, rawPath: string): Handler {
  return async (ctx) => {
    const body = await readHttpBody(ctx);
    const now = deps.clock.now();
    const rawUrl = ctx.req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const info = requestInfo(ctx.req, rawPath, q < 0 ? '' : rawUrl.slice(q + 1), body, now);
    const requestId = randomUUID();
    const host = ctx.req.headers.host ?? 'localhost';
    const traceId = newTraceId(now);
    const event =
      route.payloadFormatVersion === '1.0'
        ? eventV1(info, { accountId: route.accountId, apiId: API_ID, domainName: host, requestId, resource: route.path, stage: 'Prod', pathParameters })
        : eventV2(info, {
            accountId: route.accountId,
            apiId: API_ID,
            domainName: host,
            domainPrefix: host.split('.')[0] ?? host,
            requestId,
            routeKey,
            stage: '$default',
            pathParameters,
            extraHeaders: { 'x-amzn-trace-id': traceId, 'x-forwarded-for': info.sourceIp, 'x-forwarded-proto': 'http' },
          });
    let result;
    try {
      result = await invokeWithEvent(deps, route, route.functionName, route.qualifier, event, traceId);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      deps.log(`route ${routeKey} (stack ${route.stack}): ${(e as Error).message}`);
      return failure(route.payloadFormatVersion);
    }
    if (result.functionError) return failure(route.payloadFormatVersion);
    const mapped = route.payloadFormatVersion === '1.0' ? responseV1(result.payload) : responseV2(result.payload);
    if (!mapped) return failure(route.payloadFormatVersion);
    return { status: mapped.status, headers: { ...mapped.headers, 'x-amzn-RequestId': result.requestId }, body: mapped.body };
  };
}
