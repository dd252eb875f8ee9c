/**
 * Function URL configs (docs/reference/lambda-api.md §1.4, §4.1): one per function or alias, each with a
 * random 32-character URL id that never changes. InvokeMode is BUFFERED or RESPONSE_STREAM
 * (hook.ts serves both). AuthType AWS_IAM URLs take SigV4-signed requests only (hook.ts, docs/auth.md);
 * NONE URLs are public, as on AWS. A tenant-isolated function has no URL,
 * as on AWS (docs/reference/tenant-isolation.md §3).
 */
import { randomInt } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { conflict, invalidParameter, NimbusError, notFound, validationError } from '../../core/errors.js';
import type { CorsConfig } from '../../core/model.js';
import type { UrlConfigRecord } from '../../store/records.js';
import type { Store } from '../../store/types.js';
import type { Scope } from '../../core/model.js';
import { functionArn, parseFunctionName, qualifierOf } from '../../core/names.js';
import { isObject } from '../http/validate.js';

const QUALIFIER = /^((?!^\d+$)^[0-9a-zA-Z-_]+$)$/;
const URL_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const MISSING = 'The resource you requested does not exist.';

export function newUrlId(): string {
  let id = '';
  for (let i = 0; i < 32; i++) id += URL_ID_ALPHABET[randomInt(URL_ID_ALPHABET.length)];
  return id;
}

