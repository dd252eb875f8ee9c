/**
 * The in-memory layer versions, function settings and code signing configs: the twins of
 * sqlite-layers.ts, sqlite-settings.ts and sqlite-code-signing.ts, quirks included (a layer's
 * counter outlives its versions; settings go with their function, version or alias), copying
 * every record in and out as a row's columns do.
 */
import { NimbusError } from '../core/errors.js';
import type { Scope } from '../core/model.js';
import { compareText, FunctionChildTable, keyOf, take, type FunctionExists } from './memory-table.js';
import type { CodeSigningConfigRecord, FunctionSetting, FunctionSettingKind, LayerVersionRecord } from './records.js';
import type { CodeSigningConfigStore, FunctionSettingsStore, LayerStore } from './types.js';

/** A JSON column: written as text, read back as a fresh value; undefined stays NULL. */
const viaJson = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

const copyLayer = (v: LayerVersionRecord): LayerVersionRecord => ({
  accountId: v.accountId,
  region: v.region,
  layerName: v.layerName,
  version: v.version,
  description: v.description,
  compatibleRuntimes: viaJson(v.compatibleRuntimes),
  compatibleArchitectures: viaJson(v.compatibleArchitectures),
  licenseInfo: v.licenseInfo,
  codeSha256: v.codeSha256,
  codeSize: v.codeSize,
  createdAt: v.createdAt,
  policy: viaJson(v.policy),
});

export class MemoryLayerStore implements LayerStore {
  /** Layer key -> version -> record. */
  private readonly layers = new Map<string, Map<number, LayerVersionRecord>>();
  private readonly counters = new Map<string, number>();

  async publish(scope: Scope, layerName: string, build: (version: number) => LayerVersionRecord): Promise<LayerVersionRecord> {
    const k = keyOf(scope.accountId, scope.region, layerName);
    const n = this.counters.get(k) ?? 1;
    const v = build(n);
    // The primary key is the record's own, as SQLite's INSERT takes it.
    const rk = keyOf(v.accountId, v.region, v.layerName);
    let versions = this.layers.get(rk);
    if (versions?.has(v.version)) throw new NimbusError('ERR_INTERNAL', `UNIQUE constraint failed: layer_versions (${rk} ${v.version})`);
    if (!versions) this.layers.set(rk, (versions = new Map()));
    versions.set(v.version, copyLayer(v));
    this.counters.set(k, n + 1);
    return v;
  }

  async get(scope: Scope, layerName: string, version: number): Promise<LayerVersionRecord | undefined> {
    const v = this.layers.get(keyOf(scope.accountId, scope.region, layerName))?.get(version);
    return v && copyLayer(v);
  }

  async versions(scope: Scope, layerName: string, beforeVersion: number | undefined, limit: number): Promise<LayerVersionRecord[]> {
    const before = beforeVersion ?? Number.MAX_SAFE_INTEGER;
    const all = [...(this.layers.get(keyOf(scope.accountId, scope.region, layerName))?.values() ?? [])];
    return take(all.filter((v) => v.version < before).sort((a, b) => b.version - a.version), limit).map(copyLayer);
  }

  async names(scope: Scope, afterName: string | undefined, limit: number): Promise<string[]> {
    const names: string[] = [];
    for (const [k, versions] of this.layers) {
      const [accountId, region, name] = k.split('\0') as [string, string, string];
      if (accountId === scope.accountId && region === scope.region && versions.size > 0 && compareText(name, afterName ?? '') > 0) names.push(name);
    }
    return take(names.sort(compareText), limit);
  }

  async delete(scope: Scope, layerName: string, version: number): Promise<boolean> {
    return this.layers.get(keyOf(scope.accountId, scope.region, layerName))?.delete(version) ?? false;
  }

  async putPolicy(scope: Scope, layerName: string, version: number, policy: LayerVersionRecord['policy']): Promise<boolean> {
    const v = this.layers.get(keyOf(scope.accountId, scope.region, layerName))?.get(version);
    if (!v) return false;
    v.policy = viaJson(policy);
    return true;
  }

  async codeInUse(codeSha256: string): Promise<boolean> {
    return this.usesCode(codeSha256);
  }

