/**
 * One `AWS::Serverless::Function` (Globals merged) as what Nimbus deploys: where its code comes
 * from and how it is built, the configuration members the Lambda API takes, the settings SAM
 * applies through other calls (alias, URL, concurrency, event-invoke config), and the list of
 * properties that have no effect here, which the deployment reports instead of dropping silently.
 */
import { isAbsolute, join } from 'node:path';
import { SamError } from './errors.js';
import { resolve, type IntrinsicContext } from './intrinsics.js';

/** Where a function's code comes from: a folder, a .zip/.jar file, or the template itself. */
export type CodeSource =
  | { kind: 'folder'; path: string }
  | { kind: 'archive'; path: string }
  | { kind: 'inline'; text: string }
  /** A package already uploaded (`sam deploy`/`aws cloudformation package`): read by the server, never built. */
  | { kind: 's3'; bucket: string; key: string; version?: string };

/** `Metadata: BuildMethod/BuildProperties`, as `sam build` reads them. */
export interface BuildSpec {
  method: string;
  properties: Record<string, unknown>;
}

export interface FunctionPlan {
  logicalId: string;
  name: string;
  code: CodeSource;
  build: BuildSpec | undefined;
  handler: string;
  runtime: string;
  memorySize: number | undefined;
  timeout: number | undefined;
  description: string | undefined;
  environment: Record<string, string>;
  architectures: string[] | undefined;
  /** CreateFunction members passed through as they are (EphemeralStorage, TracingConfig, LoggingConfig, DeadLetterConfig, TenancyConfig). */
  settings: Record<string, unknown>;
  autoPublishAlias: string | undefined;
  versionDescription: string | undefined;
  url: { AuthType: string; Cors?: Record<string, unknown>; InvokeMode?: string } | undefined;
  /** The template's `AWS::Lambda::Url` resources on this function (url-resources.ts). */
  urlResources?: { logicalId: string; qualifier?: string; config: Record<string, unknown> }[];
  reservedConcurrency: number | undefined;
  provisionedConcurrency: number | undefined;
  /** The PutFunctionEventInvokeConfig body, or undefined to remove any. */
  eventInvokeConfig: Record<string, unknown> | undefined;
  /** Layer version ARNs, or placeholders of the template's own layers (layers.ts); absent: none. */
  layers?: string[];
  /** Properties given in the template that Nimbus does not apply. */
  ignored: string[];
  /** The execution role's ARN: the template's `Role`, or the role generated for its `Policies` (roles.ts); absent: the deploy role. */
  role?: string;
}

/** Handled here or by the events planner. */
const APPLIED = new Set([
  'CodeUri', 'InlineCode', 'Handler', 'Runtime', 'MemorySize', 'Timeout', 'Environment', 'Description', 'FunctionName',
  'Architectures', 'AutoPublishAlias', 'VersionDescription', 'FunctionUrlConfig', 'Events', 'PackageType', 'EphemeralStorage',
  'Tracing', 'LoggingConfig', 'DeadLetterQueue', 'ReservedConcurrentExecutions', 'ProvisionedConcurrencyConfig',
  'EventInvokeConfig', 'Layers', 'AutoPublishCodeSha256', 'Role', 'Policies', 'TenancyConfig',
]);
/** Known to SAM, without a Nimbus backend to give them to (no permission boundaries, tagging, VPC, KMS, SnapStart, code signing). */
const NO_BACKEND = new Set([
  'PermissionsBoundary', 'RolePath', 'AssumeRolePolicyDocument', 'Tags', 'PropagateTags', 'VpcConfig',
  'KmsKeyArn', 'SnapStart', 'CodeSigningConfigArn', 'DeploymentPreference', 'FileSystemConfigs', 'RuntimeManagementConfig',
  'AutoPublishAliasAllProperties', 'RecursiveLoop', 'SourceKMSKeyArn', 'FunctionScalingConfig', 'CapacityProviderConfig',
  'ImageConfig', 'ImageUri',
]);
const INLINE_RUNTIMES = /^(nodejs|python)/;

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function optionalNumber(v: unknown, where: string): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new SamError(`${where} must be a whole number, got ${JSON.stringify(v)}`);
  return n;
}

function requiredString(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') throw new SamError(`${where} is required and must be a string`);
  return v;
}

export interface FunctionPlanOptions {
  baseDir: string;
  ctx: IntrinsicContext;
  /** The physical name decided when the resources were planned. */
  name: string;
}

