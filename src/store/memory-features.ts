/**
 * The in-memory sub-stores: aliases, function URL configs, APIs and routes, stacks, reserved and provisioned
 * concurrency, policy state. Each mirrors its sqlite-*.ts twin, quirks included (an insert that
 * is ignored on any conflict, a put that replaces, orders, the foreign key to the function), and
 * copies every record in and out the way a row's columns do, so a caller never holds the store's
 * own object.
 */
import { NimbusError } from '../core/errors.js';
import type { Scope } from '../core/model.js';
import { compareText, FunctionChildTable, keyOf, take, type FunctionExists } from './memory-table.js';
import type { AliasRecord, ApiRecord, ProvisionedConfig, ReservedConcurrency, RouteRecord, StackRecord, UrlConfigRecord } from './records.js';
import type { AliasStore, ConcurrencyStore, PolicyStateStore, ProvisionedStore, RouteStore, StackStore, UrlConfigStore } from './types.js';

/** A JSON column: written as text, read back as a fresh value. */
const viaJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** SQLite's NOT NULL columns: a record missing one is refused, as there. */
function required<T extends object>(table: string, r: T, keys: readonly (keyof T)[]): void {
  for (const k of keys) if (r[k] === null || r[k] === undefined) throw new Error(`NOT NULL constraint failed: ${table}.${String(k)}`);
}

const copyAlias = (a: AliasRecord): AliasRecord => ({
  accountId: a.accountId,
  region: a.region,
  functionName: a.functionName,
  name: a.name,
  functionVersion: a.functionVersion,
  description: a.description,
  weights: viaJson(a.weights),
  revisionId: a.revisionId,
});

export class MemoryAliasStore implements AliasStore {
  private readonly table: FunctionChildTable<AliasRecord>;

  constructor(
    exists: FunctionExists,
    /** What sqlite-settings.ts's trigger does when an alias row is deleted. */
    private readonly onDelete: (scope: Scope, functionName: string, name: string) => void = () => undefined,
  ) {
    this.table = new FunctionChildTable(exists, 'an alias');
  }

  async insert(a: AliasRecord): Promise<boolean> {
    required('aliases', a, ['functionName', 'name', 'functionVersion', 'description', 'weights', 'revisionId']);
    if (this.table.get(a, a.functionName, a.name)) return false;
    this.table.set(a, a.functionName, a.name, copyAlias(a));
    return true;
  }

  async get(scope: Scope, functionName: string, name: string): Promise<AliasRecord | undefined> {
    const a = this.table.get(scope, functionName, name);
    return a && copyAlias(a);
  }

  async put(a: AliasRecord): Promise<void> {
    this.table.set(a, a.functionName, a.name, copyAlias(a));
  }

  async delete(scope: Scope, functionName: string, name: string): Promise<boolean> {
    if (!this.table.delete(scope, functionName, name)) return false;
    this.onDelete(scope, functionName, name);
    return true;
  }

  async list(scope: Scope, functionName: string, afterName: string | undefined, limit: number): Promise<AliasRecord[]> {
    const after = afterName ?? '';
    return take(this.table.rowsOf(scope, functionName).filter((a) => compareText(a.name, after) > 0), limit).map(copyAlias);
  }

  async referencing(scope: Scope, functionName: string, version: string): Promise<AliasRecord[]> {
    return this.table
      .rowsOf(scope, functionName)
      .filter((a) => a.functionVersion === version || a.weights[version] !== undefined)
      .map(copyAlias);
  }

  dropFunction(scope: Scope, name: string): void {
    this.table.dropFunction(scope, name);
  }
}

const copyUrl = (u: UrlConfigRecord): UrlConfigRecord => ({
  accountId: u.accountId,
  region: u.region,
  functionName: u.functionName,
  qualifier: u.qualifier,
  urlId: u.urlId,
  authType: u.authType,
  cors: u.cors === undefined ? undefined : viaJson(u.cors),
  invokeMode: u.invokeMode,
  createdAt: u.createdAt,
  modifiedAt: u.modifiedAt,
});

export class MemoryUrlConfigStore implements UrlConfigStore {
  private readonly table: FunctionChildTable<UrlConfigRecord>;

  constructor(exists: FunctionExists) {
    this.table = new FunctionChildTable(exists, 'a function URL config');
  }

  private withUrlId(urlId: string): UrlConfigRecord | undefined {
    for (const u of this.table.all()) if (u.urlId === urlId) return u;
    return undefined;
  }

  /** As in SQLite, a taken URL id (it is UNIQUE) also makes this false. */
  async insert(u: UrlConfigRecord): Promise<boolean> {
    required('url_configs', u, ['functionName', 'qualifier', 'urlId', 'authType', 'invokeMode', 'createdAt', 'modifiedAt']);
    if (this.table.get(u, u.functionName, u.qualifier) || this.withUrlId(u.urlId)) return false;
    this.table.set(u, u.functionName, u.qualifier, copyUrl(u));
    return true;
  }

