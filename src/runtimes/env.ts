/**
 * The environment a function sees: Lambda's standard variables and the function's own, and
 * nothing of the host's (the host may set NODE_EXTRA_CA_CERTS, proxies, credentials...).
 * Precedence as in AWS's Runtime Interface Emulator: platform defaults the user may override,
 * then the user's variables, then the reserved variables, which always win.
 */
import type { FunctionVersion } from '../core/model.js';
import type { Credentials } from './credentials.js';

/** Lambda's platform defaults, which a function's own variables may override. */
export const PLATFORM_ENV: Readonly<Record<string, string>> = {
  LANG: 'en_US.UTF-8',
  TZ: ':UTC',
  PATH: '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin',
  LD_LIBRARY_PATH: '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib',
  AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
};

/** What the platform adds per sandbox: the execution role's credentials (credentials.ts). */
export interface SandboxPlatform {
  credentials?: Credentials;
  /** The sandbox's concurrency when it differs from the function's setting (1 with extensions). */
  maxConcurrency?: number;
}

export function lambdaEnvironment(v: FunctionVersion, logStream: string, extra: SandboxPlatform = {}): Record<string, string> {
  const platform = PLATFORM_ENV;
  const reserved: Record<string, string> = {
    _HANDLER: v.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_${v.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: v.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(v.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: v.version,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: v.logGroup,
    AWS_LAMBDA_LOG_STREAM_NAME: logStream,
    AWS_REGION: v.region,
    AWS_DEFAULT_REGION: v.region,
  };
  if (v.logFormat === 'JSON') reserved['AWS_LAMBDA_LOG_FORMAT'] = 'JSON';
  // Lambda Managed Instances: a runtime (AWS's RIE and RICs, Nimbus's guests) runs this many loops
  // at once when it is set (docs/multi-concurrency.md).
  if (v.capacityProvider) reserved['AWS_LAMBDA_MAX_CONCURRENCY'] = String(extra.maxConcurrency ?? v.capacityProvider.maxConcurrency ?? 1);
  // The runtimes filter application logs by it (docs/reference/lambda-api.md §3.5: set with JSON only).
  if (v.logFormat === 'JSON' && v.applicationLogLevel) reserved['AWS_LAMBDA_LOG_LEVEL'] = v.applicationLogLevel;
  // Reserved on AWS (a function cannot set them), so they always win over the function's own.
  if (extra.credentials) {
    reserved['AWS_ACCESS_KEY_ID'] = extra.credentials.accessKeyId;
    reserved['AWS_SECRET_ACCESS_KEY'] = extra.credentials.secretAccessKey;
    reserved['AWS_SESSION_TOKEN'] = extra.credentials.sessionToken;
  }
  return { ...platform, ...v.environment, ...reserved };
}