/** Translates one function; `props` has Globals merged, intrinsics still unresolved. */
export function planFunction(id: string, props: Record<string, unknown>, metadata: Record<string, unknown> | undefined, o: FunctionPlanOptions): FunctionPlan {
  const where = (p: string): string => `${id}.${p}`;
  const val = (k: string): unknown => resolve(props[k], o.ctx, where(k));
  const ignored: string[] = [];
  for (const k of Object.keys(props)) {
    if (APPLIED.has(k)) continue;
    ignored.push(NO_BACKEND.has(k) ? k : `${k} (unknown)`);
  }
  if (props['PackageType'] === 'Image') throw new SamError(`${id}: PackageType Image is not supported; Nimbus runs Zip functions`);
  const layers = functionLayerRefs(id, val('Layers'));
  const runtime = requiredString(val('Runtime'), where('Runtime'));
  const env = val('Environment');
  const variables: Record<string, string> = {};
  if (isMap(env) && isMap(env['Variables'])) {
    for (const [k, v] of Object.entries(env['Variables'])) {
      if (v === undefined) continue;
      variables[k] = typeof v === 'string' ? v : JSON.stringify(v);
    }
  }
  const alias = val('AutoPublishAlias');
  if (alias !== undefined && (typeof alias !== 'string' || !/^(?!^[0-9]+$)[a-zA-Z0-9-_]+$/.test(alias))) {
    throw new SamError(`${id}: AutoPublishAlias must be an alias name (letters, digits, - and _, not all digits)`);
  }
  const archs = val('Architectures');
  const description = val('Description');
  const versionDescription = val('VersionDescription');
  const provisioned = val('ProvisionedConcurrencyConfig');
  if (provisioned !== undefined && alias === undefined) throw new SamError(`${id}: ProvisionedConcurrencyConfig needs AutoPublishAlias, as in SAM`);
  return {
    logicalId: id,
    name: o.name,
    code: codeSource(id, props, o, runtime),
    build: buildSpec(id, metadata),
    handler: requiredString(val('Handler'), where('Handler')),
    runtime,
    memorySize: optionalNumber(val('MemorySize'), where('MemorySize')),
    timeout: optionalNumber(val('Timeout'), where('Timeout')),
    description: typeof description === 'string' ? description : undefined,
    environment: variables,
    architectures: Array.isArray(archs) ? archs.filter((a): a is string => typeof a === 'string') : undefined,
    settings: settingsOf(id, val, ignored),
    autoPublishAlias: alias as string | undefined,
    versionDescription: typeof versionDescription === 'string' ? versionDescription : undefined,
    url: urlConfig(id, val('FunctionUrlConfig')),
    reservedConcurrency: optionalNumber(val('ReservedConcurrentExecutions'), where('ReservedConcurrentExecutions')),
    provisionedConcurrency: isMap(provisioned)
      ? optionalNumber(provisioned['ProvisionedConcurrentExecutions'], where('ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions'))
      : undefined,
    eventInvokeConfig: eventInvokeConfig(id, val('EventInvokeConfig')),
    layers,
    ignored,
  };
}

/** `Layers:`: version ARNs, or `!Ref` of the template's own layers (placeholders until published, sam/layers.ts). */
function functionLayerRefs(id: string, raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.some((l) => typeof l !== 'string')) {
    throw new SamError(`${id}.Layers must be a list of layer version ARNs or !Ref of layers in this template`);
  }
  return raw as string[];
}

function codeSource(id: string, props: Record<string, unknown>, o: FunctionPlanOptions, runtime: string): CodeSource {
  const inline = resolve(props['InlineCode'], o.ctx, `${id}.InlineCode`);
  if (inline !== undefined) {
    if (props['CodeUri'] !== undefined) throw new SamError(`${id}: give either InlineCode or CodeUri, not both`);
    if (typeof inline !== 'string') throw new SamError(`${id}.InlineCode must be a string`);
    // CloudFormation's ZipFile (which InlineCode becomes) exists for Node.js and Python only.
    if (!INLINE_RUNTIMES.test(runtime)) throw new SamError(`${id}: InlineCode works with Node.js and Python runtimes only, not ${runtime}`);
    return { kind: 'inline', text: inline };
  }
  const given = props['CodeUri'] ?? '.';
  const uri = resolve(given, o.ctx, `${id}.CodeUri`);
  if (isMap(given) && ('Bucket' in given || 'Key' in given)) {
    // `{Bucket, Key, Version}`: each member resolved on its own.
    const part = (k: string): unknown => resolve(given[k], o.ctx, `${id}.CodeUri.${k}`);
    const bucket = part('Bucket');
    const key = part('Key');
    const version = part('Version');
    if (typeof bucket !== 'string' || typeof key !== 'string') throw new SamError(`${id}: CodeUri {Bucket, Key} needs both as strings`);
    return { kind: 's3', bucket, key, ...(typeof version === 'string' ? { version } : {}) };
  }
  if (typeof uri !== 'string') throw new SamError(`${id}: CodeUri must be a local folder, a .zip/.jar file, s3://bucket/key or {Bucket, Key}`);
  const s3 = s3Location(uri);
  if (s3) return s3;
  const path = isAbsolute(uri) ? uri : join(o.baseDir, uri);
  return /\.(zip|jar)$/i.test(uri) ? { kind: 'archive', path } : { kind: 'folder', path };
}

