/**
 * CORS for function URLs from their `Cors` config: Lambda answers preflight requests itself
 * (the function is not invoked) and adds the CORS headers to every other response, replacing
 * any the function set.
 */
import type { CorsConfig } from '../core/model.js';

function allowedOrigin(cors: CorsConfig, origin: string | undefined): string | undefined {
  if (origin === undefined) return undefined;
  const list = cors.AllowOrigins ?? [];
  if (list.includes(origin)) return origin;
  // `*` cannot be combined with credentials, so the origin is echoed then.
  if (list.includes('*')) return cors.AllowCredentials ? origin : '*';
  return undefined;
}

export function isPreflight(method: string, headers: Map<string, string[]>): boolean {
  return method === 'OPTIONS' && headers.has('origin') && headers.has('access-control-request-method');
}

/** The headers of a preflight answer (an empty set when the origin is not allowed). */
export function preflightHeaders(cors: CorsConfig, origin: string | undefined): Record<string, string> {
  const allow = allowedOrigin(cors, origin);
  if (!allow) return {};
  const h: Record<string, string> = { 'access-control-allow-origin': allow };
  if (cors.AllowMethods?.length) h['access-control-allow-methods'] = cors.AllowMethods.join(',');
  if (cors.AllowHeaders?.length) h['access-control-allow-headers'] = cors.AllowHeaders.join(',');
  if (cors.MaxAge !== undefined) h['access-control-max-age'] = String(cors.MaxAge);
  if (cors.AllowCredentials) h['access-control-allow-credentials'] = 'true';
  if (allow !== '*') h['vary'] = 'Origin';
  return h;
}

/** The CORS headers added to an actual (non-preflight) response. */
export function responseCorsHeaders(cors: CorsConfig, origin: string | undefined): Record<string, string> {
  const allow = allowedOrigin(cors, origin);
  if (!allow) return {};
  const h: Record<string, string> = { 'access-control-allow-origin': allow };
  if (cors.ExposeHeaders?.length) h['access-control-expose-headers'] = cors.ExposeHeaders.join(',');
  if (cors.AllowCredentials) h['access-control-allow-credentials'] = 'true';
  if (allow !== '*') h['vary'] = 'Origin';
  return h;
}

/** Drops CORS headers a function set itself, so the URL config is the one source of them. */
export function withoutCorsHeaders(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !k.startsWith('access-control-') && k !== 'vary'));
}
