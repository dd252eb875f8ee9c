/**
 * Function lifecycle: create, read, update code and configuration, delete, list. Owns no
 * processes; it validates, stores, and tells whoever listens (the pool) that a function changed
 * so that sandboxes of the old code are retired.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { conflict, invalidParameter, NimbusError, notFound, validationError } from '../../core/errors.js';
import type { RuntimeRegistry } from '../../runtimes/registry.js';
import type { CodeStore } from '../../store/code-store.js';
import type { Store } from '../../store/types.js';
import type { FunctionVersion, LayerRef, Scope } from '../../core/model.js';
import type { FunctionCodeSigning, FunctionLayers, FunctionTags } from './extensions.js';
import { ZipError } from '../../store/unzip.js';
import { APPLICATION_LOG_LEVELS, SYSTEM_LOG_LEVELS } from '../../logs/json-format.js';
import { pickVersion } from '../versions/weighted.js';
import type { ObjectReader } from '../../core/objects.js';
import { readS3Code, s3LocationOf } from './s3-code.js';
import { functionArn, parseFunctionName, qualifierOf, type FunctionRef } from '../../core/names.js';
import { publishFrom } from '../versions/versions.js';
import { checkCapacityProviderConfig } from './capacity.js';
import {
  checkArchitectures,
  checkEnum,
  checkEnvironment,
  checkHandler,
  checkRole,
  checkRuntime,
  decodeBlob,
  isObject,
  optionalBool,
  optionalInt,
  optionalString,
} from '../http/validate.js';

/** Lambda's zipped-package limit for direct uploads. */
export const MAX_ZIP_BYTES = 52_428_800;
export const MAX_TIMEOUT_S = 900;

export interface FunctionServiceDeps {
  store: Store;
  code: CodeStore;
  runtimes: RuntimeRegistry;
  clock: Clock;
  /** Called after a function's code or configuration changed, or it was deleted. */
  onChange?: (scope: Scope, name: string) => Promise<void>;
  /** Randomness for weighted aliases, in [0, 1); default Math.random. */
  random?: () => number;
  /** `Layers` (api/layers); absent: a function with layers is refused. */
  layers?: FunctionLayers;
  /** CreateFunction's `Tags` (api/tags). */
  tags?: FunctionTags;
  /** `CodeSigningConfigArn` and its policy (api/code-signing). */
  codeSigning?: FunctionCodeSigning;
  /** The keyring's named keys, for `KMSKeyArn` (src/secrets); absent: any KMSKeyArn is refused. */
  keys?: { hasKey(name: string): boolean };
  /** Where `Code.S3Bucket`/`S3Key` are read from (src/s3 through core/objects.ts); absent: refused. */
  objects?: ObjectReader | undefined;
}

export interface ResolveOptions {
  /** Pick an alias's version by its routing weights (invocations) instead of its primary version. */
  weighted?: boolean;
}

export interface ListResult {
  functions: FunctionVersion[];
  nextMarker: string | undefined;
}

export class FunctionService {
  constructor(private readonly deps: FunctionServiceDeps) {}

  /** A runtime's interpreters may still be being probed (a server that just started): the answer waits for them, it does not block. */
  private async runtimeProbed(runtime: unknown): Promise<void> {
    if (typeof runtime === 'string') await this.deps.runtimes.ready(runtime);
  }

