/**
 * REST request validation as SAM and API Gateway declare it, planned into a route's `Validation`
 * (what api/http-routes checks; httpapi/validation.ts serves it):
 *
 * - SAM: an API's `Models` (JSON Schemas by name) and an `Api` event's `RequestModel: {Model,
 *   Required, ValidateBody, ValidateParameters}` and `RequestParameters` (`method.request.
 *   querystring.x`, or `{method.request.header.x: {Required: true}}`). As SAM does, a validator
 *   exists only when `ValidateBody` or `ValidateParameters` is given (the other is then false).
 * - OpenAPI: `x-amazon-apigateway-request-validators` with the document's or an operation's
 *   `x-amazon-apigateway-request-validator`, the operation's `parameters` (`required: true`) and
 *   its body schema (Swagger 2 `in: body`, OpenAPI 3 `requestBody.content`), references into
 *   `definitions`/`components.schemas` or API Gateway's model URLs.
 *
 * A model is one schema with every model of the API under `definitions`, references rewritten to
 * point there, so a model may use another as API Gateway's do.
 */
import { SamError } from './errors.js';

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the stack API's `Routes[].Validation` takes. */
export interface ValidationPlan {
  RequiredParameters: string[];
  BodySchemas?: Record<string, unknown>;
}

/** A reference to a model by any of the forms an API's documents use, as `#/definitions/<name>`. */
function rewriteRefs(v: unknown, root: boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => rewriteRefs(x, false));
  if (!isMap(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '$schema' && !root) continue;
    if (k === '$ref' && typeof x === 'string') {
      const m = /^(?:#\/components\/schemas\/|#\/definitions\/|https:\/\/apigateway\.amazonaws\.com\/restapis\/[^/]+\/models\/)(.+)$/.exec(x);
      out[k] = m ? `#/definitions/${m[1]}` : x;
    } else out[k] = rewriteRefs(x, false);
  }
  return out;
}

/** One model as a self-contained schema: the model, with all the API's models beside it. */
export function modelSchema(schema: unknown, models: Record<string, unknown>, where: string): Record<string, unknown> {
  if (!isMap(schema)) throw new SamError(`${where}: a model must be a mapping (a JSON Schema)`);
  const definitions = Object.fromEntries(Object.entries(models).map(([k, m]) => [k, rewriteRefs(m, false)]));
  const own = rewriteRefs(schema, true) as Record<string, unknown>;
  return Object.keys(definitions).length > 0 ? { ...own, definitions: { ...definitions, ...(isMap(own['definitions']) ? own['definitions'] : {}) } } : own;
}

/** `method.request.querystring.x` -> `querystring.x`. */
function parameterName(s: string, where: string): string {
  const m = /^method\.request\.(querystring|header|path)\.(.+)$/.exec(s);
  if (!m) throw new SamError(`${where}: ${s} is not method.request.querystring.<name>, method.request.header.<name> or method.request.path.<name>`);
  return `${m[1]}.${m[2]}`;
}

/** SAM's `RequestModel` and `RequestParameters` of an `Api` event, with its API's `Models`. */
export function eventValidation(p: Record<string, unknown>, models: Record<string, unknown> | undefined, where: string): ValidationPlan | undefined {
  const rm = p['RequestModel'];
  const rp = p['RequestParameters'];
  if (rm === undefined && rp === undefined) return undefined;
  if (rm !== undefined && !isMap(rm)) throw new SamError(`${where}.RequestModel must be a mapping`);
  const required: string[] = [];
  if (rp !== undefined) {
    if (!Array.isArray(rp)) throw new SamError(`${where}.RequestParameters must be a list`);
    for (const x of rp) {
      if (typeof x === 'string') parameterName(x, `${where}.RequestParameters`);
      else if (isMap(x)) {
        for (const [name, o] of Object.entries(x)) {
          const n = parameterName(name, `${where}.RequestParameters`);
          if (isMap(o) && o['Required'] === true) required.push(n);
        }
      } else throw new SamError(`${where}.RequestParameters: each entry must be a parameter name or a mapping`);
    }
  }
  const validateBody = rm?.['ValidateBody'];
  const validateParameters = rm?.['ValidateParameters'];
  if (validateBody === undefined && validateParameters === undefined) return undefined;
  const out: ValidationPlan = { RequiredParameters: validateParameters === true ? required : [] };
  if (validateBody === true) {
    const name = rm!['Model'];
    if (typeof name !== 'string') throw new SamError(`${where}.RequestModel.Model must be the name of one of the API's Models`);
    const model = models?.[name];
    if (model === undefined) throw new SamError(`${where}.RequestModel.Model: ${name} is not one of the API's Models`);
    out.BodySchemas = { 'application/json': modelSchema(model, models!, `${where}.RequestModel`) };
  }
  return out;
}

/** An OpenAPI operation's validation, when a validator applies to it. */
export function operationValidation(doc: Record<string, unknown>, op: Record<string, unknown>, pathParams: unknown, where: string): ValidationPlan | undefined {
  const validators = doc['x-amazon-apigateway-request-validators'];
  const name = op['x-amazon-apigateway-request-validator'] ?? doc['x-amazon-apigateway-request-validator'];
  if (name === undefined) return undefined;
  if (typeof name !== 'string' || !isMap(validators) || !isMap(validators[name])) throw new SamError(`${where}: request validator ${String(name)} is not one of x-amazon-apigateway-request-validators`);
  const v = validators[name];
  const components = doc['components'];
  const models = { ...(isMap(doc['definitions']) ? doc['definitions'] : {}), ...(isMap(components) && isMap(components['schemas']) ? components['schemas'] : {}) };
  const out: ValidationPlan = { RequiredParameters: [] };
  const params = [...(Array.isArray(pathParams) ? pathParams : []), ...(Array.isArray(op['parameters']) ? op['parameters'] : [])];
  let bodySchema: unknown;
  for (const prm of params) {
    if (!isMap(prm)) continue;
    if (prm['in'] === 'body') bodySchema = prm['schema'];
    else if (prm['required'] === true && v['validateRequestParameters'] === true && typeof prm['name'] === 'string') {
      const where2 = prm['in'] === 'query' ? 'querystring' : prm['in'];
      if (where2 === 'querystring' || where2 === 'header' || where2 === 'path') out.RequiredParameters.push(`${where2}.${prm['name']}`);
    }
  }
  if (v['validateRequestBody'] === true) {
    const schemas: Record<string, unknown> = {};
    const rb = op['requestBody'];
    if (isMap(rb) && isMap(rb['content'])) {
      for (const [ct, c] of Object.entries(rb['content'])) if (isMap(c) && c['schema'] !== undefined) schemas[ct.toLowerCase()] = modelSchema(c['schema'], models, where);
    } else if (bodySchema !== undefined) {
      const consumes = Array.isArray(op['consumes']) ? op['consumes'] : Array.isArray(doc['consumes']) ? doc['consumes'] : ['application/json'];
      for (const ct of consumes) if (typeof ct === 'string') schemas[ct.toLowerCase()] = modelSchema(bodySchema, models, where);
    }
    if (Object.keys(schemas).length > 0) out.BodySchemas = schemas;
  }
  return out.RequiredParameters.length > 0 || out.BodySchemas ? out : undefined;
}
