/**
 * How APIs look on the wire (`GET /nimbus/v1/apis`, stack descriptions, deploy output): each with
 * its two base URLs, the API host (`http://<id>.execute-api.<region>.localhost:<port>/<stage>`,
 * AWS's shape with a local host) and the path form for clients that cannot set a Host
 * (`<nimbus>/nimbus/v1/apis/<id>/<stage>`), and its routes.
 */
import type { ApiRecord, RouteRecord } from '../../store/records.js';
import type { AuthorizerConfig } from '../../core/model.js';
import type { RequestContext } from '../http/context.js';

/** Where Nimbus was reached: its base URL and port, as the client addressed it. */
export interface Origin {
  baseUrl: string;
  port: number;
}

export function originOf(ctx: RequestContext): Origin {
  return { baseUrl: ctx.baseUrl, port: ctx.req.socket.localPort ?? 0 };
}

export function apiUrls(api: ApiRecord, o: Origin): { Url: string; PathUrl: string } {
  const stage = api.stage === '' ? '' : `/${api.stage}`;
  return {
    Url: `http://${api.apiId}.execute-api.${api.region}.localhost:${o.port}${stage || '/'}`,
    PathUrl: `${o.baseUrl}/nimbus/v1/apis/${api.apiId}${stage || '/'}`,
  };
}

export function routeShape(r: RouteRecord): Record<string, unknown> {
  return {
    RouteKey: r.path === '$default' ? '$default' : `${r.method} ${r.path}`,
    Method: r.method,
    Path: r.path,
    ...(r.integration ? { Integration: { Subtype: r.integration.subtype, RequestParameters: r.integration.parameters } } : { FunctionName: r.functionName }),
    ...(r.qualifier ? { Qualifier: r.qualifier } : {}),
    PayloadFormatVersion: r.payloadFormatVersion,
    ...(r.authorizer ? { Authorizer: r.authorizer } : {}),
    ...(r.validation ? { Validation: { RequiredParameters: r.validation.requiredParameters, ...(r.validation.bodySchemas ? { BodySchemas: r.validation.bodySchemas } : {}) } } : {}),
  };
}

export function apiShape(api: ApiRecord, routes: readonly RouteRecord[], o: Origin): Record<string, unknown> {
  return {
    ApiId: api.apiId,
    Stack: api.stack,
    LogicalId: api.logicalId,
    Type: api.type,
    Stage: api.stage === '' ? '$default' : api.stage,
    ...apiUrls(api, o),
    ...(api.cors ? { Cors: api.cors } : {}),
    ...(api.authorizers ? { Authorizers: authorizersShape(api.authorizers) } : {}),
    Routes: routes.filter((r) => r.apiId === api.apiId).map(routeShape),
  };
}

/** The stack API's own names for an API's authorizers (what `Apis[].Authorizers` takes). */
function authorizersShape(all: Record<string, AuthorizerConfig>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(all)) {
    out[name] = {
      FunctionName: a.functionName,
      PayloadType: a.payloadType,
      PayloadFormatVersion: a.payloadFormatVersion,
      EnableSimpleResponses: a.simpleResponses,
      IdentitySource: a.identitySource,
      ...(a.validationExpression !== undefined ? { ValidationExpression: a.validationExpression } : {}),
      ResultTtlInSeconds: a.ttlSeconds,
    };
  }
  return out;
}
