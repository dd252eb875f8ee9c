/**
 * Provisioned concurrency (Put/Get/Delete/ListProvisionedConcurrencyConfigs): configs on a
 * published version or an alias, validated with AWS's recorded messages, stored, and turned
 * into pins on the pool (one per function version; an alias's config pins the version it
 * points to). Status is read from the pool, so Get tells how many sandboxes are really there.
 *
 * `sync` reconciles a function's configs with what exists after any change (a version, alias
 * or the function deleted, an alias moved) and is how configs are restored at start-up.
 */
import type { Clock } from '../../core/clock.js';
import { conflict, invalidParameter, NimbusError, notFound, validationError } from '../../core/errors.js';
import type { PoolTarget, ProvisionedState } from '../../pool/types.js';
import type { ProvisionedConfig } from '../../store/records.js';
import { type Store } from '../../store/types.js';
import { functionKey, versionKey, type FunctionVersion, type Scope } from '../../core/model.js';
import { MIN_UNRESERVED } from './reserved.js';
import { functionArn, parseFunctionName, qualifierOf } from '../../core/names.js';
import { decodeMarker, encodeMarker, pageSize } from '../http/paging.js';
import { isObject } from '../http/validate.js';

/** MODEL `Qualifier`: 1..128 characters of this pattern. */
const QUALIFIER = /^(|[a-zA-Z0-9$_-]+)$/;
/** MODEL `MaxProvisionedConcurrencyConfigListItems`: 1..50. */
const PAGE_CAP = 50;

export type ProvisionedStatus = 'IN_PROGRESS' | 'READY' | 'FAILED';

/** A config as the API shows it (GetProvisionedConcurrencyConfigResponse). */
export interface ProvisionedView {
  functionName: string;
  qualifier: string;
  requested: number;
  allocated: number;
  available: number;
  status: ProvisionedStatus;
  statusReason: string | undefined;
  lastModified: number;
}

/** The part of the pool this service drives. */
export interface Provisioner {
  provision(target: PoolTarget, count: number): void;
  provisioned(app: string): ProvisionedState | undefined;
}

export interface ProvisionedDeps {
  store: Store;
  clock: Clock;
  pool: Provisioner;
  /** The pool target of a function version (the invoker builds it, with the sandbox spec). */
  targetOf: (fn: FunctionVersion) => PoolTarget;
  /** Makes the version's code local first (a cluster node fetches it from PostgreSQL); undefined when it is. */
  fetchCode?: (fn: FunctionVersion) => Promise<void> | undefined;
  /** The account's unreserved concurrency now (ConcurrencyService.unreserved). */
  unreserved: (accountId: string) => Promise<number>;
  /** Memory for sandboxes in MB: pinned sandboxes must all fit. */
  capacityMb: number;
}

/** What is pinned for one function version: the target and the count handed to the pool. */
interface Pinned {
  target: PoolTarget;
  count: number;
}

export class ProvisionedService {
  /** Per function key, the versions this service pinned (to release what is no longer wanted). */
  private readonly pinned = new Map<string, Map<string, Pinned>>();

  constructor(private readonly deps: ProvisionedDeps) {}

  /** PutProvisionedConcurrencyConfig: answers IN_PROGRESS; sandboxes start in the background. */
  async put(scope: Scope, rawName: string, queryQualifier: string | undefined, body: unknown): Promise<ProvisionedView> {
    const t = await this.resolve(scope, rawName, queryQualifier, true);
    const v = isObject(body) ? body['ProvisionedConcurrentExecutions'] : undefined;
    const member = 'provisionedConcurrentExecutions';
    if (v === undefined || v === null) throw validationError(null, member, 'Member must not be null');
    if (typeof v !== 'number' || !Number.isInteger(v)) throw validationError(v, member, 'Member must be an integer');
    if (v < 1) throw validationError(v, member, 'Member must have value greater than or equal to 1');
    await this.checkOverlap(scope, t.fnName, t.qualifier, t.version);
    await this.checkLimits(scope, t.fnName, t.qualifier, v);
    await this.checkMemory(scope, t.fnName, t.qualifier, v, t.fn);
    const config: ProvisionedConfig = { ...scope, functionName: t.fnName, qualifier: t.qualifier, requested: v, lastModified: this.deps.clock.now() };
    await this.deps.store.provisioned.put(config);
    // A Put is a fresh attempt: it also clears an earlier init failure (pool.provision does).
    await this.sync(scope, t.fnName, t.version);
    return { ...this.view(config, t.fn), status: 'IN_PROGRESS', statusReason: undefined };
  }

  async get(scope: Scope, rawName: string, queryQualifier: string | undefined): Promise<ProvisionedView> {
    const t = await this.resolve(scope, rawName, queryQualifier, false);
    const config = await this.deps.store.provisioned.get(scope, t.fnName, t.qualifier);
    if (!config) throw new NimbusError('ERR_PROVISIONED_CONFIG_NOT_FOUND', 'No Provisioned Concurrency Config found for this function');
    return this.view(config, t.fn);
  }