/** `s3://bucket/key` as a code source (what `sam package` writes), else undefined. */
export function s3Location(uri: string): CodeSource | undefined {
  const m = /^s3:\/\/([^/]+)\/(.+)$/i.exec(uri);
  return m ? { kind: 's3', bucket: m[1]!, key: m[2]! } : undefined;
}

function buildSpec(id: string, metadata: Record<string, unknown> | undefined): BuildSpec | undefined {
  if (!metadata || metadata['BuildMethod'] === undefined) return undefined;
  const method = metadata['BuildMethod'];
  if (typeof method !== 'string') throw new SamError(`${id}.Metadata.BuildMethod must be a string`);
  const properties = metadata['BuildProperties'] ?? {};
  if (!isMap(properties)) throw new SamError(`${id}.Metadata.BuildProperties must be a mapping`);
  return { method, properties };
}

/** Members the Lambda API takes as they are; what Nimbus cannot apply goes to `ignored`. */
function settingsOf(id: string, val: (k: string) => unknown, ignored: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const ephemeral = val('EphemeralStorage');
  if (ephemeral !== undefined) out['EphemeralStorage'] = ephemeral;
  const tracing = val('Tracing');
  if (tracing === 'Active' || tracing === 'PassThrough') out['TracingConfig'] = { Mode: tracing };
  else if (tracing !== undefined && tracing !== 'Disabled') throw new SamError(`${id}.Tracing must be Active, PassThrough or Disabled`);
  const logging = val('LoggingConfig');
  if (isMap(logging)) {
    const { ApplicationLogLevel, SystemLogLevel, ...rest } = logging;
    out['LoggingConfig'] = rest;
    if (ApplicationLogLevel !== undefined || SystemLogLevel !== undefined) ignored.push('LoggingConfig log levels');
  }
  // Lambda's tenant isolation mode (PER_TENANT): CreateFunction's member as it is.
  const tenancy = val('TenancyConfig');
  if (tenancy !== undefined) {
    if (!isMap(tenancy)) throw new SamError(`${id}.TenancyConfig must be a mapping (TenantIsolationMode: PER_TENANT)`);
    out['TenancyConfig'] = tenancy;
  }
  const dlq = val('DeadLetterQueue');
  if (isMap(dlq)) {
    if (dlq['Type'] !== 'SQS') ignored.push(`DeadLetterQueue (${String(dlq['Type'])})`);
    else out['DeadLetterConfig'] = { TargetArn: requiredString(dlq['TargetArn'], `${id}.DeadLetterQueue.TargetArn`) };
  }
  return out;
}

function urlConfig(id: string, raw: unknown): FunctionPlan['url'] {
  if (raw === undefined) return undefined;
  if (!isMap(raw) || typeof raw['AuthType'] !== 'string') throw new SamError(`${id}: FunctionUrlConfig needs an AuthType`);
  const url: NonNullable<FunctionPlan['url']> = { AuthType: raw['AuthType'] };
  if (isMap(raw['Cors'])) url.Cors = raw['Cors'];
  if (typeof raw['InvokeMode'] === 'string') url.InvokeMode = raw['InvokeMode'];
  return url;
}

/**
 * SAM's EventInvokeConfig: MaximumEventAgeInSeconds, MaximumRetryAttempts and DestinationConfig
 * with OnSuccess/OnFailure `{Type, Destination}`; Lambda's API takes `{Destination}` only.
 */
function eventInvokeConfig(id: string, raw: unknown): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  if (!isMap(raw)) throw new SamError(`${id}.EventInvokeConfig must be a mapping`);
  const out: Record<string, unknown> = {};
  const age = optionalNumber(raw['MaximumEventAgeInSeconds'], `${id}.EventInvokeConfig.MaximumEventAgeInSeconds`);
  const retries = optionalNumber(raw['MaximumRetryAttempts'], `${id}.EventInvokeConfig.MaximumRetryAttempts`);
  if (age !== undefined) out['MaximumEventAgeInSeconds'] = age;
  if (retries !== undefined) out['MaximumRetryAttempts'] = retries;
  const dc = raw['DestinationConfig'];
  if (dc !== undefined) {
    if (!isMap(dc)) throw new SamError(`${id}.EventInvokeConfig.DestinationConfig must be a mapping`);
    const destinations: Record<string, unknown> = {};
    for (const when of ['OnSuccess', 'OnFailure'] as const) {
      const d = dc[when];
      if (d === undefined) continue;
      const where = `${id}.EventInvokeConfig.DestinationConfig.${when}`;
      if (!isMap(d)) throw new SamError(`${where} must be a mapping`);
      // SAM creates a queue or topic when Destination is left out; Nimbus asks for it instead.
      const arn = d['Destination'];
      if (typeof arn !== 'string') {
        throw new SamError(`${where}.Destination must be an ARN Nimbus can resolve: a literal ARN, or a !Ref/!GetAtt of a function, queue, topic, event bus or bucket in this template`);
      }
      destinations[when] = { Destination: arn };
    }
    out['DestinationConfig'] = destinations;
  }
  return out;
}
