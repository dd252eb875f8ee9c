/**
 * The in-memory store: the whole Store contract (types.ts) with exactly the semantics of the
 * SQLite one (sqlite.ts), for tests and for runs that need nothing to survive. The shared suite in
 * test/store holds both to the same behaviour.
 *
 * It models SQLite's tables rather than the API: a function row separate from its version rows
 * (the row keeps the name taken even if every version is gone), a version counter created by the
 * first publish and dropped with the function (so a re-created function numbers from 1 again, as
 * on AWS), child rows tied to the function by foreign key with ON DELETE CASCADE (memory-table.ts),
 * and log ids that are never reused (AUTOINCREMENT). Records are copied in and out as a row's
 * columns are: JSON members through JSON, so `undefined` members vanish as they do in SQLite.
 */
import type { FunctionVersion, Scope } from '../core/model.js';
import {
  MemoryAliasStore,
  MemoryConcurrencyStore,
  MemoryPolicyStateStore,
  MemoryProvisionedStore,
  MemoryRouteStore,
  MemoryStackStore,
  MemoryUrlConfigStore,
} from './memory-features.js';
import { MemoryEventSourceMappingStore } from './memory-esm.js';
import { MemoryCodeSigningConfigStore, MemoryFunctionSettingsStore, MemoryLayerStore } from './memory-layers.js';
import { compareText, keyOf, noFunction, take } from './memory-table.js';
import type { LogEntry, LogRetention, Store, StoredLogEntry } from './types.js';

/** A row of the functions table, with its versions and its version counter. */
interface FunctionRow {
  versions: Map<string, FunctionVersion>;
  /** Set by the first publish; until then the next number is one past the highest version row. */
  nextVersion: number | undefined;
}

/** SQLite's `CAST(version AS INTEGER)`: the leading integer, 0 when there is none. */
function castInteger(s: string): number {
  const n = Number.parseInt(s, 10);
  return Number.isNaN(n) ? 0 : n;
}

/** `$LATEST` before published versions, and those numerically (sqlite.ts's VERSION_ORDER). */
const versionKey = (version: string): number => (version === '$LATEST' ? -1 : castInteger(version));

/** The key of a paging position; `Number` as sqlite.ts binds it (NaN matches nothing there either). */
const afterKey = (version: string | undefined): number => (version === undefined ? -2 : version === '$LATEST' ? -1 : Number(version));

const byVersion = (a: FunctionVersion, b: FunctionVersion): number => versionKey(a.version) - versionKey(b.version);

/** A version as its row holds it: every member through JSON (config and environment are JSON columns). */
const copyVersion = (v: FunctionVersion): FunctionVersion => JSON.parse(JSON.stringify(v)) as FunctionVersion;

/** Freezes a record and its nested objects, as sqlite.ts does with the versions it caches. */
function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(o);
}

/** A version's package and the layers it uses: what it keeps in the code store. */
const codesOf = (v: FunctionVersion): string[] => [v.codeSha256, ...(v.layers ?? []).map((l) => l.codeSha256)];

const copyLog = (e: StoredLogEntry): StoredLogEntry => ({
  id: e.id,
  accountId: e.accountId,
  region: e.region,
  functionName: e.functionName,
  version: e.version,
  requestId: e.requestId,
  timestamp: e.timestamp,
  text: e.text,
});

export class MemoryStore implements Store {
  private readonly functions = new Map<string, FunctionRow>();
  /** Function key -> its log entries in id order. */
  private readonly logs = new Map<string, StoredLogEntry[]>();
  private lastId = 0;

  private readonly exists = (scope: Scope, name: string): boolean => this.functions.has(keyOf(scope.accountId, scope.region, name));
  readonly settings = new MemoryFunctionSettingsStore(this.exists);
  readonly aliases = new MemoryAliasStore(this.exists, (scope, fn, alias) => this.settings.dropQualifier(scope, fn, alias));
  readonly urls = new MemoryUrlConfigStore(this.exists);
  readonly routes = new MemoryRouteStore();
  readonly stacks = new MemoryStackStore();
  readonly concurrency = new MemoryConcurrencyStore(this.exists);
  readonly policyState = new MemoryPolicyStateStore();
  readonly provisioned = new MemoryProvisionedStore(this.exists);
  readonly eventSourceMappings = new MemoryEventSourceMappingStore();
  readonly layers = new MemoryLayerStore();
  readonly codeSigning = new MemoryCodeSigningConfigStore();