  async create(scope: Scope, body: unknown): Promise<FunctionVersion> {
    if (!isObject(body)) throw new NimbusError('ERR_INVALID_REQUEST_CONTENT', 'Could not parse request body into json: expected an object');
    const ref = parseFunctionName(body['FunctionName']);
    const role = checkRole(body['Role']);
    const packageType = checkEnum(body['PackageType'], 'packageType', ['Zip', 'Image']) ?? 'Zip';
    if (packageType === 'Image') throw invalidParameter('Nimbus runs Zip packages only; container images are not supported yet.');
    await this.runtimeProbed(body['Runtime']);
    const runtime = checkRuntime(body['Runtime'], this.deps.runtimes);
    const handler = checkHandler(body['Handler'], runtime, this.deps.runtimes);
    const settings = this.settings(body);
    const tenantIsolation = checkTenancy(body['TenancyConfig']);
    const zip = (await this.zipOf(scope, body['Code'], 'code.zipFile', true))!;
    const publish = optionalBool(body, 'Publish', 'publish') ?? false;
    const layers = await this.layersOf(scope, body['Layers']) ?? [];
    const tags = this.deps.tags?.check(body['Tags']);
    const codeSigning = await this.deps.codeSigning?.check(scope, ref.name, body['CodeSigningConfigArn']);
    if (await this.deps.store.getVersion(scope, ref.name, '$LATEST')) throw conflict(`Function already exist: ${ref.name}`);
    const stored = await this.storeCode(zip);
    await this.checkSize(stored.sha256Hex, layers);
    const now = this.deps.clock.now();
    const v: FunctionVersion = {
      ...scope,
      name: ref.name,
      version: '$LATEST',
      runtime,
      handler,
      role,
      description: settings.description ?? '',
      timeout: settings.timeout ?? 3,
      memorySize: settings.memorySize ?? 128,
      architectures: settings.architectures ?? ['x86_64'],
      ephemeralStorageMb: settings.ephemeralStorageMb ?? 512,
      tracingMode: settings.tracingMode ?? 'PassThrough',
      logFormat: settings.logFormat ?? 'Text',
      ...(settings.logFormat === 'JSON' || settings.applicationLogLevel || settings.systemLogLevel ? logLevels(settings.logFormat ?? 'Text', settings, undefined) : {}),
      logGroup: settings.logGroup ?? `/aws/lambda/${ref.name}`,
      ...(tenantIsolation ? { tenantIsolation } : {}),
      ...(settings.capacityProvider ? { capacityProvider: settings.capacityProvider } : {}),
      packageType,
      environment: settings.environment ?? {},
      ...(settings.kmsKeyArn ? { kmsKeyArn: settings.kmsKeyArn } : {}),
      ...(settings.deadLetterTargetArn ? { deadLetterTargetArn: settings.deadLetterTargetArn } : {}),
      ...(layers.length ? { layers } : {}),
      codeSha256: stored.sha256Hex,
      codeSize: stored.size,
      lastModified: now,
      revisionId: randomUUID(),
    };
    if (!await this.deps.store.insertFunction(v)) {
      await this.collect([stored.sha256Hex]);
      throw conflict(`Function already exist: ${ref.name}`);
    }
    if (tags) this.deps.tags?.put(scope, ref.name, tags);
    if (codeSigning) await this.deps.codeSigning?.attach(scope, ref.name, codeSigning);
    this.deps.layers?.prepare(layers);
    // AWS answers a publishing create with Version "1" (and the unqualified ARN).
    return publish ? await publishFrom(this.deps.store, this.deps.clock, v) : v;
  }

  /** Resolves a FunctionName (+ optional `?Qualifier=`) to a stored version. */
  async get(scope: Scope, rawName: string, queryQualifier?: string): Promise<FunctionVersion> {
    return (await this.resolve(scope, rawName, queryQualifier)).fn;
  }

  /** Like `get`, also telling which qualifier the caller used (from the name or the query). */
  async resolve(
    scope: Scope,
    rawName: string,
    queryQualifier?: string,
    opts: ResolveOptions = {},
  ): Promise<{ fn: FunctionVersion; qualifier: string | undefined }> {
    const ref = parseFunctionName(rawName);
    const qualifier = qualifierOf(ref, queryQualifier);
    let version = qualifier ?? '$LATEST';
    if (!/^(\$LATEST|[0-9]+)$/.test(version)) {
      const alias = await this.deps.store.aliases.get(scope, ref.name, version);
      if (!alias) throw notFound(`Function not found: ${functionArn(scope, ref.name, qualifier)}`);
      version = opts.weighted ? pickVersion(alias, this.deps.random ?? Math.random) : alias.functionVersion;
    }
    const fn = this.deps.store.cachedVersion?.(scope, ref.name, version) ?? (await this.deps.store.getVersion(scope, ref.name, version));
    if (!fn) throw notFound(`Function not found: ${functionArn(scope, ref.name, qualifier)}`);
    return { fn, qualifier };
  }