  /** DeleteProvisionedConcurrencyConfig: 204 even when there was no config (AWS does the same). */
  async delete(scope: Scope, rawName: string, queryQualifier: string | undefined): Promise<void> {
    const t = await this.resolve(scope, rawName, queryQualifier, false);
    if (await this.deps.store.provisioned.delete(scope, t.fnName, t.qualifier)) await this.sync(scope, t.fnName);
  }

  async list(scope: Scope, rawName: string, marker: string | undefined, maxItems: string | undefined): Promise<{ configs: ProvisionedView[]; nextMarker: string | undefined }> {
    const ref = parseFunctionName(rawName);
    if (!await this.deps.store.getVersion(scope, ref.name, '$LATEST')) throw notFound(`Function not found: ${functionArn(scope, ref.name)}`);
    if (maxItems !== undefined && Number(maxItems) > PAGE_CAP) {
      throw validationError(maxItems, 'maxItems', `Member must have value less than or equal to ${PAGE_CAP}`);
    }
    const limit = pageSize(maxItems, PAGE_CAP);
    const after = decodeMarker(marker, /^[a-zA-Z0-9$_-]{1,128}$/);
    const all = (await this.deps.store.provisioned.list(scope, ref.name)).filter((c) => after === undefined || c.qualifier > after);
    const page = await Promise.all(all.slice(0, limit).map(async (c) => this.view(c, await this.versionOf(c))));
    return { configs: page, nextMarker: all.length > limit ? encodeMarker(page[page.length - 1]!.qualifier) : undefined };
  }

  /** The sum of a function's provisioned concurrency (PutFunctionConcurrency may not go below it). */
  async total(scope: Scope, fnName: string): Promise<number> {
    return (await this.deps.store.provisioned.list(scope, fnName)).reduce((s, c) => s + c.requested, 0);
  }

  /** Pins every stored config's sandboxes (at start-up). */
  async restoreAll(accountId: string): Promise<void> {
    const seen = new Set<string>();
    for (const c of await this.deps.store.provisioned.all(accountId)) {
      const key = functionKey(c, c.functionName);
      if (seen.has(key)) continue;
      seen.add(key);
      await this.sync(c, c.functionName);
    }
  }

  /**
   * Reconciles a function's configs with what exists and hands the pool one pin per version:
   * configs whose version or alias is gone are deleted, pins nobody wants any more released.
   * `fresh` names a version whose pin is set again even if unchanged (a new Put).
   */
  async sync(scope: Scope, fnName: string, fresh?: string): Promise<void> {
    const wanted = new Map<string, { fn: FunctionVersion; count: number }>();
    for (const c of await this.deps.store.provisioned.list(scope, fnName)) {
      const fn = await this.versionOf(c);
      if (!fn) {
        await this.deps.store.provisioned.delete(scope, fnName, c.qualifier);
        continue;
      }
      const app = versionKey(fn);
      wanted.set(app, { fn, count: (wanted.get(app)?.count ?? 0) + c.requested });
    }
    const key = functionKey(scope, fnName);
    const before = this.pinned.get(key) ?? new Map<string, Pinned>();
    const after = new Map<string, Pinned>();
    for (const [app, p] of before) if (!wanted.has(app)) this.deps.pool.provision(p.target, 0);
    for (const [app, w] of wanted) {
      const old = before.get(app);
      await this.deps.fetchCode?.(w.fn);
      const target = this.deps.targetOf(w.fn);
      if (!old || old.count !== w.count || old.target.generation !== target.generation || w.fn.version === fresh) {
        this.deps.pool.provision(target, w.count);
      }
      after.set(app, { target, count: w.count });
    }
    if (after.size > 0) this.pinned.set(key, after);
    else this.pinned.delete(key);
  }

  /** The function version a stored config pins now, if its version or alias still exists. */
  private async versionOf(c: ProvisionedConfig): Promise<FunctionVersion | undefined> {
    let version = c.qualifier;
    if (!/^[0-9]+$/.test(version)) {
      const alias = await this.deps.store.aliases.get(c, c.functionName, c.qualifier);
      if (!alias || alias.functionVersion === '$LATEST') return undefined;
      version = alias.functionVersion;
    }
    return this.deps.store.getVersion(c, c.functionName, version);
  }

  private view(c: ProvisionedConfig, fn: FunctionVersion | undefined): ProvisionedView {
    const state = fn ? this.deps.pool.provisioned(versionKey(fn)) : undefined;
    const allocated = Math.min(c.requested, state?.allocated ?? 0);
    const failure = state?.failure;
    return {
      functionName: c.functionName,
      qualifier: c.qualifier,
      requested: c.requested,
      allocated,
      // Nimbus has no weighted split of provisioned sandboxes between versions: every allocated one is available.
      available: allocated,
      status: failure !== undefined ? 'FAILED' : allocated >= c.requested ? 'READY' : 'IN_PROGRESS',
      statusReason: failure,
      lastModified: c.lastModified,
    };
  }

