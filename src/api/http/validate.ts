/**
 * Checks of control-plane request members, with the messages AWS gives
 * (../shared/reference/lambda-api.md §1.2 and the model's constraints).
 */
import { invalidParameter, NimbusError, validationError } from '../../core/errors.js';
import type { RuntimeRegistry } from '../../runtimes/registry.js';

/** The model's Runtime enum (lambda-model-shapes.txt), for AWS's "enum value set" message. */
export const MODEL_RUNTIMES = [
  'nodejs', 'nodejs4.3', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'nodejs16.x', 'java8',
  'java8.al2', 'java11', 'python2.7', 'python3.6', 'python3.7', 'python3.8', 'python3.9', 'dotnetcore1.0',
  'dotnetcore2.0', 'dotnetcore2.1', 'dotnetcore3.1', 'dotnet6', 'dotnet8', 'nodejs4.3-edge', 'go1.x', 'ruby2.5',
  'ruby2.7', 'provided', 'provided.al2', 'nodejs18.x', 'python3.10', 'java17', 'ruby3.2', 'ruby3.3', 'ruby3.4',
  'python3.11', 'nodejs20.x', 'provided.al2023', 'python3.12', 'java21', 'python3.13', 'nodejs22.x', 'nodejs24.x',
  'python3.14', 'java25',
];
const ROLE = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const ENV_KEY = /^[a-zA-Z]([a-zA-Z0-9_])+$/;
/** Lambda's reserved environment variables (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html). */
const RESERVED_ENV = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function optionalString(body: Record<string, unknown>, key: string, member: string, max: number): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw validationError(v, member, 'Member must be a string');
  if (v.length > max) throw validationError(v, member, `Member must have length less than or equal to ${max}`);
  return v;
}

export function optionalInt(body: Record<string, unknown>, key: string, member: string, min: number, max: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw validationError(v, member, 'Member must be an integer');
  if (v < min) throw validationError(v, member, `Member must have value greater than or equal to ${min}`);
  if (v > max) throw validationError(v, member, `Member must have value less than or equal to ${max}`);
  return v;
}

export function optionalBool(body: Record<string, unknown>, key: string, member: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw validationError(v, member, 'Member must be a boolean');
  return v;
}

export function checkRole(v: unknown): string {
  if (v === undefined || v === null) throw validationError(null, 'role', 'Member must not be null');
  if (typeof v !== 'string' || !ROLE.test(v)) {
    throw validationError(v, 'role', `Member must satisfy regular expression pattern: ${ROLE.source.slice(1, -1)}`);
  }
  return v;
}

export function checkRuntime(v: unknown, runtimes: RuntimeRegistry): string {
  if (typeof v !== 'string' || !MODEL_RUNTIMES.includes(v)) {
    throw invalidParameter(
      `Value ${String(v)} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${runtimes.ids().join(', ')}] or be a valid ARN`,
    );
  }
  if (runtimes.isDeprecated(v)) {
    throw invalidParameter(
      `The runtime parameter of ${v} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.`,
    );
  }
  if (!runtimes.get(v)) {
    throw invalidParameter(`Nimbus cannot run the ${v} runtime. Supported runtimes: ${runtimes.ids().join(', ')}.`);
  }
  // The exact interpreter version the runtime names must be there (src/runtimes/catalog.ts).
  const refusal = runtimes.refusal(v);
  if (refusal) throw invalidParameter(refusal);
  return v;
}

export function checkHandler(v: unknown, runtime: string, runtimes: RuntimeRegistry): string {
  if (v === undefined || v === null || v === '') throw invalidParameter('Handler is required for the Zip package type.');
  if (typeof v !== 'string' || v.length > 128 || /\s/.test(v)) {
    throw validationError(v, 'handler', 'Member must satisfy regular expression pattern: [^\\s]+ and have length less than or equal to 128');
  }
  const problem = runtimes.get(runtime)?.checkHandler(v);
  if (problem) throw invalidParameter(problem);
  return v;
}

/** Environment `{Variables:{...}}`: AWS's key pattern, reserved keys and the 4 KB limit. */
export function checkEnvironment(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw validationError(v, 'environment', 'Member must be a structure');
  const vars = v['Variables'] ?? {};
  if (!isObject(vars)) throw validationError(vars, 'environment.variables', 'Member must be a map');
  const out: Record<string, string> = {};
  const reserved: string[] = [];
  for (const [k, val] of Object.entries(vars)) {
    if (!ENV_KEY.test(k)) {
      throw validationError(k, 'environment.variables', `Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]`);
    }
    if (typeof val !== 'string') throw validationError(val, `environment.variables.${k}`, 'Member must be a string');
    if (RESERVED_ENV.has(k)) reserved.push(k);
    out[k] = val;
  }
  if (reserved.length) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  const measured = JSON.stringify(out);
  if (Buffer.byteLength(measured) > 4096) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`,
    );
  }
  return out;
}

export function checkArchitectures(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw validationError(v, 'architectures', 'Member must be a list');
  if (v.length !== 1) {
    throw validationError(`[${v.join(', ')}]`, 'architectures', `Member must have length ${v.length > 1 ? 'less' : 'greater'} than or equal to 1`);
  }
  if (v[0] !== 'x86_64' && v[0] !== 'arm64') {
    throw validationError(`[${String(v[0])}]`, 'architectures', 'Member must satisfy enum value set: [x86_64, arm64]');
  }
  return [v[0]];
}

/** Decodes a base64 blob member strictly (Node's decoder silently skips junk). */
export function decodeBlob(v: unknown, member: string): Buffer {
  if (typeof v !== 'string') throw validationError(typeof v === 'string' ? v : null, member, 'Member must be a base64-encoded string');
  const s = v.replace(/\s+/g, '');
  if (s.length % 4 !== 0 || !BASE64.test(s)) {
    throw new NimbusError('ERR_INVALID_REQUEST_CONTENT', `Could not parse request body into json: ${member} is not valid base64`);
  }
  return Buffer.from(s, 'base64');
}

export function checkEnum(v: unknown, member: string, allowed: readonly string[]): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !allowed.includes(v)) {
    throw validationError(v, member, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
  return v;
}
