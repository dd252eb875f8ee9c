/**
 * A template's APIs as Nimbus serves them, each on its own host: `AWS::Serverless::Api` (REST,
 * payload 1.0 by default) and `AWS::Serverless::HttpApi` (HTTP, payload 2.0), and the implicit
 * `ServerlessRestApi`/`ServerlessHttpApi` SAM generates for events without an API. Applied: the
 * stage (`StageName`; SAM's implicit REST API is `Prod`, an HTTP API's default stage is
 * `$default`, with no prefix in the path) and CORS (`CorsConfiguration` of an HTTP API, `Cors` of
 * a REST API), with `Globals.Api`/`Globals.HttpApi` merged in as SAM merges them. Every other
 * property is named in a warning.
 */
import { SamError } from './errors.js';
import { resolve, type IntrinsicContext } from './intrinsics.js';

/** One route of an API: what the stack API's `Routes` take. */
export interface RoutePlan {
  Method: string;
  Path: string;
  FunctionName: string;
  Qualifier?: string;
  PayloadFormatVersion: '1.0' | '2.0';
}

export interface ApiPlan {
  logicalId: string;
  id: string;
  type: 'REST' | 'HTTP';
  implicit: boolean;
  /** `Prod`, a named stage, or `$default` (HTTP APIs only: no stage in the path). */
  stage: string;
  /** A function URL-shaped Cors config (AllowOrigins, AllowMethods, ...), answered by the API itself. */
  cors: Record<string, unknown> | undefined;
  routes: RoutePlan[];
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** What each kind applies; SAM calls a REST API's CORS `Cors` and an HTTP API's `CorsConfiguration`. */
const APPLIED = { REST: new Set(['StageName', 'Cors']), HTTP: new Set(['StageName', 'CorsConfiguration']) };

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
export function planApi(logicalId: string, type: 'REST' | 'HTTP', implicit: boolean, id: string, props: Record<string, unknown>, ctx: IntrinsicContext): ApiPlan {
  const where = logicalId;
  const stageRaw = resolve(props['StageName'], ctx, `${where}.StageName`);
  if (stageRaw !== undefined && typeof stageRaw !== 'string') throw new SamError(`${where}.StageName must be a string`);
  const stage = stageRaw ?? (type === 'REST' ? 'Prod' : '$default');
  if (type === 'REST' && stage === '$default') throw new SamError(`${where}: a REST API needs a StageName other than $default`);
  const corsKey = type === 'REST' ? 'Cors' : 'CorsConfiguration';
  const corsRaw = resolve(props[corsKey], ctx, `${where}.${corsKey}`);
  const cors = type === 'REST' ? restCors(corsRaw, where) : httpCors(corsRaw, where);
  const ignored = Object.keys(props).filter((k) => !APPLIED[type].has(k));
  if (ignored.length > 0) {
    ctx.warn(`${logicalId} (${type === 'REST' ? 'AWS::Serverless::Api' : 'AWS::Serverless::HttpApi'}): its routes are served by Nimbus; these settings are not applied: ${ignored.join(', ')}`);
  }
  return { logicalId, id, type, implicit, stage, cors, routes: [] };
}