  /** Resolves FunctionName + Qualifier to a published version, with AWS's recorded errors. */
  private async resolve(
    scope: Scope,
    rawName: string,
    queryQualifier: string | undefined,
    isPut: boolean,
  ): Promise<{ fnName: string; qualifier: string; version: string; fn: FunctionVersion }> {
    const ref = parseFunctionName(rawName);
    const qualifier = qualifierOf(ref, queryQualifier);
    if (qualifier === undefined) throw validationError(null, 'qualifier', 'Member must not be null');
    if (qualifier.length > 128) throw validationError(qualifier, 'qualifier', 'Member must have length less than or equal to 128');
    if (!QUALIFIER.test(qualifier)) throw validationError(qualifier, 'qualifier', `Member must satisfy regular expression pattern: ${QUALIFIER.source}`);
    const unpublished = (): NimbusError =>
      invalidParameter(
        isPut
          ? 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.'
          : 'The function resource provided must be an alias or a published version.',
      );
    if (qualifier === '$LATEST') throw unpublished();
    let version = qualifier;
    if (!/^[0-9]+$/.test(qualifier)) {
      const alias = await this.deps.store.aliases.get(scope, ref.name, qualifier);
      if (!alias) throw notFound(`Cannot find alias arn: ${functionArn(scope, ref.name, qualifier)}`);
      if (alias.functionVersion === '$LATEST') throw unpublished();
      version = alias.functionVersion;
    }
    const fn = await this.deps.store.getVersion(scope, ref.name, version);
    if (!fn) throw notFound(`Function not found: ${functionArn(scope, ref.name, qualifier)}`);
    return { fnName: ref.name, qualifier, version, fn };
  }

  /** One config per version: AWS refuses a version config under a provisioned alias and the reverse. */
  private async checkOverlap(scope: Scope, fnName: string, qualifier: string, version: string): Promise<void> {
    const isAlias = !/^[0-9]+$/.test(qualifier);
    for (const c of await this.deps.store.provisioned.list(scope, fnName)) {
      if (c.qualifier === qualifier) continue;
      const cIsAlias = !/^[0-9]+$/.test(c.qualifier);
      if ((await this.versionOf(c))?.version !== version) continue;
      if (!isAlias && cIsAlias) throw conflict('Version is pointed by a Provisioned Concurrency alias');
      if (isAlias) throw conflict("Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version");
    }
  }

  /**
   * AWS's limits: within the function's reserved concurrency when it has one, else out of the
   * account's unreserved pool, which must keep its minimum of 100.
   */
  private async checkLimits(scope: Scope, fnName: string, qualifier: string, requested: number): Promise<void> {
    const { store } = this.deps;
    const reserved = await store.concurrency.get(scope, fnName);
    if (reserved !== undefined) {
      const others = (await store.provisioned.list(scope, fnName)).filter((c) => c.qualifier !== qualifier);
      if (others.reduce((s, c) => s + c.requested, 0) + requested > reserved) {
        throw invalidParameter('Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function');
      }
      return;
    }
    // The pool as it would be without this config's current value (a Put replaces it).
    const unreserved = (await this.deps.unreserved(scope.accountId)) + ((await store.provisioned.get(scope, fnName, qualifier))?.requested ?? 0);
    if (requested > unreserved) {
      throw invalidParameter(`Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [${unreserved}].`);
    }
    if (unreserved - requested < MIN_UNRESERVED) {
      throw invalidParameter(
        `Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${MIN_UNRESERVED}].`,
      );
    }
  }

  /**
   * Nimbus's own limit (AWS has none like it): every pinned sandbox must fit the node's memory
   * for sandboxes, or the config would stay IN_PROGRESS for ever.
   */
  private async checkMemory(scope: Scope, fnName: string, qualifier: string, requested: number, fn: FunctionVersion): Promise<void> {
    let pinnedMb = requested * fn.memorySize;
    for (const c of await this.deps.store.provisioned.all(scope.accountId)) {
      if (sameConfig(c, scope, fnName, qualifier)) continue;
      pinnedMb += c.requested * ((await this.versionOf(c))?.memorySize ?? 0);
    }
    if (pinnedMb > this.deps.capacityMb) {
      throw invalidParameter(
        `Provisioned concurrency of ${requested} x ${fn.memorySize} MB does not fit: provisioned sandboxes would need ${pinnedMb} MB of the ${this.deps.capacityMb} MB Nimbus has for sandboxes.`,
      );
    }
  }
}

function sameConfig(c: ProvisionedConfig, scope: Scope, fnName: string, qualifier: string): boolean {
  return c.accountId === scope.accountId && c.region === scope.region && c.functionName === fnName && c.qualifier === qualifier;
}
