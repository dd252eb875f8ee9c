/**
 * Records of the HTTP-facing features: aliases, function URL configs, API routes (SAM), and the
 * stacks that own them. Each lives in its own table, scoped by account and region like every
 * stored record; aliases and URL configs are removed with their function.
 */
import type { AuthorizerConfig, CorsConfig, Scope } from '../core/model.js';

/** An alias: a name pointing at a published version, optionally splitting traffic with a second. */
export interface AliasRecord extends Scope {
  functionName: string;
  name: string;
  functionVersion: string;
  description: string;
  /** AdditionalVersionWeights: at most one entry, version -> weight in [0, 1]. */
  weights: Record<string, number>;
  revisionId: string;
}

/** A function URL config; `qualifier` is '' for the unqualified function, else an alias name. */
export interface UrlConfigRecord extends Scope {
  functionName: string;
  qualifier: string;
  /** 32 characters of [a-z0-9]; never changes for the life of the config. */
  urlId: string;
  authType: string;
  cors: CorsConfig | undefined;
  invokeMode: string;
  /** Epoch ms. */
  createdAt: number;
  modifiedAt: number;
}

/** One HTTP route of an API (from a SAM template's HttpApi/Api events). */
export interface RouteRecord extends Scope {
  /** The stack that owns the route; a deployment replaces a whole stack's routes. */
  stack: string;
  /** The API the route belongs to, served on that API's own host (ApiRecord). */
  apiId: string;
  /** An HTTP method or `ANY`. */
  method: string;
  /** API Gateway path syntax: `/items/{id}`, `/{proxy+}`, or `$default` for the catch-all. */
  path: string;
  functionName: string;
  /** '' for the unqualified function, else an alias or version. */
  qualifier: string;
  payloadFormatVersion: '1.0' | '2.0';
  /** The API's Lambda authorizer this route runs first ('' for none: the route is open). */
  authorizer: string;
  /** An HTTP API service integration answering instead of a function (functionName is ''). */
  integration?: ServiceIntegration | undefined;
  /** A REST route's request validation (httpapi/validation.ts): required parameters, body models. */
  validation?: { requiredParameters: string[]; bodySchemas?: Record<string, unknown> | undefined } | undefined;
  /** A REST API's non-proxy `aws` integration to the function: mapping templates and integration responses (api/http-routes/aws-integration.ts). */
  mapping?: RouteMapping | undefined;
}

export interface RouteMapping {
  /** A `mock` integration: no backend, the request template's `statusCode` selects the response (functionName is ''). */
  mock?: boolean;
  /** Content type -> request template (Velocity). */
  requestTemplates: Record<string, string>;
  passthrough: 'WHEN_NO_MATCH' | 'WHEN_NO_TEMPLATES' | 'NEVER';
  /** Integration responses: `pattern` a selection pattern, or `default`. */
  responses: { pattern: string; statusCode: number; templates: Record<string, string>; headers: Record<string, string> }[];
}

/** An HTTP API's AWS service integration (SQS-SendMessage, EventBridge-PutEvents, ...) and its parameter mapping. */
export interface ServiceIntegration {
  subtype: string;
  /** Parameter -> `$request.body.x`, `$request.header.x`, `$context.x`, ... or a literal. */
  parameters: Record<string, string>;
}

export interface ReservedConcurrency extends Scope {
  name: string;
  reserved: number;
}

/** A PutProvisionedConcurrencyConfig as stored. */
export interface ProvisionedConfig extends Scope {
  functionName: string;
  /** A published version (`1`, `2`, ...) or an alias name. */
  qualifier: string;
  requested: number;
  /** Epoch ms of the last Put. */
  lastModified: number;
}

/**
 * An API of a stack (SAM `AWS::Serverless::Api`/`HttpApi`, or the implicit ones), served on its
 * own host `<apiId>.execute-api.<region>.localhost`, apart from the Lambda API.
 */
export interface ApiRecord extends Scope {
  /** Ten characters of [a-z0-9], as API Gateway's ids; stable for the life of the stack. */
  apiId: string;
  stack: string;
  /** The template's logical id (`ServerlessRestApi` for SAM's implicit REST API). */
  logicalId: string;
  /** A REST API (API Gateway v1, `Api` events) or an HTTP API (v2, `HttpApi` events). */
  type: 'REST' | 'HTTP';
  /** The stage the URL path starts with (`Prod`); '' for an HTTP API's `$default` stage (no prefix). */
  stage: string;
  /** CORS answered by the API itself (an HTTP API's CorsConfiguration, a REST API's Cors). */
  cors: CorsConfig | undefined;
  /** The API's Lambda authorizers by name (SAM `Auth.Authorizers`); routes name theirs. */
  authorizers: Record<string, AuthorizerConfig> | undefined;
}

