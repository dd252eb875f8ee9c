/**
 * A template's APIs as Nimbus serves them, each on its own host: `AWS::Serverless::Api` (REST,
 * payload 1.0 by default) and `AWS::Serverless::HttpApi` (HTTP, payload 2.0), and the implicit
 * `ServerlessRestApi`/`ServerlessHttpApi` SAM generates for events without an API. Applied: the
 * stage (`StageName`; SAM's implicit REST API is `Prod`, an HTTP API's default stage is
 * `$default`, with no prefix in the path) and CORS (`CorsConfiguration` of an HTTP API, `Cors` of
 * a REST API), Lambda authorizers (`Auth.Authorizers` with `FunctionArn`, and `Auth.DefaultAuthorizer`),
 * and `AWS_IAM`, with `Globals.Api`/`Globals.HttpApi` merged in as SAM merges them. Every other
 * property, and authorizers Nimbus cannot run (Cognito, JWT), are named in a warning: routes that
 * would use them are served without authorization.
 */
import { SamError } from './errors.js';
import { resolve, type IntrinsicContext } from './intrinsics.js';
import { loadDefinition, type DefinitionSource } from './definition.js';
import { planDefinition, type DefinitionPlan } from './openapi.js';

export type { RoutePlan } from './route-plan.js';
import type { RoutePlan } from './route-plan.js';

export interface ApiPlan {
  logicalId: string;
  id: string;
  type: 'REST' | 'HTTP';
  implicit: boolean;
  /** `Prod`, a named stage, or `$default` (HTTP APIs only: no stage in the path). */
  stage: string;
  /** A function URL-shaped Cors config (AllowOrigins, AllowMethods, ...), answered by the API itself. */
  cors: Record<string, unknown> | undefined;
  /** Lambda authorizers by name, in the stack API's shape (`Apis[].Authorizers`). */
  authorizers: Record<string, Record<string, unknown>>;
  /** Authorizers of the template Nimbus does not run (Cognito, JWT): routes naming them are served open. */
  unsupportedAuthorizers: Set<string>;
  /** `Auth.DefaultAuthorizer`: what routes without their own `Auth.Authorizer` use. */
  defaultAuthorizer: string | undefined;
  routes: RoutePlan[];
  /** A REST API's `Models` (JSON Schemas by name), for its events' `RequestModel`. */
  models?: Record<string, unknown> | undefined;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** What each kind applies; SAM calls a REST API's CORS `Cors` and an HTTP API's `CorsConfiguration`. */
const APPLIED = {
  REST: new Set(['StageName', 'Cors', 'Auth', 'DefinitionBody', 'DefinitionUri', 'Models']),
  HTTP: new Set(['StageName', 'CorsConfiguration', 'Auth', 'DefinitionBody', 'DefinitionUri']),
};

/** `"'*'"` -> `*`: a REST API's Cors values are quoted header values. */
const unquote = (v: unknown): string | undefined => (typeof v === 'string' ? v.replace(/^'(.*)'$/s, '$1') : undefined);
const csv = (v: unknown): string[] | undefined =>
  unquote(v)
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** SAM's REST `Cors`: a quoted origin, or `{AllowOrigin, AllowMethods, AllowHeaders, MaxAge, AllowCredentials}`. */
function restCors(v: unknown, where: string): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return { AllowOrigins: [unquote(v)!], AllowMethods: ['*'] };
  if (!isMap(v)) throw new SamError(`${where}.Cors must be a quoted origin or a mapping`);
  const origin = unquote(v['AllowOrigin']);
  if (origin === undefined) throw new SamError(`${where}.Cors needs AllowOrigin`);
  const maxAge = unquote(v['MaxAge']);
  return {
    AllowOrigins: [origin],
    AllowMethods: csv(v['AllowMethods']) ?? ['*'],
    ...(v['AllowHeaders'] !== undefined ? { AllowHeaders: csv(v['AllowHeaders']) } : {}),
    ...(maxAge !== undefined ? { MaxAge: Number(maxAge) } : {}),
    ...(v['AllowCredentials'] === true ? { AllowCredentials: true } : {}),
  };
}

/** An HTTP API's `CorsConfiguration`: `true` (everything allowed) or API Gateway's own members. */
function httpCors(v: unknown, where: string): Record<string, unknown> | undefined {
  if (v === undefined || v === false) return undefined;
  if (v === true) return { AllowOrigins: ['*'], AllowMethods: ['*'], AllowHeaders: ['*'] };
  if (!isMap(v)) throw new SamError(`${where}.CorsConfiguration must be true or a mapping`);
  const out: Record<string, unknown> = {};
  for (const k of ['AllowOrigins', 'AllowMethods', 'AllowHeaders', 'ExposeHeaders']) if (Array.isArray(v[k])) out[k] = v[k];
  if (v['MaxAge'] !== undefined) out['MaxAge'] = Number(v['MaxAge']);
  if (v['AllowCredentials'] !== undefined) out['AllowCredentials'] = v['AllowCredentials'] === true;
  return out;
}