  async updateCode(scope: Scope, rawName: string, body: unknown): Promise<FunctionVersion> {
    if (!isObject(body)) throw new NimbusError('ERR_INVALID_REQUEST_CONTENT', 'Could not parse request body into json: expected an object');
    const current = await this.latest(scope, parseFunctionName(rawName));
    this.checkRevision(current, body);
    await this.deps.codeSigning?.beforeCode(scope, current.name);
    const zip = (await this.zipOf(scope, body, 'zipFile', true))!;
    const dryRun = optionalBool(body, 'DryRun', 'dryRun') ?? false;
    const publish = optionalBool(body, 'Publish', 'publish') ?? false;
    const architectures = checkArchitectures(body['Architectures']);
    const stored = await this.storeCode(zip);
    // Unpacking took a while: the function may have been deleted or changed meanwhile. The code
    // goes onto what is there now (404 if nothing is; a RevisionId given must still match), so a
    // configuration update made during the upload is not lost.
    let latest: FunctionVersion;
    try {
      latest = await this.latest(scope, { name: current.name, qualifier: undefined });
      this.checkRevision(latest, body);
      await this.checkSize(stored.sha256Hex, latest.layers ?? []);
    } catch (e) {
      await this.collect([stored.sha256Hex]);
      throw e;
    }
    const next: FunctionVersion = {
      ...latest,
      architectures: architectures ?? latest.architectures,
      codeSha256: stored.sha256Hex,
      codeSize: stored.size,
      lastModified: this.deps.clock.now(),
      revisionId: randomUUID(),
    };
    if (dryRun) {
      if (!await this.deps.store.codeInUse(stored.sha256Hex)) await this.collect([stored.sha256Hex]);
      return next;
    }
    await this.deps.store.putVersion(next);
    if (latest.codeSha256 !== next.codeSha256) await this.collect([latest.codeSha256]);
    await this.deps.onChange?.(scope, current.name);
    return publish ? await publishFrom(this.deps.store, this.deps.clock, next) : next;
  }

  async updateConfiguration(scope: Scope, rawName: string, body: unknown): Promise<FunctionVersion> {
    if (!isObject(body)) throw new NimbusError('ERR_INVALID_REQUEST_CONTENT', 'Could not parse request body into json: expected an object');
    const current = await this.latest(scope, parseFunctionName(rawName));
    this.checkRevision(current, body);
    await this.runtimeProbed(body['Runtime']);
    const runtime = body['Runtime'] === undefined ? current.runtime : checkRuntime(body['Runtime'], this.deps.runtimes);
    const handler =
      body['Handler'] === undefined && runtime === current.runtime
        ? current.handler
        : checkHandler(body['Handler'] ?? current.handler, runtime, this.deps.runtimes);
    const role = body['Role'] === undefined ? current.role : checkRole(body['Role']);
    const s = this.settings(body);
    const layers = await this.layersOf(scope, body['Layers']) ?? current.layers ?? [];
    await this.checkSize(current.codeSha256, layers);
    const next: FunctionVersion = {
      ...current,
      runtime,
      handler,
      role,
      description: s.description ?? current.description,
      timeout: s.timeout ?? current.timeout,
      memorySize: s.memorySize ?? current.memorySize,
      ephemeralStorageMb: s.ephemeralStorageMb ?? current.ephemeralStorageMb,
      tracingMode: s.tracingMode ?? current.tracingMode,
      logFormat: s.logFormat ?? current.logFormat,
      ...logLevels(s.logFormat ?? current.logFormat, s, current),
      logGroup: s.logGroup ?? current.logGroup,
      environment: s.environment ?? current.environment,
      // A new environment replaces one that could not be decrypted; without one, the store refuses the write.
      environmentError: s.environment === undefined ? current.environmentError : undefined,
      // An empty KMSKeyArn goes back to the default key.
      kmsKeyArn: s.kmsKeyArn === undefined ? current.kmsKeyArn : s.kmsKeyArn || undefined,
      // An empty TargetArn removes the dead-letter queue.
      deadLetterTargetArn: s.deadLetterTargetArn === undefined ? current.deadLetterTargetArn : s.deadLetterTargetArn || undefined,
      capacityProvider: s.capacityProvider ?? current.capacityProvider,
      layers: layers.length ? layers : undefined,
      lastModified: this.deps.clock.now(),
      revisionId: randomUUID(),
    };
    await this.deps.store.putVersion(next);
    // Layers no version uses any more (their layer version deleted meanwhile) leave the code store.
    await this.collect((current.layers ?? []).map((l) => l.codeSha256));
    this.deps.layers?.prepare(layers);
    await this.deps.onChange?.(scope, current.name);
    return next;
  }