  private row(scope: Scope, name: string): FunctionRow | undefined {
    return this.functions.get(keyOf(scope.accountId, scope.region, name));
  }

  /** The function rows of a scope, in name order. */
  private rowsIn(scope: Scope): [string, FunctionRow][] {
    const out: [string, FunctionRow][] = [];
    for (const [k, row] of this.functions) {
      const [accountId, region, name] = k.split('\0') as [string, string, string];
      if (accountId === scope.accountId && region === scope.region) out.push([name, row]);
    }
    return out.sort(([a], [b]) => compareText(a, b));
  }

  async insertFunction(v: FunctionVersion): Promise<boolean> {
    const k = keyOf(v.accountId, v.region, v.name);
    if (this.functions.has(k)) return false;
    this.functions.set(k, { versions: new Map([[v.version, copyVersion(v)]]), nextVersion: undefined });
    return true;
  }

  /** Frozen, as sqlite.ts's cached versions are: a caller that changes one fails here as it would there. */
  async getVersion(scope: Scope, name: string, version: string): Promise<FunctionVersion | undefined> {
    const v = this.row(scope, name)?.versions.get(version);
    return v && deepFreeze(copyVersion(v));
  }

  async putVersion(v: FunctionVersion): Promise<void> {
    const row = this.row(v, v.name);
    if (!row) throw noFunction('a version', v, v.name);
    row.versions.set(v.version, copyVersion(v));
  }

  async deleteFunction(scope: Scope, name: string): Promise<string[]> {
    const row = this.row(scope, name);
    if (!row) return [];
    const versions = [...row.versions.keys()].sort(compareText);
    const codes = [...new Set(versions.flatMap((version) => codesOf(row.versions.get(version)!)))];
    this.functions.delete(keyOf(scope.accountId, scope.region, name));
    for (const child of [this.aliases, this.urls, this.concurrency, this.provisioned, this.settings]) child.dropFunction(scope, name);
    return codes.filter((c) => !this.usesCode(c));
  }

  async listFunctions(scope: Scope, afterName: string | undefined, limit: number): Promise<FunctionVersion[]> {
    const after = afterName ?? '';
    const latest = this.rowsIn(scope).flatMap(([name, row]) => {
      const v = row.versions.get('$LATEST');
      return v && compareText(name, after) > 0 ? [v] : [];
    });
    return take(latest, limit).map(copyVersion);
  }

  async listAllVersions(scope: Scope, after: { name: string; version: string } | undefined, limit: number): Promise<FunctionVersion[]> {
    const name = after?.name ?? '';
    const vkey = afterKey(after?.version);
    const all = this.rowsIn(scope).flatMap(([n, row]) => {
      const d = compareText(n, name);
      if (d < 0) return [];
      return [...row.versions.values()].filter((v) => d > 0 || versionKey(v.version) > vkey).sort(byVersion);
    });
    return take(all, limit).map(copyVersion);
  }

  async usage(scope: Scope): Promise<{ functionCount: number; totalCodeSize: number }> {
    let functionCount = 0;
    let totalCodeSize = 0;
    for (const [, row] of this.rowsIn(scope)) {
      // Counted from version rows, as sqlite.ts's COUNT(DISTINCT name) is.
      if (row.versions.size > 0) functionCount++;
      for (const v of row.versions.values()) totalCodeSize += v.codeSize;
    }
    return { functionCount, totalCodeSize };
  }

  async codeInUse(codeSha256: string): Promise<boolean> {
    return this.usesCode(codeSha256);
  }

  private usesCode(codeSha256: string): boolean {
    for (const row of this.functions.values()) for (const v of row.versions.values()) if (codesOf(v).includes(codeSha256)) return true;
    return this.layers.usesCode(codeSha256);
  }

  async layerSets(): Promise<string[][]> {
    const sets = new Map<string, string[]>();
    for (const row of this.functions.values()) {
      for (const v of row.versions.values()) {
        const shas = (v.layers ?? []).map((l) => l.codeSha256);
        if (shas.length) sets.set(shas.join('\0'), shas);
      }
    }
    return [...sets.values()];
  }

