/**
 * A stack's APIs and their routes (SAM `HttpApi`/`Api` events): checked, stored per stack in one
 * transaction, and kept compiled in memory per API id for serving on the API's own host. The
 * stack service (api/stacks) is the only writer; `GET /nimbus/v1/apis` reads.
 */
import { NimbusError, validationError } from '../../core/errors.js';
import type { AuthorizerConfig, CorsConfig, Scope } from '../../core/model.js';
import { parseFunctionName } from '../../core/names.js';
import { checkRoutePath, compileRoute, matchRoute, type CompiledRoute, type RouteMatch } from '../../httpapi/route-match.js';
import type { ApiRecord, RouteMapping, RouteRecord, ServiceIntegration } from '../../store/records.js';
import { SUBTYPES } from './integrations.js';
import { compileModel } from '../../httpapi/validation.js';
import type { Store } from '../../store/types.js';
import { isObject } from '../http/validate.js';

const METHODS = new Set(['ANY', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
export const API_ID = /^[a-z0-9]{10}$/;
/** API Gateway stage names: letters, digits, hyphens and underscores, at most 128. */
const STAGE = /^[A-Za-z0-9_-]{1,128}$/;
const LOGICAL_ID = /^[A-Za-z0-9]{1,255}$/;
const MAX_ROUTES = 1000;

/** One API of a stack as the stack document gives it. */
export interface ParsedApis {
  apis: ApiRecord[];
  routes: RouteRecord[];
}

interface ServedApi {
  api: ApiRecord;
  routes: CompiledRoute<RouteRecord>[];
}

export class RouteService {
  private byId: Map<string, ServedApi> | undefined;

  constructor(private readonly store: Store) {}

  /**
   * Checks a stack's `Apis` list: `[{LogicalId, ApiId, Type: REST|HTTP, StageName?, Cors?,
   * Authorizers?: {<name>: {...}}, Routes: [{Method, Path, FunctionName, Qualifier?,
   * PayloadFormatVersion?, Authorizer?}]}]`. A route given twice on one API is an error (each API
   * has its own host, so two APIs never share a route); a route's Authorizer must be one of its API's.
   */
  parse(scope: Scope, stack: string, list: unknown): ParsedApis {
    if (!Array.isArray(list)) throw validationError(list ?? null, 'apis', 'Member must be a list');
    const apis: ApiRecord[] = [];
    const routes: RouteRecord[] = [];
    const ids = new Set<string>();
    list.forEach((a, i) => {
      const where = `apis.${i}`;
      if (!isObject(a)) throw validationError(a, where, 'Member must be a structure');
      const logicalId = a['LogicalId'];
      if (typeof logicalId !== 'string' || !LOGICAL_ID.test(logicalId)) throw validationError(logicalId ?? null, `${where}.logicalId`, 'Member must be alphanumeric');
      const apiId = a['ApiId'];
      if (typeof apiId !== 'string' || !API_ID.test(apiId)) throw validationError(apiId ?? null, `${where}.apiId`, 'Member must satisfy regular expression pattern: [a-z0-9]{10}');
      if (ids.has(apiId) || ids.has(logicalId)) throw new NimbusError('ERR_CONFLICT', `API ${logicalId} (${apiId}) is given twice in stack ${stack}.`);
      ids.add(apiId).add(logicalId);
      const type = a['Type'];
      if (type !== 'REST' && type !== 'HTTP') throw validationError(type ?? null, `${where}.type`, 'Member must satisfy enum value set: [REST, HTTP]');
      const stage = checkStage(a['StageName'], type, `${where}.stageName`);
      const cors = a['Cors'] === undefined || a['Cors'] === null ? undefined : checkApiCors(a['Cors'], `${where}.cors`);
      const authorizers = a['Authorizers'] === undefined || a['Authorizers'] === null ? undefined : checkAuthorizers(a['Authorizers'], type, `${where}.authorizers`);
      apis.push({ ...scope, apiId, stack, logicalId, type, stage, cors, authorizers });
      const mine = parseRoutes(scope, stack, apiId, { logicalId, type }, a['Routes'], `${where}.routes`);
      for (const [i, r] of mine.entries()) {
        if (r.authorizer !== '' && r.authorizer !== 'AWS_IAM' && !authorizers?.[r.authorizer]) {
          throw validationError(r.authorizer, `${where}.routes.${i}.authorizer`, `Member must be AWS_IAM or name one of API ${logicalId}'s Authorizers`);
        }
      }
      routes.push(...mine);
    });
    if (routes.length > MAX_ROUTES) throw validationError(routes.length, 'routes', `Member must have length less than or equal to ${MAX_ROUTES}`);
    return { apis, routes };
  }

  /** Replaces a stack's APIs and routes (an empty list removes them). */
  async replaceStack(scope: Scope, stack: string, parsed: ParsedApis): Promise<void> {
    await this.store.routes.replaceStack(scope, stack, parsed.routes, parsed.apis);
    this.byId = undefined;
  }

  /** Drops the served route table: another node changed it (read again at the next request). */
  forget(): void {
    this.byId = undefined;
  }

  /** A stack's APIs and routes as stored (what a rollback puts back). */
  async ofStack(scope: Scope, stack: string): Promise<ParsedApis> {
    const mine = (r: { accountId: string; region: string; stack: string }): boolean => r.accountId === scope.accountId && r.region === scope.region && r.stack === stack;
    return { apis: (await this.store.routes.apis()).filter(mine), routes: (await this.store.routes.all()).filter(mine) };
  }

  /** Every API of every scope. */
  apis(): Promise<ApiRecord[]> {
    return this.store.routes.apis();
  }

  /** The API with this id, if any stack has it. */
  async api(apiId: string): Promise<ApiRecord | undefined> {
    return (await this.served()).get(apiId)?.api;
  }

  /** The route of `apiId` a request matches (`path` without the stage). */
  async match(apiId: string, method: string, path: string): Promise<RouteMatch<RouteRecord> | undefined> {
    const s = (await this.served()).get(apiId);
    return s && matchRoute(s.routes, method, path);
  }

  private async served(): Promise<Map<string, ServedApi>> {
    if (this.byId) return this.byId;
    const byId = new Map<string, ServedApi>();
    for (const api of await this.store.routes.apis()) byId.set(api.apiId, { api, routes: [] });
    for (const r of await this.store.routes.all()) byId.get(r.apiId)?.routes.push(compileRoute(r.method, r.path, r));
    return (this.byId = byId);
  }
}

/** REST APIs always have a stage in the path; an HTTP API's `$default` stage (or none) has none. */
function checkStage(v: unknown, type: 'REST' | 'HTTP', member: string): string {
  if ((v === undefined || v === null || v === '$default') && type === 'HTTP') return '';
  if (typeof v !== 'string' || !STAGE.test(v)) {
    throw validationError(v ?? null, member, `Member must satisfy regular expression pattern: ${STAGE.source.slice(1, -1)}${type === 'HTTP' ? ' or be $default' : ''}`);
  }
  return v;
}

/** `{Subtype, RequestParameters}`: one of the subtypes Nimbus serves (http-routes/integrations.ts), string parameters. */
function parseIntegration(v: unknown, member: string): ServiceIntegration {
  if (!isObject(v)) throw validationError(v, member, 'Member must be a structure');
  const subtype = v['Subtype'];
  if (typeof subtype !== 'string' || !SUBTYPES.includes(subtype)) throw validationError(subtype ?? null, `${member}.subtype`, `Member must satisfy enum value set: [${SUBTYPES.join(', ')}]`);
  const params = v['RequestParameters'] ?? {};
  if (!isObject(params) || Object.values(params).some((x) => typeof x !== 'string')) throw validationError(params, `${member}.requestParameters`, 'Member must be a map of strings');
  return { subtype, parameters: params as Record<string, string> };
}

/** `{RequiredParameters: ['querystring.x', ...], BodySchemas: {<content type>: <draft-04 schema>}}`; each schema must compile. */
function parseValidation(v: unknown, member: string): NonNullable<RouteRecord['validation']> {
  if (!isObject(v)) throw validationError(v, member, 'Member must be a structure');
  const required = v['RequiredParameters'] ?? [];
  if (!Array.isArray(required) || required.some((p) => typeof p !== 'string' || !/^(querystring|header|path)\.[!-~]{1,512}$/.test(p))) {
    throw validationError(required, `${member}.requiredParameters`, 'Member must be a list of querystring.<name>, header.<name> or path.<name>');
  }
  const schemas = v['BodySchemas'];
  if (schemas !== undefined && schemas !== null) {
    if (!isObject(schemas)) throw validationError(schemas, `${member}.bodySchemas`, 'Member must be a map of content types to JSON Schemas');
    for (const [ct, s] of Object.entries(schemas)) {
      try {
        compileModel(s);
      } catch (e) {
        throw validationError(ct, `${member}.bodySchemas`, `The model for ${ct} is not a valid JSON Schema (draft-04): ${(e as Error).message}`);
      }
    }
  }
  return { requiredParameters: required as string[], ...(isObject(schemas) ? { bodySchemas: schemas } : {}) };
}

const PASSTHROUGH = ['WHEN_NO_MATCH', 'WHEN_NO_TEMPLATES', 'NEVER'] as const;

/**
 * `{RequestTemplates: {<type>: <template>}, PassthroughBehavior?, Responses: [{SelectionPattern,
 * StatusCode, ResponseTemplates?, ResponseParameters?}]}`: a non-proxy integration's mapping.
 */
function parseMapping(v: unknown, member: string): RouteMapping {
  if (!isObject(v)) throw validationError(v, member, 'Member must be a structure');
  const strings = (x: unknown, m: string): Record<string, string> => {
    if (x === undefined || x === null) return {};
    if (!isObject(x) || Object.values(x).some((s) => typeof s !== 'string')) throw validationError(x, m, 'Member must be a map of strings');
    return x as Record<string, string>;
  };
  const passthrough = v['PassthroughBehavior'] ?? 'WHEN_NO_MATCH';
  if (typeof passthrough !== 'string' || !(PASSTHROUGH as readonly string[]).includes(passthrough.toUpperCase())) throw validationError(passthrough, `${member}.passthroughBehavior`, `Member must satisfy enum value set: [${PASSTHROUGH.join(', ')}]`);
  const responses = v['Responses'] ?? [];
  if (!Array.isArray(responses)) throw validationError(responses, `${member}.responses`, 'Member must be a list');
  return {
    ...(v['Mock'] === true ? { mock: true } : {}),
    requestTemplates: strings(v['RequestTemplates'], `${member}.requestTemplates`),
    passthrough: passthrough.toUpperCase() as RouteMapping['passthrough'],
    responses: responses.map((x, i) => {
      const at = `${member}.responses.${i}`;
      if (!isObject(x) || typeof x['SelectionPattern'] !== 'string') throw validationError(x, at, 'Member must be a structure with a SelectionPattern');
      const status = Number(x['StatusCode'] ?? 200);
      if (!Number.isInteger(status) || status < 100 || status > 599) throw validationError(x['StatusCode'] ?? null, `${at}.statusCode`, 'Member must be an HTTP status code');
      return { pattern: x['SelectionPattern'], statusCode: status, templates: strings(x['ResponseTemplates'], `${at}.responseTemplates`), headers: strings(x['ResponseParameters'], `${at}.responseParameters`) };
    }),
  };
}

function parseRoutes(scope: Scope, stack: string, apiId: string, api: { logicalId: string; type: 'REST' | 'HTTP' }, list: unknown, member: string): RouteRecord[] {
  if (!Array.isArray(list)) throw validationError(list ?? null, member, 'Member must be a list');
  const seen = new Set<string>();
  return list.map((r, i): RouteRecord => {
    const where = `${member}.${i}`;
    if (!isObject(r)) throw validationError(r, where, 'Member must be a structure');
    const method = typeof r['Method'] === 'string' ? r['Method'].toUpperCase() : '';
    if (!METHODS.has(method)) throw validationError(r['Method'] ?? null, `${where}.method`, `Member must satisfy enum value set: [${[...METHODS].join(', ')}]`);
    const path = r['Path'];
    if (typeof path !== 'string') throw validationError(path ?? null, `${where}.path`, 'Member must be a string');
    const bad = checkRoutePath(path);
    if (bad) throw validationError(path, `${where}.path`, bad);
    const integration = r['Integration'] === undefined || r['Integration'] === null ? undefined : parseIntegration(r['Integration'], `${where}.integration`);
    if (integration && api.type !== 'HTTP') throw validationError(r['Integration'], `${where}.integration`, 'Service integrations belong to HTTP APIs');
    const mapping = r['Mapping'] === undefined || r['Mapping'] === null ? undefined : parseMapping(r['Mapping'], `${where}.mapping`);
    if (mapping && api.type !== 'REST') throw validationError(r['Mapping'], `${where}.mapping`, 'Mapping templates belong to REST APIs');
    const ref = integration || mapping?.mock ? { name: '', qualifier: undefined } : parseFunctionName(r['FunctionName'], `${where}.functionName`);
    const qualifier = typeof r['Qualifier'] === 'string' ? r['Qualifier'] : (ref.qualifier ?? '');
    const format = r['PayloadFormatVersion'] ?? '2.0';
    if (format !== '1.0' && format !== '2.0') throw validationError(format, `${where}.payloadFormatVersion`, 'Member must satisfy enum value set: [1.0, 2.0]');
    const authorizer = r['Authorizer'] ?? '';
    if (typeof authorizer !== 'string') throw validationError(authorizer, `${where}.authorizer`, 'Member must be a string');
    const validation = r['Validation'] === undefined || r['Validation'] === null ? undefined : parseValidation(r['Validation'], `${where}.validation`);
    if (validation && api.type !== 'REST') throw validationError(r['Validation'], `${where}.validation`, 'Request validation belongs to REST APIs');
    const key = path === '$default' ? '$default' : `${method} ${path}`;
    if (seen.has(key)) throw new NimbusError('ERR_CONFLICT', `Route ${key} is defined twice on API ${api.logicalId} of stack ${stack}.`);
    seen.add(key);
    return { ...scope, stack, apiId, method: path === '$default' ? 'ANY' : method, path, functionName: ref.name, qualifier, payloadFormatVersion: format, authorizer, ...(integration ? { integration } : {}), ...(validation ? { validation } : {}), ...(mapping ? { mapping } : {}) };
  });
}

/** API Gateway's Cors: lists of strings (any number of methods, unlike a function URL's six), MaxAge in seconds. */
function checkApiCors(v: unknown, member: string): CorsConfig {
  if (!isObject(v)) throw validationError(v, member, 'Member must be a structure');
  const c: CorsConfig = {};
  for (const k of ['AllowHeaders', 'AllowMethods', 'AllowOrigins', 'ExposeHeaders'] as const) {
    const list = v[k];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || s === '')) throw validationError(list, `${member}.${k}`, 'Member must be a list of non-empty strings');
    c[k] = list as string[];
  }
  const creds = v['AllowCredentials'];
  if (creds !== undefined && creds !== null) {
    if (typeof creds !== 'boolean') throw validationError(creds, `${member}.allowCredentials`, 'Member must be a boolean');
    c.AllowCredentials = creds;
  }
  const age = v['MaxAge'];
  if (age !== undefined && age !== null) {
    if (typeof age !== 'number' || !Number.isInteger(age) || age < -1 || age > 86400) throw validationError(age, `${member}.maxAge`, 'Member must have value between -1 and 86400');
    c.MaxAge = age;
  }
  return c;
}

