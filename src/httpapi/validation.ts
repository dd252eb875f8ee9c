/**
 * A REST API's request validation, as API Gateway's request validators check a method's request
 * before its integration runs: the required request parameters (`querystring.x`, `header.x`,
 * `path.x`) must be present and not empty, and the body must be JSON valid against the method's
 * model for its content type (JSON Schema draft-04, what API Gateway models are written in; no
 * content type is `application/json`). The answers are API Gateway's `BAD_REQUEST_PARAMETERS`
 * and `BAD_REQUEST_BODY` gateway responses: 400 `{"message": "Missing required request
 * parameters: [x, y]"}` and 400 `{"message": "Invalid request body"}`. Parameters are checked
 * first.
 */
import Ajv04Module from 'ajv-draft-04';
import type { ValidateFunction } from 'ajv';

export interface RouteValidation {
  /** `querystring.<name>`, `header.<name>`, `path.<name>`: each must be present and not empty. */
  requiredParameters: string[];
  /** Content type -> model (JSON Schema draft-04); absent: the body is not validated. */
  bodySchemas?: Record<string, unknown> | undefined;
}

export interface ValidatedRequest {
  headers: Map<string, string[]>;
  query: Map<string, string[]>;
  pathParameters: Record<string, string> | undefined;
  body: Buffer;
}

// A CommonJS module: its class is the export's `default` under NodeNext.
const Ajv04 = (Ajv04Module as unknown as { default: typeof Ajv04Module }).default ?? Ajv04Module;
const ajv = new (Ajv04 as unknown as new (o: object) => { compile(s: object): ValidateFunction })({ allErrors: false, strict: false, validateFormats: false });
/** Compiled models by their JSON text; bounded (a stack's models are few, deployments replace them). */
const compiled = new Map<string, ValidateFunction>();
const MAX_COMPILED = 1000;

/** Compiles a model; throws with Ajv's message when it is not a valid draft-04 schema. */
export function compileModel(schema: unknown): ValidateFunction {
  const key = JSON.stringify(schema);
  const known = compiled.get(key);
  if (known) return known;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new Error('a model must be a JSON object');
  const v = ajv.compile(schema);
  if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, v);
  return v;
}

/** The 400 message, or undefined when the request passes. */
export function validateRequest(v: RouteValidation, r: ValidatedRequest): string | undefined {
  const missing = v.requiredParameters
    .filter((p) => {
      const dot = p.indexOf('.');
      const [where, name] = [p.slice(0, dot), p.slice(dot + 1)];
      const value = where === 'header' ? r.headers.get(name.toLowerCase())?.[0] : where === 'querystring' ? r.query.get(name)?.[0] : r.pathParameters?.[name];
      return value === undefined || value.trim() === '';
    })
    .map((p) => p.slice(p.indexOf('.') + 1));
  if (missing.length > 0) return `Missing required request parameters: [${missing.join(', ')}]`;
  if (!v.bodySchemas) return undefined;
  const type = (r.headers.get('content-type')?.[0] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  const schema = v.bodySchemas[type];
  if (schema === undefined) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(r.body.toString('utf8'));
  } catch {
    return 'Invalid request body';
  }
  return compileModel(schema)(body) ? undefined : 'Invalid request body';
}