/** One API; `props` has the Globals section of its kind merged in. */
export function planApi(logicalId: string, type: 'REST' | 'HTTP', implicit: boolean, id: string, props: Record<string, unknown>, ctx: IntrinsicContext, src: DefinitionSource): ApiPlan {
  const where = logicalId;
  const stageRaw = resolve(props['StageName'], ctx, `${where}.StageName`);
  if (stageRaw !== undefined && typeof stageRaw !== 'string') throw new SamError(`${where}.StageName must be a string`);
  const stage = stageRaw ?? (type === 'REST' ? 'Prod' : '$default');
  if (type === 'REST' && stage === '$default') throw new SamError(`${where}: a REST API needs a StageName other than $default`);
  const corsKey = type === 'REST' ? 'Cors' : 'CorsConfiguration';
  const corsRaw = resolve(props[corsKey], ctx, `${where}.${corsKey}`);
  const cors = type === 'REST' ? restCors(corsRaw, where) : httpCors(corsRaw, where);
  const ignored = Object.keys(props).filter((k) => !APPLIED[type].has(k));
  const definition = defined(loadDefinition(props, src, ctx, where), type, where, ctx.warn);
  if (ignored.length > 0) {
    ctx.warn(`${logicalId} (${type === 'REST' ? 'AWS::Serverless::Api' : 'AWS::Serverless::HttpApi'}): its routes are served by Nimbus; these settings are not applied: ${ignored.join(', ')}`);
  }
  const auth = planAuth(resolve(props['Auth'], ctx, `${where}.Auth`), type, where, ctx.warn);
  const models = type === 'REST' ? resolve(props['Models'], ctx, `${where}.Models`) : undefined;
  if (models !== undefined && !isMap(models)) throw new SamError(`${where}.Models must be a mapping of model names to JSON Schemas`);
  if (!definition) return { logicalId, id, type, implicit, stage, cors, ...auth, routes: [], models };
  // SAM adds Auth's authorizers to the definition's; a template's own CorsConfiguration wins.
  const api: ApiPlan = {
    logicalId, id, type, implicit, stage,
    cors: cors ?? (definition.cors as Record<string, unknown> | undefined),
    authorizers: { ...definition.authorizers, ...auth.authorizers },
    unsupportedAuthorizers: new Set([...definition.unsupportedAuthorizers, ...auth.unsupportedAuthorizers]),
    defaultAuthorizer: auth.defaultAuthorizer ?? definition.defaultAuthorizer,
    routes: [],
    models,
  };
  // As SAM's DefaultAuthorizer, applied to the definition's operations that name none.
  for (const r of definition.routes) {
    const a = routeAuthorizer(api, r.Authorizer, `${where} (OpenAPI definition)`);
    const { Authorizer: _requested, ...rest } = r;
    api.routes.push(a === undefined ? rest : { ...rest, Authorizer: a });
  }
  return api;
}

type AuthPlan = Pick<ApiPlan, 'authorizers' | 'unsupportedAuthorizers' | 'defaultAuthorizer'>;

/**
 * SAM's `Auth` of an API: Lambda authorizers become the API's authorizers (a REST API's TOKEN or
 * REQUEST, SAM's `FunctionPayloadType`; an HTTP API's with `AuthorizerPayloadFormatVersion`);
 * SAM's `Identity` becomes API Gateway's identity sources and result TTL.
 */
