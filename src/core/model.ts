/**
 * The shared model every room names: a scope (account and region), one version of a function,
 * and the keys modules use to index them. Stored by src/store, served by src/api, run by
 * src/invoke and src/pool; it lives here so that none of them has to import another to say
 * "a function version".
 */
import type { ImageCode } from './images.js';

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
  /** LoggingConfig.ApplicationLogLevel and SystemLogLevel: set only with LogFormat JSON (docs/reference/lambda-logging.md §1). */
  applicationLogLevel?: string | undefined;
  systemLogLevel?: string | undefined;
  /** TenancyConfig.TenantIsolationMode (`PER_TENANT`): fixed at create; every invoke names a tenant. */
  tenantIsolation?: string | undefined;
  /**
   * CapacityProviderConfig (Lambda Managed Instances), as given: with `maxConcurrency` > 1 one
   * sandbox runs that many invocations at once (docs/multi-concurrency.md).
   */
  capacityProvider?: CapacityProviderSetting | undefined;
  /** DurableConfig: the function runs as durable executions (docs/durable.md); chosen at create. */
  durable?: DurableSetting | undefined;
  packageType: string;
  /**
   * The function's environment variables. Kept in one place of the data model (its own column)
   * so that encryption at rest can be added without touching anything else.
   */
  environment: Record<string, string>;
  /** KMSKeyArn: the named key of Nimbus's keyring that encrypts the environment (absent: the default key). */
  kmsKeyArn?: string | undefined;
  /**
   * Set on a record read back when its environment could not be decrypted (its key left the
   * keyring, or the ciphertext does not authenticate): `environment` is then empty, the API shows
   * this as `Environment.Error`, and Invoke fails with the KMS error, as on AWS. Never stored.
   */
  environmentError?: { errorCode: 'KMSNotFoundException' | 'KMSAccessDeniedException'; message: string } | undefined;
  /** Hex SHA-256 of the deployment package (the API shows it base64-encoded). */
  codeSha256: string;
  codeSize: number;
  /** Epoch ms of the last change. */
  lastModified: number;
  revisionId: string;
  /** DeadLetterConfig.TargetArn: where async events that finally fail are sent (docs/async.md). */
  deadLetterTargetArn?: string | undefined;
  /** The layers the sandbox shows merged at /opt, in order (docs/layers.md); absent: none. */
  layers?: LayerRef[] | undefined;
  /**
   * PackageType Image (docs/images.md): the image and its settings. `runtime` and `handler` are
   * then empty, and `codeSha256` is the hex of the image digest ResolvedImageUri names.
   */
  image?: ImageCode | undefined;
}

/** How many invocations one sandbox of the function may run at once (1: Lambda's default contract). */
export function perSandboxConcurrency(v: { capacityProvider?: CapacityProviderSetting | undefined }): number {
  return v.capacityProvider?.maxConcurrency ?? 1;
}

/** DurableConfig's members (MODEL `DurableConfig`), with AWS's defaults filled in. */
export interface DurableSetting {
  /** ExecutionTimeout in seconds (1-31622400): how long one execution may run, all invocations and waits included. */
  executionTimeout: number;
  /** RetentionPeriodInDays (1-90, default 14): how long a closed execution stays readable. */
  retentionPeriodInDays: number;
}

/** CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig's members. */
export interface CapacityProviderSetting {
  arn: string;
  /** PerExecutionEnvironmentMaxConcurrency (1-1600); absent: not given (one at a time). */
  maxConcurrency?: number;
  /** ExecutionEnvironmentMemoryGiBPerVCpu (2.0-8.0), stored and returned; Nimbus's CPU model does not use it. */
  memoryGiBPerVCpu?: number;
}

/**
 * One layer version a function version uses. The content is referenced by hash, not through the
 * layer version's record: a deleted layer version keeps working for the functions that use it, as
 * on AWS, because the code store keeps a package while anything references it.
 */
export interface LayerRef {
  /** The layer version's ARN, `arn:aws:lambda:<region>:<account>:layer:<name>:<version>`. */
  arn: string;
  /** Hex SHA-256 of the layer's zip: its extracted tree in the code store. */
  codeSha256: string;
  /** Size of the zip in bytes (`FunctionConfiguration.Layers[].CodeSize`). */
  codeSize: number;
}

/** A function URL's CORS settings, as the API takes and returns them (MODEL `Cors`). */
export interface CorsConfig {
  AllowCredentials?: boolean;
  AllowHeaders?: string[];
  AllowMethods?: string[];
  AllowOrigins?: string[];
  ExposeHeaders?: string[];
  MaxAge?: number;
}

/** One authorizer of an API, as stored with it. */
export interface AuthorizerConfig {
  /** The authorizer function: a name, `name:qualifier` or an ARN. */
  functionName: string;
  /** REST APIs: TOKEN (one header) or REQUEST; HTTP APIs: always REQUEST. */
  payloadType: 'TOKEN' | 'REQUEST';
  /** The event's format: REST APIs 1.0; HTTP APIs 1.0 or 2.0 (`AuthorizerPayloadFormatVersion`). */
  payloadFormatVersion: '1.0' | '2.0';
  /** HTTP payload 2.0 only: the function answers `{isAuthorized, context}` instead of a policy. */
  simpleResponses: boolean;
  /**
   * Where the identity comes from, in API Gateway's v2 notation: `$request.header.Authorization`,
   * `$request.querystring.token`, `$context.<name>`, `$stageVariables.<name>`. A TOKEN authorizer
   * has exactly one header.
   */
  identitySource: string[];
  /** TOKEN only: a regular expression the token must match, else 401 without a call. */
  validationExpression?: string | undefined;
  /** How long a result is kept per identity (0: every request calls the function). */
  ttlSeconds: number;
}
