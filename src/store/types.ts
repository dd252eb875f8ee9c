/**
 * The store contract: every interface of what Nimbus persists (the record shapes are in
 * records.ts). SQLite is the embedded default (sqlite*.ts only implement these), memory.ts the
 * small one for tests, and the shared suite in test/store runs against every implementation.
 *
 * Every record is scoped by account and region, even while only account 000000000000 exists,
 * so that tenants can share one Nimbus later without a data migration.
 */

import type { FunctionVersion, Scope } from '../core/model.js';
import type {
  AliasRecord,
  ApiRecord,
  CodeSigningConfigRecord,
  EventSourceMappingRecord,
  FunctionSetting,
  FunctionSettingKind,
  LayerVersionRecord,
  ProvisionedConfig,
  ReservedConcurrency,
  RouteRecord,
  StackRecord,
  UrlConfigRecord,
} from './records.js';

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

export interface AliasStore {
  /** Returns false when the alias exists. */
  insert(a: AliasRecord): Promise<boolean>;
  get(scope: Scope, functionName: string, name: string): Promise<AliasRecord | undefined>;
  put(a: AliasRecord): Promise<void>;
  /** Deletes the alias and its settings (a policy on it). */
  delete(scope: Scope, functionName: string, name: string): Promise<boolean>;
  /** In name order, after `afterName` (exclusive). */
  list(scope: Scope, functionName: string, afterName: string | undefined, limit: number): Promise<AliasRecord[]>;
  /** Aliases that route any traffic to `version` (as primary or additional version). */
  referencing(scope: Scope, functionName: string, version: string): Promise<AliasRecord[]>;
}

export interface UrlConfigStore {
  /** Returns false when the function (and qualifier) already has a URL config. */
  insert(u: UrlConfigRecord): Promise<boolean>;
  get(scope: Scope, functionName: string, qualifier: string): Promise<UrlConfigRecord | undefined>;
  byUrlId(urlId: string): Promise<UrlConfigRecord | undefined>;
  put(u: UrlConfigRecord): Promise<void>;
  delete(scope: Scope, functionName: string, qualifier: string): Promise<boolean>;
  list(scope: Scope, functionName: string): Promise<UrlConfigRecord[]>;
}

export interface RouteStore {
  /** Replaces every route of a stack (and, when given, every API of it) in one transaction. */
  replaceStack(scope: Scope, stack: string, routes: readonly RouteRecord[], apis?: readonly ApiRecord[]): Promise<void>;
  /** All routes of all scopes (the route table is small and cached by its user). */
  all(): Promise<RouteRecord[]>;
  /** All APIs of all scopes, by account, region, stack and logical id. */
  apis(): Promise<ApiRecord[]>;
}

export interface StackStore {
  get(scope: Scope, name: string): Promise<StackRecord | undefined>;
  /** Creates or replaces a stack's record. */
  put(s: StackRecord): Promise<void>;
  /** Returns false when there was no such stack. */
  delete(scope: Scope, name: string): Promise<boolean>;
  /** A scope's stacks, in name order. */
  list(scope: Scope): Promise<StackRecord[]>;
}

export interface ConcurrencyStore {
  get(scope: Scope, name: string): Promise<number | undefined>;
  /** Sets the reservation, or removes it with `undefined`. */
  set(scope: Scope, name: string, reserved: number | undefined): Promise<void>;
  /** Every reservation of an account (all regions), to load limits at start-up and check sums. */
  all(accountId: string): Promise<ReservedConcurrency[]>;
}

export interface PolicyStateStore {
  get(name: string): Promise<unknown>;
  put(name: string, state: unknown, at: number): Promise<void>;
}

export interface ProvisionedStore {
  get(scope: Scope, functionName: string, qualifier: string): Promise<ProvisionedConfig | undefined>;
  put(c: ProvisionedConfig): Promise<void>;
  /** Returns false when there was no config. */
  delete(scope: Scope, functionName: string, qualifier: string): Promise<boolean>;
  /** The configs of one function, in qualifier order. */
  list(scope: Scope, functionName: string): Promise<ProvisionedConfig[]>;
  /** Every config of an account (all regions): limits are account-wide, and start-up restores them all. */
  all(accountId: string): Promise<ProvisionedConfig[]>;
}

export interface EventSourceMappingFilter {
  functionName?: string | undefined;
  /** With `functionName`: only mappings to this qualifier ('' for the unqualified function). */
  qualifier?: string | undefined;
  eventSourceArn?: string | undefined;
}

