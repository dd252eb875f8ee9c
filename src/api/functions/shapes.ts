/** Lambda's response shapes, built from stored records (docs/reference/lambda-api.md §1.3). */
import { functionArn } from '../../core/names.js';
import type { FunctionVersion } from '../../core/model.js';
import { lambdaTimestamp } from '../http/wire-format.js';
import { durableConfigShape } from './durable-config.js';
import { capacityProviderShape } from './capacity.js';

/** The runtime version Nimbus reports for a runtime (RuntimeVersionConfig; runtime management configs). */
export const runtimeVersionArn = (region: string, runtime: string): string => `arn:aws:lambda:${region}::runtime:nimbus-${runtime}`;

export function codeSha256Base64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

export interface ConfigurationOptions {
  /** Qualified FunctionArn (`...:function:name:$LATEST`), as List(FunctionVersion=ALL) and versions show it. */
  qualifiedArn?: boolean;
  /** ListFunctions omits State, LastUpdateStatus and RuntimeVersionConfig. */
  forList?: boolean;
}

export function functionConfiguration(v: FunctionVersion, opts: ConfigurationOptions = {}): Record<string, unknown> {
  const c: Record<string, unknown> = {
    FunctionName: v.name,
    FunctionArn: functionArn(v, v.name, opts.qualifiedArn ? v.version : undefined),
    Runtime: v.runtime,
    Role: v.role,
    Handler: v.handler,
    CodeSize: v.codeSize,
    Description: v.description,
    Timeout: v.timeout,
    MemorySize: v.memorySize,
    LastModified: lambdaTimestamp(v.lastModified),
    CodeSha256: codeSha256Base64(v.codeSha256),
    Version: v.version,
    Environment: v.environmentError ? { Error: { ErrorCode: v.environmentError.errorCode, Message: v.environmentError.message } } : { Variables: v.environment },
    ...(v.kmsKeyArn ? { KMSKeyArn: v.kmsKeyArn } : {}),
    TracingConfig: { Mode: v.tracingMode },
    RevisionId: v.revisionId,
    PackageType: v.packageType,
    Architectures: v.architectures,
    EphemeralStorage: { Size: v.ephemeralStorageMb },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: {
      LogFormat: v.logFormat,
      ...(v.applicationLogLevel ? { ApplicationLogLevel: v.applicationLogLevel } : {}),
      ...(v.systemLogLevel ? { SystemLogLevel: v.systemLogLevel } : {}),
      LogGroup: v.logGroup,
    },
    ...(v.deadLetterTargetArn ? { DeadLetterConfig: { TargetArn: v.deadLetterTargetArn } } : {}),
    ...(v.tenantIsolation ? { TenancyConfig: { TenantIsolationMode: v.tenantIsolation } } : {}),
    ...(v.capacityProvider ? { CapacityProviderConfig: capacityProviderShape(v.capacityProvider) } : {}),
    ...(v.durable ? { DurableConfig: durableConfigShape(v.durable) } : {}),
    // MODEL `Layer`: `[{Arn, CodeSize}]`, absent without layers (LS-SNAP `test_layer_lifecycle`).
    ...(v.layers?.length ? { Layers: v.layers.map((l) => ({ Arn: l.arn, CodeSize: l.codeSize })) } : {}),
  };
  if (v.image) {
    // Image functions have no runtime or handler; CodeSha256 is the image digest's hex (as AWS shows it).
    delete c['Runtime'];
    delete c['Handler'];
    c['CodeSha256'] = v.codeSha256;
    const o = v.image.overrides;
    if (o && (o.entryPoint || o.command || o.workingDirectory)) {
      c['ImageConfigResponse'] = {
        ImageConfig: {
          ...(o.entryPoint ? { EntryPoint: o.entryPoint } : {}),
          ...(o.command ? { Command: o.command } : {}),
          ...(o.workingDirectory ? { WorkingDirectory: o.workingDirectory } : {}),
        },
      };
    }
  }
  if (!opts.forList) {
    // Nimbus extracts and checks the package before it answers, so a function is ready at once:
    // the waiters (FunctionActiveV2, FunctionUpdatedV2) succeed on their first poll.
    c['State'] = 'Active';
    c['LastUpdateStatus'] = 'Successful';
    if (!v.image) c['RuntimeVersionConfig'] = { RuntimeVersionArn: runtimeVersionArn(v.region, v.runtime) };
  }
  return c;
}