  async get(scope: Scope, functionName: string, qualifier: string): Promise<UrlConfigRecord | undefined> {
    const u = this.table.get(scope, functionName, qualifier);
    return u && copyUrl(u);
  }

  async byUrlId(urlId: string): Promise<UrlConfigRecord | undefined> {
    const u = this.withUrlId(urlId);
    return u && copyUrl(u);
  }

  /** As in SQLite, a URL id held by another config is refused (it is UNIQUE), never taken from it. */
  async put(u: UrlConfigRecord): Promise<void> {
    const other = this.withUrlId(u.urlId);
    if (other && (other.accountId !== u.accountId || other.region !== u.region || other.functionName !== u.functionName || other.qualifier !== u.qualifier)) {
      throw new Error(`UNIQUE constraint failed: url_configs.url_id (${u.urlId})`);
    }
    this.table.set(u, u.functionName, u.qualifier, copyUrl(u));
  }

  async delete(scope: Scope, functionName: string, qualifier: string): Promise<boolean> {
    return this.table.delete(scope, functionName, qualifier);
  }

  async list(scope: Scope, functionName: string): Promise<UrlConfigRecord[]> {
    return this.table.rowsOf(scope, functionName).map(copyUrl);
  }

  dropFunction(scope: Scope, name: string): void {
    this.table.dropFunction(scope, name);
  }
}

/** Routes have no foreign key (sqlite-routes.ts says why): they outlive their function. */
export class MemoryRouteStore implements RouteStore {
  /** Stack key -> `apiId\0method\0path` -> route. */
  private readonly stacks = new Map<string, Map<string, RouteRecord>>();
  /** Stack key -> logical id -> API. */
  private readonly stackApis = new Map<string, Map<string, ApiRecord>>();

  async replaceStack(scope: Scope, stack: string, routes: readonly RouteRecord[], apis?: readonly ApiRecord[]): Promise<void> {
    const rows = new Map<string, RouteRecord>();
    // The scope and stack come from the arguments, not the records; a repeated (api, method, path) replaces.
    for (const r of routes) {
      required('api_routes', r, ['apiId', 'method', 'path', 'functionName', 'qualifier', 'payloadFormatVersion']);
      rows.set(keyOf(r.apiId, r.method, r.path), {
        accountId: scope.accountId,
        region: scope.region,
        stack,
        apiId: r.apiId,
        method: r.method,
        path: r.path,
        functionName: r.functionName,
        qualifier: r.qualifier,
        payloadFormatVersion: r.payloadFormatVersion === '1.0' ? '1.0' : '2.0',
        authorizer: r.authorizer ?? '',
        ...(r.integration ? { integration: structuredClone(r.integration) } : {}),
        ...(r.validation ? { validation: structuredClone(r.validation) } : {}),
        ...(r.mapping ? { mapping: structuredClone(r.mapping) } : {}),
      });
    }
    const k = keyOf(scope.accountId, scope.region, stack);
    if (apis !== undefined) {
      const byId = new Map<string, ApiRecord>();
      for (const a of apis) {
        required('apis', a, ['logicalId', 'apiId', 'type', 'stage']);
        byId.set(a.logicalId, { ...copyApi(a), accountId: scope.accountId, region: scope.region, stack });
      }
      if (byId.size === 0) this.stackApis.delete(k);
      else this.stackApis.set(k, byId);
    }
    if (rows.size === 0) this.stacks.delete(k);
    else this.stacks.set(k, rows);
  }

  async all(): Promise<RouteRecord[]> {
    const order = ['accountId', 'region', 'stack', 'path', 'method', 'apiId'] as const;
    return [...this.stacks.values()]
      .flatMap((rows) => [...rows.values()])
      .sort((a, b) => order.reduce((d, f) => d || compareText(a[f], b[f]), 0))
      .map((r) => ({ ...r }));
  }

  async apis(): Promise<ApiRecord[]> {
    const order: (keyof ApiRecord)[] = ['accountId', 'region', 'stack', 'logicalId'];
    return [...this.stackApis.values()]
      .flatMap((rows) => [...rows.values()])
      .sort((a, b) => order.reduce((d, f) => d || compareText(String(a[f]), String(b[f])), 0))
      .map(copyApi);
  }
}

const copyApi = (a: ApiRecord): ApiRecord => ({
  accountId: a.accountId,
  region: a.region,
  stack: a.stack,
  logicalId: a.logicalId,
  apiId: a.apiId,
  type: a.type === 'REST' ? 'REST' : 'HTTP',
  stage: a.stage,
  cors: a.cors === undefined ? undefined : viaJson(a.cors),
  authorizers: a.authorizers === undefined ? undefined : viaJson(a.authorizers),
});

