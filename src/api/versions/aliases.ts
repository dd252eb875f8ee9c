/**
 * Aliases (docs/reference/lambda-api.md §1.4.4): named pointers to a published version, with at most one
 * additional version that receives a weighted share of invocations. Messages follow AWS's
 * recorded ones (§1.2).
 */
import { randomUUID } from 'node:crypto';
import { conflict, invalidParameter, NimbusError, notFound, validationError } from '../../core/errors.js';
import type { AliasRecord } from '../../store/records.js';
import type { Store } from '../../store/types.js';
import type { Scope } from '../../core/model.js';
import { functionArn, parseFunctionName } from '../../core/names.js';
import { decodeMarker, encodeMarker, pageSize } from '../http/paging.js';
import { isObject, optionalString } from '../http/validate.js';

const ALIAS_NAME = /^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$/;
const VERSION = /^(\$LATEST|[0-9]+)$/;
const PAGE_CAP = 50;

export interface AliasPage {
  aliases: AliasRecord[];
  nextMarker: string | undefined;
}

/** Java's rendering of a double, as AWS prints weights in messages (`2.0`, `0.5`). */
const javaDouble = (n: number): string => (Number.isInteger(n) ? n.toFixed(1) : String(n));

export class AliasService {
  constructor(private readonly deps: { store: Store; onChange?: (scope: Scope, functionName: string) => Promise<void> }) {}

  async create(scope: Scope, rawName: string, body: unknown): Promise<AliasRecord> {
    const b = this.object(body);
    const fnName = await this.functionName(scope, rawName);
    const name = checkAliasName(b['Name']);
    const version = await this.checkVersion(scope, fnName, b['FunctionVersion']);
    const weights = await this.checkRouting(scope, fnName, version, b['RoutingConfig']);
    const alias: AliasRecord = {
      ...scope,
      functionName: fnName,
      name,
      functionVersion: version,
      description: optionalString(b, 'Description', 'description', 256) ?? '',
      weights,
      revisionId: randomUUID(),
    };
    if (!await this.deps.store.aliases.insert(alias)) throw conflict(`Alias already exists: ${functionArn(scope, fnName, name)}`);
    return alias;
  }

  async get(scope: Scope, rawName: string, name: string): Promise<AliasRecord> {
    const fnName = await this.functionName(scope, rawName);
    const alias = await this.deps.store.aliases.get(scope, fnName, name);
    if (!alias) throw notFound(`Cannot find alias arn: ${functionArn(scope, fnName, name)}`);
    return alias;
  }

  async update(scope: Scope, rawName: string, name: string, body: unknown): Promise<AliasRecord> {
    const b = this.object(body);
    const fnName = await this.functionName(scope, rawName);
    const current = await this.deps.store.aliases.get(scope, fnName, name);
    if (!current) throw notFound(`Alias not found: ${functionArn(scope, fnName, name)}`);
    const rev = optionalString(b, 'RevisionId', 'revisionId', 1024);
    if (rev !== undefined && rev !== current.revisionId) {
      throw new NimbusError(
        'ERR_PRECONDITION_FAILED',
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      );
    }
    const version = b['FunctionVersion'] === undefined ? current.functionVersion : await this.checkVersion(scope, fnName, b['FunctionVersion']);
    const weights =
      b['RoutingConfig'] === undefined
        ? await this.checkRouting(scope, fnName, version, { AdditionalVersionWeights: current.weights })
        : await this.checkRouting(scope, fnName, version, b['RoutingConfig']);
    const next: AliasRecord = {
      ...current,
      functionVersion: version,
      description: optionalString(b, 'Description', 'description', 256) ?? current.description,
      weights,
      revisionId: randomUUID(),
    };
    await this.deps.store.aliases.put(next);
    await this.deps.onChange?.(scope, fnName);
    return next;
  }

  async delete(scope: Scope, rawName: string, name: string): Promise<void> {
    const fnName = await this.functionName(scope, rawName);
    if (!await this.deps.store.aliases.delete(scope, fnName, name)) throw notFound(`Alias not found: ${functionArn(scope, fnName, name)}`);
    // A URL config on the alias goes with it: it could not be invoked any more.
    await this.deps.store.urls.delete(scope, fnName, name);
    await this.deps.onChange?.(scope, fnName);
  }