const AUTHORIZER_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const IDENTITY_SOURCE = /^\$(request\.header|request\.querystring|context|stageVariables)\.[!-~]{1,512}$/;

/**
 * An API's Lambda authorizers (API Gateway's rules): a REST API's are TOKEN (one header, the
 * default `Authorization`) or REQUEST, payload 1.0, results kept 300 s by default; an HTTP API's
 * are REQUEST with payload 1.0 or 2.0 (simple responses only with 2.0), not kept by default.
 * Keeping results needs an identity source to key them by.
 */
function checkAuthorizers(v: unknown, type: 'REST' | 'HTTP', member: string): Record<string, AuthorizerConfig> {
  if (!isObject(v)) throw validationError(v, member, 'Member must be a structure');
  const out: Record<string, AuthorizerConfig> = {};
  for (const [name, a] of Object.entries(v)) {
    const where = `${member}.${name}`;
    if (name === 'AWS_IAM') throw validationError(name, member, 'AWS_IAM is the name of IAM authorization, not of a Lambda authorizer');
    if (!AUTHORIZER_NAME.test(name)) throw validationError(name, member, `Member names must satisfy regular expression pattern: ${AUTHORIZER_NAME.source.slice(1, -1)}`);
    if (!isObject(a)) throw validationError(a, where, 'Member must be a structure');
    const ref = parseFunctionName(a['FunctionName'], `${where}.functionName`);
    const payloadType = a['PayloadType'] ?? (type === 'REST' ? 'TOKEN' : 'REQUEST');
    if (payloadType !== 'REQUEST' && !(payloadType === 'TOKEN' && type === 'REST')) {
      throw validationError(payloadType, `${where}.payloadType`, `Member must satisfy enum value set: [${type === 'REST' ? 'TOKEN, REQUEST' : 'REQUEST'}]`);
    }
    const format = a['PayloadFormatVersion'] ?? (type === 'REST' ? '1.0' : undefined);
    if (format !== '1.0' && !(format === '2.0' && type === 'HTTP')) {
      throw validationError(format ?? null, `${where}.payloadFormatVersion`, `Member must satisfy enum value set: [${type === 'REST' ? '1.0' : '1.0, 2.0'}]`);
    }
    const simple = a['EnableSimpleResponses'] ?? false;
    if (typeof simple !== 'boolean') throw validationError(simple, `${where}.enableSimpleResponses`, 'Member must be a boolean');
    if (simple && format !== '2.0') throw validationError(simple, `${where}.enableSimpleResponses`, 'Simple responses need payload format 2.0');
    const sources = a['IdentitySource'] ?? (payloadType === 'TOKEN' ? ['$request.header.Authorization'] : []);
    if (!Array.isArray(sources) || sources.some((s) => typeof s !== 'string' || !IDENTITY_SOURCE.test(s))) {
      throw validationError(sources, `${where}.identitySource`, 'Member must be a list of $request.header.*, $request.querystring.*, $context.* or $stageVariables.* names');
    }
    if (payloadType === 'TOKEN' && (sources.length !== 1 || !(sources[0] as string).startsWith('$request.header.'))) {
      throw validationError(sources, `${where}.identitySource`, 'A TOKEN authorizer takes exactly one header');
    }
    const ttl = a['ResultTtlInSeconds'] ?? (type === 'REST' ? 300 : 0);
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0 || ttl > 3600) throw validationError(ttl, `${where}.resultTtlInSeconds`, 'Member must have value between 0 and 3600');
    if (ttl > 0 && sources.length === 0) throw validationError(ttl, `${where}.resultTtlInSeconds`, 'Keeping results needs an IdentitySource');
    const expr = a['ValidationExpression'];
    if (expr !== undefined && expr !== null) {
      if (typeof expr !== 'string' || payloadType !== 'TOKEN') throw validationError(expr, `${where}.validationExpression`, 'Member must be a string, for a TOKEN authorizer');
      try {
        new RegExp(expr);
      } catch {
        throw validationError(expr, `${where}.validationExpression`, 'Member must be a valid regular expression');
      }
    }
    out[name] = {
      functionName: ref.qualifier ? `${ref.name}:${ref.qualifier}` : ref.name,
      payloadType,
      payloadFormatVersion: format,
      simpleResponses: simple,
      identitySource: sources as string[],
      ...(typeof expr === 'string' ? { validationExpression: expr } : {}),
      ttlSeconds: ttl,
    };
  }
  return out;
}