/** One thing a stack created, as CloudFormation lists a stack's resources. */
export interface StackResource {
  logicalId: string;
  /** The CloudFormation type: AWS::Lambda::Function, AWS::Lambda::Alias, AWS::ApiGateway::RestApi, ... */
  type: string;
  /** The function name, `function:alias`, API id, schedule or queue name. */
  physicalId: string;
  /** `DeletionPolicy: Retain`: left in place when the stack, or the template, drops it. */
  retain?: boolean;
  /** An AWS::S3::Bucket whose NotificationConfiguration the stack set: a deployment without one clears it. */
  notification?: boolean;
}

/** A deployed stack: what it owns, with what parameters, and how its last operation ended. */
export interface StackRecord extends Scope {
  name: string;
  /** `arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`, fixed for the life of the stack. */
  stackId: string;
  /** CREATE_COMPLETE, UPDATE_COMPLETE, UPDATE_ROLLBACK_COMPLETE, UPDATE_ROLLBACK_FAILED. */
  status: string;
  /** Why the last operation failed (or what it could not clean up); '' when nothing to say. */
  statusReason: string;
  description: string;
  /** Parameter values of the last successful deployment, reused by the next one. */
  parameters: Record<string, string>;
  outputs: Record<string, string>;
  resources: StackResource[];
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
  /**
   * The CloudFormation template this deployment was made from, when it came through CloudFormation's
   * API (GetTemplate, and a redeploy of the same template reporting no changes, after a restart).
   * A deployment by `nimbus deploy` writes none: the stack then has no CloudFormation template.
   */
  deployedWith?: StackTemplate | undefined;
}

/** What a stack was last deployed with through CloudFormation's API. */
export interface StackTemplate {
  body: string;
  capabilities: string[];
  tags: { Key: string; Value: string }[];
}

/** Where an event-source mapping is in its life (Lambda's `State`, docs/reference/lambda-api.md §1.4.6). */
export type MappingState = 'Creating' | 'Enabling' | 'Enabled' | 'Disabling' | 'Disabled' | 'Updating' | 'Deleting';

/**
 * An event-source mapping (CreateEventSourceMapping). Not tied to its function by a foreign key:
 * as on AWS, deleting a function leaves its mappings (DeleteFunction's reference says to delete
 * them with DeleteEventSourceMapping), and they report the missing function.
 */
export interface EventSourceMappingRecord extends Scope {
  uuid: string;
  functionName: string;
  /** The version or alias the mapping invokes; undefined for the unqualified function. */
  qualifier: string | undefined;
  eventSourceArn: string;
  /** What the user asked for; `state` is where the mapping is on its way there. */
  enabled: boolean;
  state: MappingState;
  stateTransitionReason: string;
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  /** `FilterCriteria` as given (JSON text), if any. */
  filterCriteria: string | undefined;
  functionResponseTypes: string[];
  maximumConcurrency: number | undefined;
  /** Members kept and echoed as given (`MetricsConfig`, `ProvisionedPollerConfig`, `KMSKeyArn`). */
  extras: Record<string, unknown>;
  tags: Record<string, string>;
  /** Epoch ms. */
  createdAt: number;
  lastModified: number;
}

/** One statement of a resource-based policy, as Lambda shows it in GetPolicy's document. */
export type PolicyStatement = Record<string, unknown>;

/** A PublishLayerVersion as stored; the layer itself is just the name its versions share. */
export interface LayerVersionRecord extends Scope {
  layerName: string;
  /** 1, 2, ... per layer, never reused, even once every version is deleted. */
  version: number;
  description: string;
  /** Absent when the publish did not name any (AWS then omits the member). */
  compatibleRuntimes: string[] | undefined;
  compatibleArchitectures: string[] | undefined;
  licenseInfo: string | undefined;
  /** Hex SHA-256 of the zip: its extracted tree in the code store. */
  codeSha256: string;
  codeSize: number;
  /** Epoch ms. */
  createdAt: number;
  /** The layer version permissions (AddLayerVersionPermission); absent until the first one. */
  policy: { statements: PolicyStatement[]; revisionId: string } | undefined;
}

/** A code signing config (CreateCodeSigningConfig) as stored. */
export interface CodeSigningConfigRecord extends Scope {
  /** `csc-` and 17 characters of [a-z0-9]. */
  id: string;
  description: string;
  signingProfileVersionArns: string[];
  /** UntrustedArtifactOnDeployment. */
  policy: 'Warn' | 'Enforce';
  /** Epoch ms. */
  lastModified: number;
  tags: Record<string, string>;
}

/**
 * The settings other API areas keep beside a function, one JSON value per kind: its tags, its
 * resource-based policy per qualifier, its code signing config, its recursion and runtime
 * management configs. They go with their function (and a qualifier's with its version or alias).
 */
export type FunctionSettingKind = 'tags' | 'policy' | 'code-signing' | 'recursion' | 'runtime-management';

export interface FunctionSetting {
  functionName: string;
  /** '' for settings of the whole function; else `$LATEST`, a version or an alias. */
  qualifier: string;
  value: unknown;
}