  async list(scope: Scope, rawName: string, functionVersion: string | undefined, marker: string | undefined, maxItems: string | undefined): Promise<AliasPage> {
    const fnName = await this.functionName(scope, rawName);
    if (functionVersion !== undefined && !VERSION.test(functionVersion)) {
      throw validationError(functionVersion, 'functionVersion', `Member must satisfy regular expression pattern: ${VERSION.source.slice(1, -1)}`);
    }
    const limit = pageSize(maxItems, PAGE_CAP);
    let after = decodeMarker(marker, /^[a-zA-Z0-9-_]{1,128}$/);
    const page: AliasRecord[] = [];
    // Filtering by version happens after the query, so keep reading until the page is full.
    for (;;) {
      const rows = await this.deps.store.aliases.list(scope, fnName, after, limit + 1);
      for (const r of rows) if (functionVersion === undefined || r.functionVersion === functionVersion) page.push(r);
      if (page.length > limit || rows.length <= limit) break;
      after = rows[rows.length - 1]!.name;
    }
    const out = page.slice(0, limit);
    return { aliases: out, nextMarker: page.length > limit ? encodeMarker(out[out.length - 1]!.name) : undefined };
  }

  private object(body: unknown): Record<string, unknown> {
    if (!isObject(body)) throw new NimbusError('ERR_INVALID_REQUEST_CONTENT', 'Could not parse request body into json: expected an object');
    return body;
  }

  private async functionName(scope: Scope, rawName: string): Promise<string> {
    const ref = parseFunctionName(rawName);
    if (!await this.deps.store.getVersion(scope, ref.name, '$LATEST')) throw notFound(`Function not found: ${functionArn(scope, ref.name)}`);
    return ref.name;
  }

  private async checkVersion(scope: Scope, fnName: string, v: unknown): Promise<string> {
    if (v === undefined || v === null) throw validationError(null, 'functionVersion', 'Member must not be null');
    if (typeof v !== 'string' || !VERSION.test(v)) {
      throw validationError(v, 'functionVersion', `Member must satisfy regular expression pattern: ${VERSION.source.slice(1, -1)}`);
    }
    if (!await this.deps.store.getVersion(scope, fnName, v)) throw notFound(`Function not found: ${functionArn(scope, fnName, v)}`);
    return v;
  }

  private async checkRouting(scope: Scope, fnName: string, primary: string, routing: unknown): Promise<Record<string, number>> {
    if (routing === undefined || routing === null) return {};
    if (!isObject(routing)) throw validationError(routing, 'routingConfig', 'Member must be a structure');
    const w = routing['AdditionalVersionWeights'];
    if (w === undefined || w === null) return {};
    if (!isObject(w)) throw validationError(w, 'routingConfig.additionalVersionWeights', 'Member must be a map');
    const entries = Object.entries(w);
    for (const [version, weight] of entries) {
      if (typeof weight !== 'number' || !(weight >= 0 && weight <= 1)) {
        const shown = `{${version}=${typeof weight === 'number' ? javaDouble(weight) : String(weight)}}`;
        throw validationError(
          shown,
          'routingConfig.additionalVersionWeights',
          'Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]',
        );
      }
      if (!/^[0-9]+$/.test(version)) {
        throw validationError(version, 'routingConfig.additionalVersionWeights', 'Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [0-9]+]');
      }
    }
    if (entries.length > 1) throw invalidParameter('Number of items in AdditionalVersionWeights cannot be greater than 1');
    const [only] = entries;
    if (!only) return {};
    if (primary === '$LATEST') throw invalidParameter('$LATEST is not supported for an alias pointing to more than 1 version');
    const [version, weight] = only;
    if (version === primary) {
      throw invalidParameter(`Invalid function version ${version}. Function version ${version} is already included in routing configuration.`);
    }
    if (!await this.deps.store.getVersion(scope, fnName, version)) throw notFound(`Function not found: ${functionArn(scope, fnName, version)}`);
    return { [version]: weight as number };
  }
}

function checkAliasName(v: unknown): string {
  if (v === undefined || v === null) throw validationError(null, 'name', 'Member must not be null');
  if (typeof v !== 'string') throw validationError(v, 'name', 'Member must be a string');
  if (v.length > 128) throw validationError(v, 'name', 'Member must have length less than or equal to 128');
  if (!ALIAS_NAME.test(v)) throw validationError(v, 'name', 'Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)');
  return v;
}