const copyStack = (s: StackRecord): StackRecord => ({
  accountId: s.accountId,
  region: s.region,
  name: s.name,
  stackId: s.stackId,
  status: s.status,
  statusReason: s.statusReason,
  description: s.description,
  parameters: viaJson(s.parameters),
  outputs: viaJson(s.outputs),
  resources: viaJson(s.resources),
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
  ...(s.deployedWith ? { deployedWith: viaJson(s.deployedWith) } : {}),
});

/** Stacks have no foreign keys either (sqlite-stacks.ts says why). */
export class MemoryStackStore implements StackStore {
  private readonly rows = new Map<string, StackRecord>();

  async get(scope: Scope, name: string): Promise<StackRecord | undefined> {
    const s = this.rows.get(keyOf(scope.accountId, scope.region, name));
    return s && copyStack(s);
  }

  async put(s: StackRecord): Promise<void> {
    required('stacks', s, ['name', 'stackId', 'status', 'statusReason', 'description', 'parameters', 'outputs', 'resources', 'createdAt', 'updatedAt']);
    this.rows.set(keyOf(s.accountId, s.region, s.name), copyStack(s));
  }

  async delete(scope: Scope, name: string): Promise<boolean> {
    return this.rows.delete(keyOf(scope.accountId, scope.region, name));
  }

  async list(scope: Scope): Promise<StackRecord[]> {
    return [...this.rows.values()]
      .filter((s) => s.accountId === scope.accountId && s.region === scope.region)
      .sort((a, b) => compareText(a.name, b.name))
      .map(copyStack);
  }
}

export class MemoryConcurrencyStore implements ConcurrencyStore {
  private readonly table: FunctionChildTable<ReservedConcurrency>;

  constructor(exists: FunctionExists) {
    this.table = new FunctionChildTable(exists, 'a concurrency reservation');
  }

  async get(scope: Scope, name: string): Promise<number | undefined> {
    return this.table.get(scope, name, '')?.reserved;
  }

  async set(scope: Scope, name: string, reserved: number | undefined): Promise<void> {
    if (reserved === undefined) this.table.delete(scope, name, '');
    else this.table.set(scope, name, '', { accountId: scope.accountId, region: scope.region, name, reserved });
  }

  /** In (region, name) order, the order SQLite's primary-key index yields. */
  async all(accountId: string): Promise<ReservedConcurrency[]> {
    return [...this.table.all()]
      .filter((r) => r.accountId === accountId)
      .sort((a, b) => compareText(a.region, b.region) || compareText(a.name, b.name))
      .map((r) => ({ ...r }));
  }

  dropFunction(scope: Scope, name: string): void {
    this.table.dropFunction(scope, name);
  }
}

export class MemoryPolicyStateStore implements PolicyStateStore {
  /** Policy name -> the state as JSON text, so that what is read back is a fresh value. */
  private readonly states = new Map<string, { json: string; at: number }>();

  async get(name: string): Promise<unknown> {
    const s = this.states.get(name);
    return s === undefined ? undefined : (JSON.parse(s.json) as unknown);
  }

  async put(name: string, state: unknown, at: number): Promise<void> {
    const json = JSON.stringify(state) as string | undefined;
    // SQLite's NOT NULL column refuses what JSON cannot hold (undefined, a function).
    if (json === undefined) throw new NimbusError('ERR_INTERNAL', `policy state ${name} is not JSON`);
    this.states.set(name, { json, at });
  }
}

export class MemoryProvisionedStore implements ProvisionedStore {
  private readonly table: FunctionChildTable<ProvisionedConfig>;

  constructor(exists: FunctionExists) {
    this.table = new FunctionChildTable(exists, 'a provisioned concurrency config');
  }

  async get(scope: Scope, functionName: string, qualifier: string): Promise<ProvisionedConfig | undefined> {
    const c = this.table.get(scope, functionName, qualifier);
    return c && { ...c };
  }

  async put(c: ProvisionedConfig): Promise<void> {
    const row = { accountId: c.accountId, region: c.region, functionName: c.functionName, qualifier: c.qualifier, requested: c.requested, lastModified: c.lastModified };
    this.table.set(c, c.functionName, c.qualifier, row);
  }

  async delete(scope: Scope, functionName: string, qualifier: string): Promise<boolean> {
    return this.table.delete(scope, functionName, qualifier);
  }

  async list(scope: Scope, functionName: string): Promise<ProvisionedConfig[]> {
    return this.table.rowsOf(scope, functionName).map((c) => ({ ...c }));
  }

  async all(accountId: string): Promise<ProvisionedConfig[]> {
    return [...this.table.all()]
      .filter((c) => c.accountId === accountId)
      .sort((a, b) => compareText(a.region, b.region) || compareText(a.functionName, b.functionName) || compareText(a.qualifier, b.qualifier))
      .map((c) => ({ ...c }));
  }

  dropFunction(scope: Scope, name: string): void {
    this.table.dropFunction(scope, name);
  }
}
