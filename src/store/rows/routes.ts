/**
 * API routes and APIs: the row shapes of api_routes and apis and their mappers to records, shared by
 * the SQLite and PostgreSQL stores (same columns in both) so the two backends cannot drift apart.
 */
import type { AuthorizerConfig, CorsConfig } from '../../core/model.js';
import type { ApiRecord, RouteRecord } from '../records.js';

export interface Row {
  account_id: string;
  region: string;
  stack: string;
  api_id: string;
  method: string;
  path: string;
  function_name: string;
  qualifier: string;
  payload_format: string;
  authorizer: string;
  /** JSON of the route's extras (a service integration), or null. */
  extra: string | null;
}

export interface ApiRow {
  account_id: string;
  region: string;
  stack: string;
  logical_id: string;
  api_id: string;
  type: string;
  stage: string;
  cors: string | null;
  authorizers: string | null;
}

export const fromRow = (r: Row): RouteRecord => ({
  accountId: r.account_id,
  region: r.region,
  stack: r.stack,
  apiId: r.api_id,
  method: r.method,
  path: r.path,
  functionName: r.function_name,
  qualifier: r.qualifier,
  payloadFormatVersion: r.payload_format === '1.0' ? '1.0' : '2.0',
  authorizer: r.authorizer ?? '',
  ...(r.extra ? (JSON.parse(r.extra) as Pick<RouteRecord, 'integration' | 'validation' | 'mapping'>) : {}),
});

/** The api_routes.extra column's text. */
export const extraText = (r: RouteRecord): string | null =>
  r.integration || r.validation || r.mapping
    ? JSON.stringify({ ...(r.integration ? { integration: r.integration } : {}), ...(r.validation ? { validation: r.validation } : {}), ...(r.mapping ? { mapping: r.mapping } : {}) })
    : null;

export const fromApiRow = (r: ApiRow): ApiRecord => ({
  accountId: r.account_id,
  region: r.region,
  stack: r.stack,
  logicalId: r.logical_id,
  apiId: r.api_id,
  type: r.type === 'REST' ? 'REST' : 'HTTP',
  stage: r.stage,
  cors: r.cors === null ? undefined : (JSON.parse(r.cors) as CorsConfig),
  authorizers: r.authorizers === null || r.authorizers === undefined ? undefined : (JSON.parse(r.authorizers) as Record<string, AuthorizerConfig>),
});

/** The apis.authorizers column's text. */
export const authorizersText = (a: ApiRecord): string | null => (a.authorizers === undefined ? null : JSON.stringify(a.authorizers));