  async delete(scope: Scope, rawName: string, queryQualifier?: string): Promise<void> {
    const ref = parseFunctionName(rawName);
    const qualifier = qualifierOf(ref, queryQualifier);
    if (qualifier === '$LATEST') throw invalidParameter('$LATEST version cannot be deleted without deleting the function.');
    if (qualifier !== undefined) {
      if (!/^[0-9]+$/.test(qualifier) || !await this.deps.store.getVersion(scope, ref.name, qualifier)) {
        throw notFound(`Function not found: ${functionArn(scope, ref.name, qualifier)}`);
      }
      const users = (await this.deps.store.aliases.referencing(scope, ref.name, qualifier)).map((a) => a.name);
      if (users.length > 0) {
        throw conflict(`Unable to delete version because the following aliases reference it: [${users.join(', ')}]`);
      }
      await this.collect(await this.deps.store.deleteVersion(scope, ref.name, qualifier));
      await this.deps.onChange?.(scope, ref.name);
      return;
    }
    if (!await this.deps.store.getVersion(scope, ref.name, '$LATEST')) throw notFound(`Function not found: ${functionArn(scope, ref.name)}`);
    await this.collect(await this.deps.store.deleteFunction(scope, ref.name));
    await this.deps.onChange?.(scope, ref.name);
  }