function planAuth(raw: unknown, type: 'REST' | 'HTTP', where: string, warn: (m: string) => void): AuthPlan {
  const out: AuthPlan = { authorizers: {}, unsupportedAuthorizers: new Set(), defaultAuthorizer: undefined };
  if (raw === undefined) return out;
  if (!isMap(raw)) throw new SamError(`${where}.Auth must be a mapping`);
  const list = raw['Authorizers'] ?? {};
  if (!isMap(list)) throw new SamError(`${where}.Auth.Authorizers must be a mapping`);
  for (const [name, a] of Object.entries(list)) {
    const at = `${where}.Auth.Authorizers.${name}`;
    if (!isMap(a)) throw new SamError(`${at} must be a mapping`);
    if (a['FunctionArn'] === undefined) {
      out.unsupportedAuthorizers.add(name);
      warn(`${at}: only Lambda authorizers (FunctionArn) are applied by Nimbus; routes using ${name} are served without authorization`);
      continue;
    }
    if (typeof a['FunctionArn'] !== 'string') throw new SamError(`${at}.FunctionArn must be a function ARN or name`);
    const identity = a['Identity'] ?? {};
    if (!isMap(identity)) throw new SamError(`${at}.Identity must be a mapping`);
    const payloadType = type === 'REST' ? (a['FunctionPayloadType'] ?? 'TOKEN') : 'REQUEST';
    if (payloadType !== 'TOKEN' && payloadType !== 'REQUEST') throw new SamError(`${at}.FunctionPayloadType must be TOKEN or REQUEST`);
    const format = type === 'REST' ? '1.0' : a['AuthorizerPayloadFormatVersion'];
    if (format !== '1.0' && format !== '2.0' && format !== 1 && format !== 2) throw new SamError(`${at} Lambda Authorizer must define 'AuthorizerPayloadFormatVersion' as 1.0 or 2.0`);
    const sources: string[] =
      payloadType === 'TOKEN'
        ? [`$request.header.${typeof identity['Header'] === 'string' ? identity['Header'] : 'Authorization'}`]
        : [
            ...strings(identity['Headers'], `${at}.Identity.Headers`).map((h) => `$request.header.${h}`),
            ...strings(identity['QueryStrings'], `${at}.Identity.QueryStrings`).map((q) => `$request.querystring.${q}`),
            ...strings(identity['StageVariables'], `${at}.Identity.StageVariables`).map((v) => `$stageVariables.${v}`),
            ...strings(identity['Context'], `${at}.Identity.Context`).map((c) => `$context.${c}`),
          ];
    const ttl = identity['ReauthorizeEvery'];
    if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isInteger(ttl))) throw new SamError(`${at}.Identity.ReauthorizeEvery must be a whole number of seconds`);
    if (type === 'REST' && payloadType === 'REQUEST' && sources.length === 0 && ttl !== 0) {
      throw new SamError(`${at}: a REQUEST authorizer with caching needs Identity with at least one of Headers, QueryStrings, StageVariables or Context (or ReauthorizeEvery: 0)`);
    }
    out.authorizers[name] = {
      FunctionName: a['FunctionArn'],
      PayloadType: payloadType,
      PayloadFormatVersion: String(format).includes('2') ? '2.0' : '1.0',
      // An HTTP API's setting: SAM's translator reads only its own keys of a REST API's authorizer.
      EnableSimpleResponses: type === 'HTTP' && a['EnableSimpleResponses'] === true,
      IdentitySource: sources,
      ...(typeof identity['ValidationExpression'] === 'string' ? { ValidationExpression: identity['ValidationExpression'] } : {}),
      ResultTtlInSeconds: ttl ?? (type === 'REST' ? 300 : 0),
    };
    const ignored = Object.keys(a).filter((k) => !['FunctionArn', 'FunctionPayloadType', 'AuthorizerPayloadFormatVersion', 'EnableSimpleResponses', 'Identity', 'FunctionInvokeRole', 'EnableFunctionDefaultPermissions'].includes(k));
    if (ignored.length > 0) warn(`${at}: not applied by Nimbus: ${ignored.join(', ')}`);
    // SAM deploys a REST API whose authorizer carries HTTP API keys; they change nothing there.
    const httpOnly = type === 'REST' ? ['AuthorizerPayloadFormatVersion', 'EnableSimpleResponses'].filter((k) => a[k] !== undefined) : [];
    if (httpOnly.length > 0) warn(`${at}: ${httpOnly.join(', ')} ${httpOnly.length === 1 ? 'is an HTTP API setting' : 'are HTTP API settings'}, ignored on a REST API (as SAM ignores them)`);
  }
  const def = raw['DefaultAuthorizer'];
  if (def !== undefined) {
    if (typeof def !== 'string') throw new SamError(`${where}.Auth.DefaultAuthorizer must be a string`);
    if (def !== 'AWS_IAM' && !out.authorizers[def] && !out.unsupportedAuthorizers.has(def)) {
      throw new SamError(`${where}.Auth.DefaultAuthorizer: ${def} is not one of Auth.Authorizers`);
    }
    out.defaultAuthorizer = def;
  }
  const ignored = Object.keys(raw).filter((k) => !['Authorizers', 'DefaultAuthorizer', 'EnableIamAuthorizer', 'AddDefaultAuthorizerToCorsPreflight'].includes(k));
  if (ignored.length > 0) warn(`${where}.Auth: not applied by Nimbus: ${ignored.join(', ')}`);
  return out;
}

/**
 * The authorizer a route of `api` runs: the event's own (`NONE`: none), else the API's default.
 * An authorizer Nimbus does not run leaves the route open (its API's warning said so).
 */
export function routeAuthorizer(api: ApiPlan, requested: string | undefined, where: string): string | undefined {
  const name = requested ?? api.defaultAuthorizer;
  if (name === undefined || name === 'NONE' || api.unsupportedAuthorizers.has(name)) return undefined;
  // SigV4-signed requests and the signer's IAM policies (api/http-routes/iam-auth.ts).
  if (name === 'AWS_IAM') return name;
  if (!api.authorizers[name]) throw new SamError(`${where}: Auth.Authorizer ${name} is not one of ${api.logicalId}'s Auth.Authorizers`);
  return name;
}

function strings(v: unknown, where: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new SamError(`${where} must be a list of strings`);
  return v as string[];
}

/** The definition's routes, authorizers and CORS; what it has that Nimbus does not serve is named in one warning. */
function defined(doc: unknown, type: 'REST' | 'HTTP', where: string, warn: (m: string) => void): DefinitionPlan | undefined {
  if (doc === undefined) return undefined;
  const d = planDefinition(doc, type, where);
  if (d.skipped.length > 0) warn(`${where}: these operations of its OpenAPI definition are not served by Nimbus: ${d.skipped.join('; ')}`);
  for (const name of d.unsupportedAuthorizers) warn(`${where}: security scheme ${name} of its OpenAPI definition is not a Lambda authorizer; routes using it are served without authorization`);
  return d;
}
