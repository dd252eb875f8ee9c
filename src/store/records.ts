/**
 * Records of the HTTP-facing features: aliases, function URL configs and API routes (SAM).
 * Each lives in its own table, scoped by account and region like every stored record, and is
 * removed with its function.
 */
import type { Scope } from './types.js';

/** An alias: a name pointing at a published version, optionally splitting traffic with a second. */
export interface AliasRecord extends Scope {
  functionName: string;
  name: string;
  functionVersion: string;
  description: string;
  /** AdditionalVersionWeights: at most one entry, version -> weight in [0, 1]. */
  weights: Record<string, number>;
  revisionId: string;
}

export interface CorsConfig {
  AllowCredentials?: boolean;
  AllowHeaders?: string[];
  AllowMethods?: string[];
  AllowOrigins?: string[];
  ExposeHeaders?: string[];
  MaxAge?: number;
}

/** A function URL config; `qualifier` is '' for the unqualified function, else an alias name. */
export interface UrlConfigRecord extends Scope {
  functionName: string;
  qualifier: string;
  /** 32 characters of [a-z0-9]; never changes for the life of the config. */
  urlId: string;
  authType: string;
  cors: CorsConfig | undefined;
  invokeMode: string;
  /** Epoch ms. */
  createdAt: number;
  modifiedAt: number;
}

/** One HTTP route on the main port (from a SAM template's HttpApi/Api events). */
export interface RouteRecord extends Scope {
  /** The group the route was registered with (a SAM stack); a PUT replaces a whole group. */
  stack: string;
  /** An HTTP method or `ANY`. */
  method: string;
  /** API Gateway path syntax: `/items/{id}`, `/{proxy+}`, or `$default` for the catch-all. */
  path: string;
  functionName: string;
  /** '' for the unqualified function, else an alias or version. */
  qualifier: string;
  payloadFormatVersion: '1.0' | '2.0';
}

export interface AliasStore {
  /** Returns false when the alias exists. */
  insert(a: AliasRecord): boolean;
  get(scope: Scope, functionName: string, name: string): AliasRecord | undefined;
  put(a: AliasRecord): void;
  delete(scope: Scope, functionName: string, name: string): boolean;
  /** In name order, after `afterName` (exclusive). */
  list(scope: Scope, functionName: string, afterName: string | undefined, limit: number): AliasRecord[];
  /** Aliases that route any traffic to `version` (as primary or additional version). */
  referencing(scope: Scope, functionName: string, version: string): AliasRecord[];
}

export interface UrlConfigStore {
  /** Returns false when the function (and qualifier) already has a URL config. */
  insert(u: UrlConfigRecord): boolean;
  get(scope: Scope, functionName: string, qualifier: string): UrlConfigRecord | undefined;
  byUrlId(urlId: string): UrlConfigRecord | undefined;
  put(u: UrlConfigRecord): void;
  delete(scope: Scope, functionName: string, qualifier: string): boolean;
  list(scope: Scope, functionName: string): UrlConfigRecord[];
}

export interface RouteStore {
  /** Replaces every route of a stack in one transaction. */
  replaceStack(scope: Scope, stack: string, routes: readonly RouteRecord[]): void;
  /** All routes of all scopes (the route table is small and cached by its user). */
  all(): RouteRecord[];
}
