/**
 * The store contract: everything Nimbus persists. SQLite is the embedded default
 * (src/store/sqlite.ts); a server database can implement the same interface later, and the
 * shared suite in test/store runs against every implementation.
 *
 * Every record is scoped by account and region, even while only account 000000000000 exists,
 * so that tenants can share one Nimbus later without a data migration.
 */

import type { AliasStore, RouteStore, UrlConfigStore } from './records.js';
import type { ConcurrencyStore } from './sqlite-concurrency.js';
import type { PolicyStateStore } from './sqlite-policy.js';
import type { ProvisionedStore } from './sqlite-provisioned.js';

/**
 * A function's key across modules (concurrency limits, the pool, metrics):
 * `account/region/name`; a version's key appends `/version`.
 */
export const functionKey = (scope: Scope, name: string): string => `${scope.accountId}/${scope.region}/${name}`;
export const versionKey = (v: Scope & { name: string; version: string }): string => `${functionKey(v, v.name)}/${v.version}`;

export interface Scope {
  accountId: string;
  region: string;
}

/** One version of a function (`$LATEST` is the mutable one): code plus configuration. */
export interface FunctionVersion extends Scope {
  name: string;
  version: string;
  runtime: string;
  handler: string;
  role: string;
  description: string;
  timeout: number;
  memorySize: number;
  architectures: string[];
  ephemeralStorageMb: number;
  tracingMode: string;
  logFormat: string;
  logGroup: string;
  packageType: string;
  /**
   * The function's environment variables. Kept in one place of the data model (its own column)
   * so that encryption at rest can be added without touching anything else.
   */
  environment: Record<string, string>;
  /** Hex SHA-256 of the deployment package (the API shows it base64-encoded). */
  codeSha256: string;
  codeSize: number;
  /** Epoch ms of the last change. */
  lastModified: number;
  revisionId: string;
  /** DeadLetterConfig.TargetArn: where async events that finally fail are sent (docs/async.md). */
  deadLetterTargetArn?: string | undefined;
}

/** One block of log text: an invocation's START..REPORT lines, or output between invocations. */
export interface LogEntry extends Scope {
  functionName: string;
  version: string;
  requestId: string;
  /** Epoch ms. */
  timestamp: number;
  text: string;
}

export interface StoredLogEntry extends LogEntry {
  /** Monotonic id: read logs after an id to follow them. */
  id: number;
}

export interface Store {
  /** Inserts a new function's `$LATEST`; returns false when the name is taken. */
  insertFunction(v: FunctionVersion): boolean;
  getVersion(scope: Scope, name: string, version: string): FunctionVersion | undefined;
  /** Replaces an existing version row (the `$LATEST` of an update). */
  putVersion(v: FunctionVersion): void;
  /** Deletes a function and all its versions; returns the code hashes no longer referenced. */
  deleteFunction(scope: Scope, name: string): string[];
  /** `$LATEST` of functions in name order, after `afterName` (exclusive). */
  listFunctions(scope: Scope, afterName: string | undefined, limit: number): FunctionVersion[];
  /** Every version of every function (ListFunctions FunctionVersion=ALL), after a position. */
  listAllVersions(scope: Scope, after: { name: string; version: string } | undefined, limit: number): FunctionVersion[];
  /** Function count and total code size in the scope. */
  usage(scope: Scope): { functionCount: number; totalCodeSize: number };
  /** Whether any version anywhere still uses this code. */
  codeInUse(codeSha256: string): boolean;

  /**
   * Publishes a version atomically: takes the function's next version number (monotonic, never
   * reused while the function exists), builds the row with it and stores it.
   */
  publishVersion(scope: Scope, name: string, build: (version: string) => FunctionVersion): FunctionVersion;
  /** `$LATEST` first, then published versions in numeric order, after `afterVersion` (exclusive). */
  listVersions(scope: Scope, name: string, afterVersion: string | undefined, limit: number): FunctionVersion[];
  /** The newest published version, if any. */
  latestPublished(scope: Scope, name: string): FunctionVersion | undefined;
  /** Deletes one published version; returns the code hash if nothing else uses it. */
  deleteVersion(scope: Scope, name: string, version: string): string[];

  readonly aliases: AliasStore;
  readonly urls: UrlConfigStore;
  readonly routes: RouteStore;
  /** Reserved concurrency per function. */
  readonly concurrency: ConcurrencyStore;
  /** What the keep-alive policy has learned, to survive restarts. */
  readonly policyState: PolicyStateStore;
  /** Provisioned concurrency configs per function version or alias. */
  readonly provisioned: ProvisionedStore;

  appendLogs(entries: readonly LogEntry[]): void;
  /** Log entries of a function with id > afterId, oldest first. */
  readLogs(scope: Scope, functionName: string, afterId: number, limit: number): StoredLogEntry[];
  /** The newest `limit` log entries of a function, oldest first. */
  readLastLogs(scope: Scope, functionName: string, limit: number): StoredLogEntry[];
  /** Deletes all but the newest `keep` log entries of a function. */
  pruneLogs(scope: Scope, functionName: string, keep: number): void;
  /** The id of the newest log entry of a function (0 when none). */
  lastLogId(scope: Scope, functionName: string): number;

  close(): void;
}
