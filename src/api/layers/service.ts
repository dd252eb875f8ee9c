/**
 * Layer versions: PublishLayerVersion (a zip, checked and stored like a function's package),
 * Get, GetByArn, ListLayers, ListLayerVersions, DeleteLayerVersion. Messages and orders are AWS's
 * (LS-SNAP `test_layer_exceptions`, `test_layer_lifecycle`). A deleted version's package stays in
 * the code store while any function version still uses it, so those functions keep working.
 */
import type { Clock } from '../../core/clock.js';
import { invalidParameter, NimbusError, notFound, validationError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import type { ObjectReader } from '../../core/objects.js';
import { readS3Code, s3LocationOf } from '../functions/s3-code.js';
import type { CodeStore } from '../../store/code-store.js';
import type { LayerVersionRecord } from '../../store/records.js';
import type { Store } from '../../store/types.js';
import { ZipError } from '../../store/unzip.js';
import { MAX_ZIP_BYTES } from '../functions/service.js';
import { decodeBlob, isObject, optionalString } from '../http/validate.js';
import { LAYER_VERSION_ARN_PATTERN, parseLayerName, parseLayerVersionArn, parseVersionNumber } from './names.js';
import { compatibility, listFilters, Violations } from './validate.js';

/** AWS's answer for a missing layer or version (LS-SNAP). */
const NOT_FOUND = 'The resource you requested does not exist.';

export interface LayerPage<T> {
  items: T[];
  nextMarker: string | undefined;
}

export interface ListQuery {
  runtime: string | null;
  architecture: string | null;
  marker: string | null;
  maxItems: string | null;
}

export class LayerService {
  constructor(private readonly deps: { store: Store; code: CodeStore; clock: Clock; objects?: ObjectReader | undefined }) {}

  async publish(scope: Scope, rawName: string | undefined, body: unknown): Promise<LayerVersionRecord> {
    if (!isObject(body)) throw new NimbusError('ERR_INVALID_REQUEST_CONTENT', 'Could not parse request body into json: expected an object');
    const layerName = parseLayerName(rawName, scope);
    const v = new Violations();
    const compat = compatibility(body['CompatibleRuntimes'], body['CompatibleArchitectures'], v);
    v.check();
    const description = optionalString(body, 'Description', 'description', 256) ?? '';
    const licenseInfo = optionalString(body, 'LicenseInfo', 'licenseInfo', 512);
    const content = body['Content'];
    if (!isObject(content)) throw validationError(null, 'content', 'Member must not be null');
    const s3 = s3LocationOf(content, 'content.');
    let zip: Buffer;
    if (s3) {
      if (content['ZipFile'] !== undefined && content['ZipFile'] !== null) throw invalidParameter('Please do not provide other LayerVersionContentInput parameters when providing a ZipFile.');
      zip = await readS3Code(this.deps.objects, scope, s3);
    } else {
      if (content['ZipFile'] === undefined || content['ZipFile'] === null) throw invalidParameter('Please provide a source for layer content.');
      zip = decodeBlob(content['ZipFile'], 'content.zipFile');
      if (zip.length > MAX_ZIP_BYTES) throw new NimbusError('ERR_REQUEST_TOO_LARGE', `Zipped size must be smaller than ${MAX_ZIP_BYTES} bytes`);
    }
    let stored;
    try {
      stored = await this.deps.code.put(zip);
    } catch (e) {
      // Nimbus's own trouble (a full disk) is not the package's.
      if (e instanceof NimbusError) throw e;
      if (e instanceof ZipError && e.tooBig) throw invalidParameter(e.message);
      throw invalidParameter(`Could not unzip uploaded file. Please check your file, then try to upload again.${e instanceof Error ? ` (${e.message})` : ''}`);
    }
    const now = this.deps.clock.now();
    return this.deps.store.layers.publish(scope, layerName, (version) => ({
      ...scope,
      layerName,
      version,
      description,
      compatibleRuntimes: compat.runtimes,
      compatibleArchitectures: compat.architectures,
      licenseInfo,
      codeSha256: stored.sha256Hex,
      codeSize: stored.size,
      createdAt: now,
      policy: undefined,
    }));
  }

  async get(scope: Scope, rawName: string | undefined, rawVersion: string | undefined): Promise<LayerVersionRecord> {
    const version = parseVersionNumber(rawVersion);
    const v = await this.deps.store.layers.get(scope, parseLayerName(rawName, scope), version);
    if (!v) throw notFound(NOT_FOUND);
    return v;
  }

  async getByArn(scope: Scope, arn: string | null): Promise<LayerVersionRecord> {
    const ref = arn === null ? undefined : parseLayerVersionArn(arn);
    if (!ref) throw validationError(arn ?? null, 'arn', `Member must satisfy regular expression pattern: ${LAYER_VERSION_ARN_PATTERN}`);
    // Another scope's layers are not this caller's to read (cross-account sharing is not modelled).
    const v = ref.accountId === scope.accountId && ref.region === scope.region ? await this.deps.store.layers.get(scope, ref.name, ref.version) : undefined;
    if (!v) throw notFound(NOT_FOUND);
    return v;
  }

  /** ListLayers: each layer with its newest version that matches the filters; layers with none are left out. */
  async list(scope: Scope, q: ListQuery): Promise<LayerPage<LayerVersionRecord>> {
    const filters = listFilters(q.runtime, q.architecture);
    const limit = maxItems(q.maxItems);
    const after = q.marker ? Buffer.from(q.marker, 'base64url').toString('utf8') : undefined;
    const items: LayerVersionRecord[] = [];
    for (const name of await this.deps.store.layers.names(scope, after, -1)) {
      const match = (await this.deps.store.layers.versions(scope, name, undefined, -1)).find((v) => matches(v, filters));
      if (match) items.push(match);
      if (items.length > limit) break;
    }
    const page = items.slice(0, limit);
    return { items: page, nextMarker: items.length > limit ? Buffer.from(page.at(-1)!.layerName).toString('base64url') : undefined };
  }

  /** ListLayerVersions: newest first; a layer without versions lists none (no error, as on AWS). */
  async listVersions(scope: Scope, rawName: string | undefined, q: ListQuery): Promise<LayerPage<LayerVersionRecord>> {
    const filters = listFilters(q.runtime, q.architecture);
    const name = parseLayerName(rawName, scope);
    const limit = maxItems(q.maxItems);
    const before = q.marker ? Number(Buffer.from(q.marker, 'base64url').toString('utf8')) : undefined;
    if (before !== undefined && !Number.isSafeInteger(before)) throw invalidParameter('Invalid Marker');
    const items = (await this.deps.store.layers.versions(scope, name, before, -1)).filter((v) => matches(v, filters));
    const page = items.slice(0, limit);
    return { items: page, nextMarker: items.length > limit ? Buffer.from(String(page.at(-1)!.version)).toString('base64url') : undefined };
  }

  /** DeleteLayerVersion: idempotent, as on AWS; the package goes once nothing uses it. */
  async delete(scope: Scope, rawName: string | undefined, rawVersion: string | undefined): Promise<void> {
    const version = parseVersionNumber(rawVersion);
    const name = parseLayerName(rawName, scope);
    const v = await this.deps.store.layers.get(scope, name, version);
    if (!v || !await this.deps.store.layers.delete(scope, name, version)) return;
    if (!await this.deps.store.codeInUse(v.codeSha256)) this.deps.code.remove(v.codeSha256);
  }
}

/** MaxItems of the layer lists: 1 to 50 (MODEL `MaxLayerListItems`). */
function maxItems(raw: string | null): number {
  if (raw === null || raw === '') return 50;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw validationError(raw, 'maxItems', 'Member must be an integer');
  if (n < 1) throw validationError(raw, 'maxItems', 'Member must have value greater than or equal to 1');
  if (n > 50) throw validationError(raw, 'maxItems', 'Member must have value less than or equal to 50');
  return n;
}

function matches(v: LayerVersionRecord, f: { runtime?: string; architecture?: string }): boolean {
  if (f.runtime !== undefined && !(v.compatibleRuntimes ?? []).includes(f.runtime)) return false;
  return f.architecture === undefined || (v.compatibleArchitectures ?? []).includes(f.architecture);
}
