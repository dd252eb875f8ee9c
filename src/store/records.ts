/**
 * Records of the HTTP-facing features: aliases, function URL configs and API routes (SAM).
 * Each lives in its own table, scoped by account and region like every stored record, and is
 * removed with its function.
 */
import type { CorsConfig, Scope } from '../core/model.js';

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

/** One HTTP route on the main port (from a SAM template's HttpApi/Api events). */
export interface RouteRecord extends Scope {
  /** The group the route was registered with (a SAM stack); a PUT replaces a whole group. */
  stack: string;
  /** An HTTP method or `ANY`. */
  method: string;
  /** API Gateway path syntax: `/items/{id}`, `/{proxy+}`, or `$default` for the catch-all. */
  path: string;
  functionName: string;
  /** '' for the unqualified function, else an alias or version. */
  qualifier: string;
  payloadFormatVersion: '1.0' | '2.0';
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