export interface EventSourceMappingStore {
  /** Returns false when the UUID exists. */
  insert(m: EventSourceMappingRecord): Promise<boolean>;
  /** UUIDs are unique across scopes; the caller checks the scope. */
  get(uuid: string): Promise<EventSourceMappingRecord | undefined>;
  /** Replaces an existing mapping. */
  put(m: EventSourceMappingRecord): Promise<void>;
  delete(uuid: string): Promise<boolean>;
  /** A scope's mappings in UUID order after `afterUuid` (exclusive). */
  list(scope: Scope, filter: EventSourceMappingFilter, afterUuid: string | undefined, limit: number): Promise<EventSourceMappingRecord[]>;
  /** Every mapping of every scope: the pollers start from these. */
  all(): Promise<EventSourceMappingRecord[]>;
}

export interface LayerStore {
  /**
   * Publishes a layer's next version atomically: takes the number (monotonic per layer, never
   * reused, not even once every version is deleted), builds the record with it and stores it.
   */
  publish(scope: Scope, layerName: string, build: (version: number) => LayerVersionRecord): Promise<LayerVersionRecord>;
  get(scope: Scope, layerName: string, version: number): Promise<LayerVersionRecord | undefined>;
  /** The versions of one layer, newest first, below `beforeVersion` (exclusive) when given. */
  versions(scope: Scope, layerName: string, beforeVersion: number | undefined, limit: number): Promise<LayerVersionRecord[]>;
  /** Names of the layers that have a version, in name order, after `afterName` (exclusive). */
  names(scope: Scope, afterName: string | undefined, limit: number): Promise<string[]>;
  /** Returns false when there was no such version. */
  delete(scope: Scope, layerName: string, version: number): Promise<boolean>;
  /** Replaces a version's permissions; returns false when there is no such version. */
  putPolicy(scope: Scope, layerName: string, version: number, policy: LayerVersionRecord['policy']): Promise<boolean>;
  /** Whether any layer version anywhere stores this code. */
  codeInUse(codeSha256: string): Promise<boolean>;
}

export interface FunctionSettingsStore {
  get(scope: Scope, functionName: string, qualifier: string, kind: FunctionSettingKind): Promise<unknown>;
  /** Inserts or replaces; the function must exist (its settings go with it). */
  put(scope: Scope, functionName: string, qualifier: string, kind: FunctionSettingKind, value: unknown): Promise<void>;
  /** Returns false when there was nothing to delete. */
  delete(scope: Scope, functionName: string, qualifier: string, kind: FunctionSettingKind): Promise<boolean>;
  /** Every setting of one kind in the scope, in (function, qualifier) order. */
  all(scope: Scope, kind: FunctionSettingKind): Promise<FunctionSetting[]>;
}

export interface CodeSigningConfigStore {
  insert(c: CodeSigningConfigRecord): Promise<void>;
  get(scope: Scope, id: string): Promise<CodeSigningConfigRecord | undefined>;
  put(c: CodeSigningConfigRecord): Promise<void>;
  delete(scope: Scope, id: string): Promise<boolean>;
  /** In id order, after `afterId` (exclusive). */
  list(scope: Scope, afterId: string | undefined, limit: number): Promise<CodeSigningConfigRecord[]>;
}

/**
 * Encryption of secrets at rest (src/secrets/secret-box.ts), handed to a store by the composition
 * root: the store seals each environment under the function's key with the version's ARN as
 * associated data, and opens it on read.
 */
/** How much of a function's logs is kept (docs/logging.md, "Retention"). */
export interface LogRetention {
  keep: number;
  maxBytes: number;
  minTimestamp: number;
}

export interface SecretSealer {
  seal(plaintext: string, aad: string, keyName?: string): string;
  open(sealed: string, aad: string): { ok: true; plaintext: string } | { ok: false; failure: 'KMSNotFoundException' | 'KMSAccessDeniedException' };
  /** Whether a stored value is sealed at all (rows from before encryption are not). */
  isSealed(value: string): boolean;
  /** Whether a sealed value is under the active key of `keyName` already. */
  isCurrent(sealed: string, keyName?: string): boolean;
  /** The key id a sealed value names. */
  keyIdOf(sealed: string): string | undefined;
}