export class UrlConfigService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  async create(scope: Scope, rawName: string, queryQualifier: string | undefined, body: unknown): Promise<UrlConfigRecord> {
    const b = object(body);
    const { name, qualifier } = await this.target(scope, rawName, queryQualifier);
    if (b['AuthType'] === undefined || b['AuthType'] === null) throw validationError(null, 'authType', 'Member must not be null');
    const now = this.deps.clock.now();
    const u: UrlConfigRecord = {
      ...scope,
      functionName: name,
      qualifier,
      urlId: newUrlId(),
      authType: checkAuthType(b['AuthType']),
      cors: b['Cors'] === undefined || b['Cors'] === null ? undefined : checkCors(b['Cors']),
      invokeMode: checkInvokeMode(b['InvokeMode']) ?? 'BUFFERED',
      createdAt: now,
      modifiedAt: now,
    };
    if (!await this.deps.store.urls.insert(u)) {
      throw conflict(
        `Failed to create function url config for [functionArn = ${functionArn(scope, name, qualifier || undefined)}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
      );
    }
    return u;
  }

  async get(scope: Scope, rawName: string, queryQualifier: string | undefined): Promise<UrlConfigRecord> {
    const { name, qualifier } = await this.target(scope, rawName, queryQualifier);
    const u = await this.deps.store.urls.get(scope, name, qualifier);
    if (!u) throw notFound(MISSING);
    return u;
  }

  async update(scope: Scope, rawName: string, queryQualifier: string | undefined, body: unknown): Promise<UrlConfigRecord> {
    const b = object(body);
    const current = await this.get(scope, rawName, queryQualifier);
    const next: UrlConfigRecord = {
      ...current,
      authType: b['AuthType'] === undefined ? current.authType : checkAuthType(b['AuthType']),
      cors: b['Cors'] === undefined ? current.cors : b['Cors'] === null ? undefined : checkCors(b['Cors']),
      invokeMode: checkInvokeMode(b['InvokeMode']) ?? current.invokeMode,
      modifiedAt: this.deps.clock.now(),
    };
    await this.deps.store.urls.put(next);
    return next;
  }

  async delete(scope: Scope, rawName: string, queryQualifier: string | undefined): Promise<void> {
    const { name, qualifier } = await this.target(scope, rawName, queryQualifier);
    if (!await this.deps.store.urls.delete(scope, name, qualifier)) throw notFound(MISSING);
  }

  async list(scope: Scope, rawName: string): Promise<UrlConfigRecord[]> {
    const ref = parseFunctionName(rawName);
    if (!await this.deps.store.getVersion(scope, ref.name, '$LATEST')) throw notFound(`Function not found: ${functionArn(scope, ref.name)}`);
    return this.deps.store.urls.list(scope, ref.name);
  }

  /** The URL config a request addresses: the function, or one of its aliases (never a version). */
  private async target(scope: Scope, rawName: string, queryQualifier: string | undefined): Promise<{ name: string; qualifier: string }> {
    const ref = parseFunctionName(rawName);
    const q = qualifierOf(ref, queryQualifier);
    if (q !== undefined && !QUALIFIER.test(q)) {
      throw validationError(q, 'qualifier', 'Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)');
    }
    const latest = await this.deps.store.getVersion(scope, ref.name, '$LATEST');
    if (!latest) throw notFound(`Function not found: ${functionArn(scope, ref.name)}`);
    if (q !== undefined && !await this.deps.store.aliases.get(scope, ref.name, q)) throw notFound(MISSING);
    if (latest.tenantIsolation) throw invalidParameter('Function URLs are not supported for functions with tenant isolation mode enabled.');
    return { name: ref.name, qualifier: q ?? '' };
  }
}

function object(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw new NimbusError('ERR_INVALID_REQUEST_CONTENT', 'Could not parse request body into json: expected an object');
  return body;
}

function checkAuthType(v: unknown): string {
  if (v !== 'NONE' && v !== 'AWS_IAM') {
    throw validationError(v, 'authType', 'Member must satisfy enum value set: [AWS_IAM, NONE]');
  }
  return v;
}

function checkInvokeMode(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (v !== 'BUFFERED' && v !== 'RESPONSE_STREAM') {
    throw validationError(v, 'invokeMode', 'Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]');
  }
  return v;
}

function stringList(cors: Record<string, unknown>, key: string, member: string, maxItems: number, maxLength: number): string[] | undefined {
  const v = cors[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw validationError(v, member, 'Member must be a list of strings');
  if (v.length > maxItems) throw validationError(v, member, `Member must have length less than or equal to ${maxItems}`);
  for (const s of v as string[]) {
    if (s.length < 1 || s.length > maxLength) {
      throw validationError(v, member, `Member must satisfy constraint: [Member must have length less than or equal to ${maxLength}, Member must have length greater than or equal to 1]`);
    }
  }
  return v as string[];
}

/** MODEL `Cors`: lists of up to 100 entries, methods of at most 6 characters, MaxAge 0..86400. */
export function checkCors(v: unknown): CorsConfig {
  if (!isObject(v)) throw validationError(v, 'cors', 'Member must be a structure');
  const c: CorsConfig = {};
  if (v['AllowCredentials'] !== undefined && v['AllowCredentials'] !== null) {
    if (typeof v['AllowCredentials'] !== 'boolean') throw validationError(v['AllowCredentials'], 'cors.allowCredentials', 'Member must be a boolean');
    c.AllowCredentials = v['AllowCredentials'];
  }
  const headers = stringList(v, 'AllowHeaders', 'cors.allowHeaders', 100, 1024);
  if (headers) c.AllowHeaders = headers;
  const methods = stringList(v, 'AllowMethods', 'cors.allowMethods', 6, 6);
  if (methods) c.AllowMethods = methods;
  const origins = stringList(v, 'AllowOrigins', 'cors.allowOrigins', 100, 253);
  if (origins) c.AllowOrigins = origins;
  const expose = stringList(v, 'ExposeHeaders', 'cors.exposeHeaders', 100, 1024);
  if (expose) c.ExposeHeaders = expose;
  if (v['MaxAge'] !== undefined && v['MaxAge'] !== null) {
    const m = v['MaxAge'];
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 0 || m > 86400) {
      throw validationError(m, 'cors.maxAge', 'Member must have value between 0 and 86400');
    }
    c.MaxAge = m;
  }
  return c;
}