  /** ListFunctions: at most 50 per page whatever MaxItems says, as AWS does. */
  async list(scope: Scope, marker: string | undefined, maxItems: string | undefined, functionVersion: string | undefined): Promise<ListResult> {
    if (functionVersion !== undefined && functionVersion !== 'ALL') {
      throw validationError(functionVersion, 'functionVersion', 'Member must satisfy enum value set: [ALL]');
    }
    let limit = 50;
    if (maxItems !== undefined) {
      const n = Number(maxItems);
      if (!Number.isInteger(n)) throw validationError(maxItems, 'maxItems', 'Member must be an integer');
      if (n < 1) throw validationError(maxItems, 'maxItems', 'Member must have value greater than or equal to 1');
      if (n > 10000) throw validationError(maxItems, 'maxItems', 'Member must have value less than or equal to 10000');
      limit = Math.min(n, 50);
    }
    // The marker is opaque to clients: `name` or, when listing every version, `name:version`.
    let after: { name: string; version: string } | undefined;
    if (marker) {
      const [name, version = '$LATEST'] = Buffer.from(marker, 'base64url').toString('utf8').split(':');
      if (!name || !/^[a-zA-Z0-9-_]{1,64}$/.test(name) || !/^(\$LATEST|[0-9]+)$/.test(version)) throw invalidParameter('Invalid Marker');
      after = { name, version };
    }
    const all = functionVersion === 'ALL';
    const rows = all ? await this.deps.store.listAllVersions(scope, after, limit + 1) : await this.deps.store.listFunctions(scope, after?.name, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const next = rows.length > limit && last ? (all ? `${last.name}:${last.version}` : last.name) : undefined;
    return { functions: page, nextMarker: next === undefined ? undefined : Buffer.from(next).toString('base64url') };
  }

  usage(scope: Scope): Promise<{ functionCount: number; totalCodeSize: number }> {
    return this.deps.store.usage(scope);
  }

  private async latest(scope: Scope, ref: FunctionRef): Promise<FunctionVersion> {
    if (ref.qualifier !== undefined && ref.qualifier !== '$LATEST') {
      throw invalidParameter('Updates are permitted on the unqualified function or $LATEST only.');
    }
    const v = await this.deps.store.getVersion(scope, ref.name, '$LATEST');
    if (!v) throw notFound(`Function not found: ${functionArn(scope, ref.name)}`);
    return v;
  }

  private checkRevision(current: FunctionVersion, body: Record<string, unknown>): void {
    const rev = optionalString(body, 'RevisionId', 'revisionId', 1024);
    if (rev !== undefined && rev !== current.revisionId) {
      throw new NimbusError(
        'ERR_PRECONDITION_FAILED',
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      );
    }
  }

  /** The configuration members shared by CreateFunction and UpdateFunctionConfiguration. */
  private settings(body: Record<string, unknown>) {
    const ephemeral = body['EphemeralStorage'];
    let ephemeralStorageMb: number | undefined;
    if (ephemeral !== undefined && ephemeral !== null) {
      if (!isObject(ephemeral)) throw validationError(ephemeral, 'ephemeralStorage', 'Member must be a structure');
      ephemeralStorageMb = optionalInt(ephemeral, 'Size', 'ephemeralStorage.size', 512, 10240);
    }
    const tracing = body['TracingConfig'];
    const logging = body['LoggingConfig'];
    const fs = body['FileSystemConfigs'];
    if (Array.isArray(fs) && fs.length > 0) throw invalidParameter('Nimbus does not support file system configurations.');
    // The two model groups Nimbus refuses (docs/compatibility.md): never accepted and ignored.
    if (body['DurableConfig'] !== undefined && body['DurableConfig'] !== null) {
      throw invalidParameter('DurableConfig: Nimbus does not support Lambda durable functions. See docs/compatibility.md.');
    }
    return {
      description: optionalString(body, 'Description', 'description', 256),
      timeout: optionalInt(body, 'Timeout', 'timeout', 1, MAX_TIMEOUT_S),
      memorySize: optionalInt(body, 'MemorySize', 'memorySize', 128, 10240),
      environment: checkEnvironment(body['Environment']),
      kmsKeyArn: this.kmsKeyArn(body['KMSKeyArn']),
      architectures: checkArchitectures(body['Architectures']),
      ephemeralStorageMb,
      tracingMode: isObject(tracing) ? checkEnum(tracing['Mode'], 'tracingConfig.mode', ['Active', 'PassThrough']) : undefined,
      logFormat: isObject(logging) ? checkEnum(logging['LogFormat'], 'loggingConfig.logFormat', ['Text', 'JSON']) : undefined,
      applicationLogLevel: isObject(logging) ? checkEnum(logging['ApplicationLogLevel'], 'loggingConfig.applicationLogLevel', APPLICATION_LOG_LEVELS) : undefined,
      systemLogLevel: isObject(logging) ? checkEnum(logging['SystemLogLevel'], 'loggingConfig.systemLogLevel', SYSTEM_LOG_LEVELS) : undefined,
      logGroup: isObject(logging) ? optionalString(logging, 'LogGroup', 'loggingConfig.logGroup', 512) : undefined,
      deadLetterTargetArn: deadLetterTarget(body['DeadLetterConfig']),
      capacityProvider: checkCapacityProviderConfig(body['CapacityProviderConfig']),
    };
  }

  /**
   * `KMSKeyArn`: a key of Nimbus's keyring by name (docs/security.md), `''` for the default key,
   * undefined when absent. An unknown key is refused as Lambda refuses a key it cannot grant on.
   */
  private kmsKeyArn(raw: unknown): string | undefined {
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'string') throw validationError(raw, 'kMSKeyArn', 'Member must be a string');
    if (raw === '') return '';
    if (!/^arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*$/.test(raw)) {
      throw validationError(raw, 'kMSKeyArn', 'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()');
    }
    if (!this.deps.keys?.hasKey(raw)) {
      throw invalidParameter(
        'Lambda was unable to configure access to your environment variables because the KMS key is invalid for CreateGrant. ' +
          `Please check your KMS key settings. KMS Exception: NotFoundException KMS Message: Key '${raw}' does not exist`,
      );
    }
    return raw;
  }

  /** `Layers` resolved (api/layers); undefined when the member is absent. */
  private async layersOf(scope: Scope, raw: unknown): Promise<LayerRef[] | undefined> {
    if (raw === undefined) return undefined;
    if (this.deps.layers) return this.deps.layers.resolve(scope, raw);
    if (Array.isArray(raw) && raw.length > 0) throw invalidParameter('Nimbus does not support Lambda layers here.');
    return [];
  }

  /** Lambda's 250 MB over code and layers; a refused package that nothing uses is removed. */
  private async checkSize(codeSha256: string, layers: readonly LayerRef[]): Promise<void> {
    try {
      this.deps.layers?.checkSize(codeSha256, layers);
    } catch (e) {
      await this.collect([codeSha256]);
      throw e;
    }
  }