export interface Store {
  /** Inserts a new function's `$LATEST`; returns false when the name is taken. */
  insertFunction(v: FunctionVersion): Promise<boolean>;
  getVersion(scope: Scope, name: string, version: string): Promise<FunctionVersion | undefined>;
  /**
   * getVersion answered synchronously from the store's own memory, when it can (undefined: ask
   * getVersion). The invoke path tries this first, so a warm invoke waits on no promise for its
   * configuration; a server database's store answers from its cache of recently read versions.
   */
  cachedVersion?(scope: Scope, name: string, version: string): FunctionVersion | undefined;
  /** Replaces an existing version row (the `$LATEST` of an update). */
  putVersion(v: FunctionVersion): Promise<void>;
  /** Deletes a function and all its versions; returns the code and layer hashes no longer referenced. */
  deleteFunction(scope: Scope, name: string): Promise<string[]>;
  /** `$LATEST` of functions in name order, after `afterName` (exclusive). */
  listFunctions(scope: Scope, afterName: string | undefined, limit: number): Promise<FunctionVersion[]>;
  /** Every version of every function (ListFunctions FunctionVersion=ALL), after a position. */
  listAllVersions(scope: Scope, after: { name: string; version: string } | undefined, limit: number): Promise<FunctionVersion[]>;
  /** Function count and total code size in the scope. */
  usage(scope: Scope): Promise<{ functionCount: number; totalCodeSize: number }>;
  /** Whether anything still uses this code: a function version's package or layer, or a layer version. */
  codeInUse(codeSha256: string): Promise<boolean>;
  /** The distinct layer lists of every function version (package hashes, in order): the sets /opt shows. */
  layerSets(): Promise<string[][]>;

  /**
   * Publishes a version atomically: takes the function's next version number (monotonic, never
   * reused while the function exists), builds the row with it and stores it.
   */
  publishVersion(scope: Scope, name: string, build: (version: string) => FunctionVersion): Promise<FunctionVersion>;
  /** `$LATEST` first, then published versions in numeric order, after `afterVersion` (exclusive). */
  listVersions(scope: Scope, name: string, afterVersion: string | undefined, limit: number): Promise<FunctionVersion[]>;
  /** The newest published version, if any. */
  latestPublished(scope: Scope, name: string): Promise<FunctionVersion | undefined>;
  /**
   * Deletes one published version and its settings (a policy on it); returns the hashes of its
   * code and layers that nothing else uses.
   */
  deleteVersion(scope: Scope, name: string, version: string): Promise<string[]>;

  readonly aliases: AliasStore;
  readonly urls: UrlConfigStore;
  readonly routes: RouteStore;
  /** SAM stacks and what each owns. */
  readonly stacks: StackStore;
  /** Reserved concurrency per function. */
  readonly concurrency: ConcurrencyStore;
  /** What the keep-alive policy has learned, to survive restarts. */
  readonly policyState: PolicyStateStore;
  /** Provisioned concurrency configs per function version or alias. */
  readonly provisioned: ProvisionedStore;
  /** Event-source mappings (no foreign key to their function). */
  readonly eventSourceMappings: EventSourceMappingStore;
  /** Layer versions and their permissions. */
  readonly layers: LayerStore;
  /** Tags, policies and the other settings kept beside a function. */
  readonly settings: FunctionSettingsStore;
  readonly codeSigning: CodeSigningConfigStore;

  /**
   * Re-encrypts every stored secret not under its key's active key (after a rotation), then wipes
   * the old ciphertexts from free pages and the WAL; returns how many values were rewritten and
   * the key ids still in use. Absent on stores that keep nothing on disk.
   */
  reencryptSecrets?(): Promise<{ rewritten: number; keyIdsInUse: string[] }>;

  appendLogs(entries: readonly LogEntry[]): Promise<void>;
  /** Log entries of a function with id > afterId, oldest first. */
  readLogs(scope: Scope, functionName: string, afterId: number, limit: number): Promise<StoredLogEntry[]>;
  /** The newest `limit` log entries of a function, oldest first. */
  readLastLogs(scope: Scope, functionName: string, limit: number): Promise<StoredLogEntry[]>;
  /**
   * Deletes a function's oldest log entries beyond its retention: all but the newest `keep`,
   * those before `minTimestamp` (epoch ms), and the oldest ones past `maxBytes` of text in all.
   */
  pruneLogs(scope: Scope, functionName: string, retention: LogRetention): Promise<void>;
  /** The `afterId` from which reading gives the newest `n` entries of a function (0 when it has fewer). */
  tailStart(scope: Scope, functionName: string, n: number): Promise<number>;
  /** The id of the newest log entry of a function (0 when none). */
  lastLogId(scope: Scope, functionName: string): Promise<number>;
  /**
   * The `afterId` from which reading gives every entry of a function stamped at or after
   * `timestamp` (epoch ms): every entry before it is older. Stamps follow ids only roughly, so a
   * reader still checks each entry's; this only saves reading the older ones (CloudWatch's time ranges).
   */
  logStartAt(scope: Scope, functionName: string, timestamp: number): Promise<number>;

  close(): Promise<void>;
}