  /** codeInUse without the promise, for the function store's own checks. */
  usesCode(codeSha256: string): boolean {
    for (const versions of this.layers.values()) for (const v of versions.values()) if (v.codeSha256 === codeSha256) return true;
    return false;
  }
}

interface SettingRow {
  functionName: string;
  qualifier: string;
  kind: FunctionSettingKind;
  /** The value as its JSON column holds it. */
  json: string;
}

export class MemoryFunctionSettingsStore implements FunctionSettingsStore {
  private readonly table: FunctionChildTable<SettingRow & Scope>;

  constructor(exists: FunctionExists) {
    this.table = new FunctionChildTable(exists, 'a function setting');
  }

  async get(scope: Scope, functionName: string, qualifier: string, kind: FunctionSettingKind): Promise<unknown> {
    const r = this.table.get(scope, functionName, keyOf(qualifier, kind));
    return r === undefined ? undefined : (JSON.parse(r.json) as unknown);
  }

  async put(scope: Scope, functionName: string, qualifier: string, kind: FunctionSettingKind, value: unknown): Promise<void> {
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) throw new NimbusError('ERR_INTERNAL', 'NOT NULL constraint failed: function_settings.value');
    this.table.set(scope, functionName, keyOf(qualifier, kind), { accountId: scope.accountId, region: scope.region, functionName, qualifier, kind, json });
  }

  async delete(scope: Scope, functionName: string, qualifier: string, kind: FunctionSettingKind): Promise<boolean> {
    return this.table.delete(scope, functionName, keyOf(qualifier, kind));
  }

  async all(scope: Scope, kind: FunctionSettingKind): Promise<FunctionSetting[]> {
    return [...this.table.all()]
      .filter((r) => r.accountId === scope.accountId && r.region === scope.region && r.kind === kind)
      .sort((a, b) => compareText(a.functionName, b.functionName) || compareText(a.qualifier, b.qualifier))
      .map((r) => ({ functionName: r.functionName, qualifier: r.qualifier, value: JSON.parse(r.json) as unknown }));
  }

  /** sqlite-settings.ts's triggers: a deleted version or alias takes its settings with it. */
  dropQualifier(scope: Scope, functionName: string, qualifier: string): void {
    for (const r of this.table.rowsOf(scope, functionName)) {
      if (r.qualifier === qualifier) this.table.delete(scope, functionName, keyOf(qualifier, r.kind));
    }
  }

  dropFunction(scope: Scope, name: string): void {
    this.table.dropFunction(scope, name);
  }
}

const copyCsc = (c: CodeSigningConfigRecord): CodeSigningConfigRecord => ({
  accountId: c.accountId,
  region: c.region,
  id: c.id,
  description: c.description,
  signingProfileVersionArns: viaJson(c.signingProfileVersionArns),
  policy: c.policy,
  lastModified: c.lastModified,
  tags: viaJson(c.tags),
});

export class MemoryCodeSigningConfigStore implements CodeSigningConfigStore {
  private readonly rows = new Map<string, CodeSigningConfigRecord>();

  async insert(c: CodeSigningConfigRecord): Promise<void> {
    const k = keyOf(c.accountId, c.region, c.id);
    if (this.rows.has(k)) throw new NimbusError('ERR_INTERNAL', `UNIQUE constraint failed: code_signing_configs (${c.id})`);
    this.rows.set(k, copyCsc(c));
  }

  async get(scope: Scope, id: string): Promise<CodeSigningConfigRecord | undefined> {
    const c = this.rows.get(keyOf(scope.accountId, scope.region, id));
    return c && copyCsc(c);
  }

  async put(c: CodeSigningConfigRecord): Promise<void> {
    this.rows.set(keyOf(c.accountId, c.region, c.id), copyCsc(c));
  }

  async delete(scope: Scope, id: string): Promise<boolean> {
    return this.rows.delete(keyOf(scope.accountId, scope.region, id));
  }

  async list(scope: Scope, afterId: string | undefined, limit: number): Promise<CodeSigningConfigRecord[]> {
    const all = [...this.rows.values()].filter((c) => c.accountId === scope.accountId && c.region === scope.region && compareText(c.id, afterId ?? '') > 0);
    return take(all.sort((a, b) => compareText(a.id, b.id)), limit).map(copyCsc);
  }
}