  async publishVersion(scope: Scope, name: string, build: (version: string) => FunctionVersion): Promise<FunctionVersion> {
    const counter = this.row(scope, name);
    const highest = Math.max(0, ...[...(counter?.versions.keys() ?? [])].filter((v) => v !== '$LATEST').map(castInteger));
    const n = counter?.nextVersion ?? highest + 1;
    const v = build(String(n));
    // Both rows are checked before either is written: SQLite runs the two writes in one transaction.
    const target = this.row(v, v.name);
    if (!target) throw noFunction('a version', v, v.name);
    if (!counter) throw noFunction('a version counter', scope, name);
    target.versions.set(v.version, copyVersion(v));
    counter.nextVersion = n + 1;
    return v;
  }

  async listVersions(scope: Scope, name: string, afterVersion: string | undefined, limit: number): Promise<FunctionVersion[]> {
    const after = afterKey(afterVersion);
    const versions = [...(this.row(scope, name)?.versions.values() ?? [])].filter((v) => versionKey(v.version) > after).sort(byVersion);
    return take(versions, limit).map(copyVersion);
  }

  async latestPublished(scope: Scope, name: string): Promise<FunctionVersion | undefined> {
    const published = [...(this.row(scope, name)?.versions.values() ?? [])].filter((v) => v.version !== '$LATEST').sort(byVersion);
    const v = published.at(-1);
    return v && copyVersion(v);
  }

  async deleteVersion(scope: Scope, name: string, version: string): Promise<string[]> {
    const row = this.row(scope, name);
    const v = row?.versions.get(version);
    if (!row || !v) return [];
    row.versions.delete(version);
    this.settings.dropQualifier(scope, name, version);
    return [...new Set(codesOf(v))].filter((c) => !this.usesCode(c));
  }

  async appendLogs(entries: readonly LogEntry[]): Promise<void> {
    for (const e of entries) {
      const k = keyOf(e.accountId, e.region, e.functionName);
      let list = this.logs.get(k);
      if (!list) this.logs.set(k, (list = []));
      list.push(copyLog({ ...e, id: ++this.lastId }));
    }
  }

  private logsOf(scope: Scope, functionName: string): StoredLogEntry[] {
    return this.logs.get(keyOf(scope.accountId, scope.region, functionName)) ?? [];
  }

  async readLogs(scope: Scope, functionName: string, afterId: number, limit: number): Promise<StoredLogEntry[]> {
    return take(this.logsOf(scope, functionName).filter((e) => e.id > afterId), limit).map(copyLog);
  }

  async readLastLogs(scope: Scope, functionName: string, limit: number): Promise<StoredLogEntry[]> {
    const list = this.logsOf(scope, functionName);
    return (limit < 0 ? list : list.slice(Math.max(0, list.length - limit))).map(copyLog);
  }

  async pruneLogs(scope: Scope, functionName: string, retention: LogRetention): Promise<void> {
    const k = keyOf(scope.accountId, scope.region, functionName);
    const list = this.logs.get(k);
    if (!list) return;
    // Newest first: keep while within every limit.
    let bytes = 0;
    let from = list.length;
    while (from > 0) {
      const e = list[from - 1]!;
      bytes += Buffer.byteLength(e.text);
      if (list.length - from >= retention.keep || e.timestamp < retention.minTimestamp || bytes > retention.maxBytes) break;
      from--;
    }
    if (from === list.length) this.logs.delete(k);
    else if (from > 0) this.logs.set(k, list.slice(from));
  }

  async tailStart(scope: Scope, functionName: string, n: number): Promise<number> {
    const list = this.logsOf(scope, functionName);
    return list.length <= n ? 0 : list[list.length - n - 1]!.id;
  }

  async lastLogId(scope: Scope, functionName: string): Promise<number> {
    return this.logsOf(scope, functionName).at(-1)?.id ?? 0;
  }

  async logStartAt(scope: Scope, functionName: string, timestamp: number): Promise<number> {
    const list = this.logsOf(scope, functionName);
    const first = list.find((e) => e.timestamp >= timestamp);
    return first ? first.id - 1 : (list.at(-1)?.id ?? 0);
  }

  async close(): Promise<void> {
    // Nothing to release: the data goes with the object.
  }
}