  private async zipOf(scope: Scope, code: unknown, member: string, required: boolean): Promise<Buffer | undefined> {
    if (!isObject(code)) {
      if (required) throw validationError(null, 'code', 'Member must not be null');
      return undefined;
    }
    if (code['ImageUri'] !== undefined) throw invalidParameter('Nimbus accepts code as a ZipFile or an S3 object; image URIs are not supported.');
    const s3 = s3LocationOf(code, member === 'zipFile' ? '' : 'code.');
    if (s3) {
      if (code['ZipFile'] !== undefined && code['ZipFile'] !== null) throw invalidParameter('Please do not provide other FunctionCode parameters when providing a ZipFile.');
      return readS3Code(this.deps.objects, scope, s3);
    }
    if (code['ZipFile'] === undefined || code['ZipFile'] === null) {
      if (required) throw invalidParameter('Please provide a source for function code.');
      return undefined;
    }
    const zip = decodeBlob(code['ZipFile'], member);
    if (zip.length > MAX_ZIP_BYTES) {
      throw new NimbusError('ERR_REQUEST_TOO_LARGE', `Zipped size must be smaller than ${MAX_ZIP_BYTES} bytes`);
    }
    return zip;
  }

  private async storeCode(zip: Buffer) {
    try {
      return await this.deps.code.put(zip);
    } catch (e) {
      if (e instanceof NimbusError) throw e;
      if (e instanceof ZipError && e.tooBig) throw invalidParameter(e.message);
      const why = e instanceof Error ? ` (${e.message})` : '';
      throw invalidParameter(`Could not unzip uploaded file. Please check your file, then try to upload again.${why}`);
    }
  }

  /** Removes packages that no version uses any more. */
  private async collect(hashes: string[]): Promise<void> {
    for (const h of hashes) if (!await this.deps.store.codeInUse(h)) this.deps.code.remove(h);
  }
}

/**
 * LoggingConfig's levels (docs/reference/lambda-logging.md §1): they filter JSON logs only, so they
 * are refused with LogFormat Text and default to INFO with JSON; a change of format keeps or drops them.
 */
function logLevels(
  format: string,
  given: { applicationLogLevel?: string | undefined; systemLogLevel?: string | undefined },
  current: FunctionVersion | undefined,
): { applicationLogLevel: string | undefined; systemLogLevel: string | undefined } {
  if (format !== 'JSON') {
    if (given.applicationLogLevel !== undefined || given.systemLogLevel !== undefined) {
      throw invalidParameter('ApplicationLogLevel and SystemLogLevel can be set only when LogFormat is JSON.');
    }
    return { applicationLogLevel: undefined, systemLogLevel: undefined };
  }
  return {
    applicationLogLevel: given.applicationLogLevel ?? current?.applicationLogLevel ?? 'INFO',
    systemLogLevel: given.systemLogLevel ?? current?.systemLogLevel ?? 'INFO',
  };
}

/** TenancyConfig (MODEL `TenancyConfig`: TenantIsolationMode, required, `PER_TENANT`); fixed at create. */
function checkTenancy(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw validationError(v, 'tenancyConfig', 'Member must be a structure');
  if (v['TenantIsolationMode'] === undefined || v['TenantIsolationMode'] === null) {
    throw validationError(null, 'tenancyConfig.tenantIsolationMode', 'Member must not be null');
  }
  return checkEnum(v['TenantIsolationMode'], 'tenancyConfig.tenantIsolationMode', ['PER_TENANT']);
}

/**
 * DeadLetterConfig.TargetArn: an SQS queue or an SNS topic of Nimbus, as on AWS (docs/async.md);
 * '' removes the setting.
 */
function deadLetterTarget(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw validationError(v, 'deadLetterConfig', 'Member must be a structure');
  const arn = optionalString(v, 'TargetArn', 'deadLetterConfig.targetArn', 1024) ?? '';
  if (arn !== '' && !/^arn:aws[a-zA-Z-]*:(sqs:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:[a-zA-Z0-9-_]{1,80}|sns:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:[a-zA-Z0-9-_]{1,256})$/.test(arn)) {
    throw invalidParameter(`Nimbus delivers dead letters to its SQS queues and SNS topics (arn:aws:sqs|sns:<region>:<account>:<name>); ${arn} is not one.`);
  }
  return arn;
}
