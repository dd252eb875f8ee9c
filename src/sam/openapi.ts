/**
 * An API's OpenAPI definition (`DefinitionBody`, `DefinitionUri`) as the routes Nimbus serves, read
 * as API Gateway imports it: each operation of `paths` with its `x-amazon-apigateway-integration`
 * becomes a route of the API.
 *
 * - `aws_proxy` to a Lambda function (`uri` the `.../functions/<function ARN>/invocations` path,
 *   usually an `Fn::Sub` of the function's `Arn`; an HTTP API also takes the bare ARN): a route to
 *   the function, with the integration's `payloadFormatVersion` (REST 1.0; HTTP 2.0 when absent).
 * - HTTP API service integrations (`integrationSubtype` SQS-SendMessage, SQS-ReceiveMessage,
 *   SQS-DeleteMessage, SQS-PurgeQueue, EventBridge-PutEvents): a route with the integration and its
 *   `requestParameters`, answered by Nimbus's own SQS and EventBridge (api/http-routes).
 * - `x-amazon-apigateway-any-method` is `ANY`; `/$default` is the HTTP API's `$default` route.
 * - Lambda authorizers (`x-amazon-apigateway-authorizer` in `securitySchemes`/`securityDefinitions`)
 *   and the document's or an operation's `security`; `x-amazon-apigateway-cors` (HTTP APIs).
 *
 * What API Gateway has and Nimbus does not serve (non-proxy `aws` integrations with mapping
 * templates, `http`/`http_proxy`, `mock`, Step Functions, Kinesis and AppConfig subtypes, Cognito
 * and JWT authorizers) is named in a warning, operation by operation; those operations get no route.
 */
import type { RoutePlan } from './route-plan.js';
import { SamError } from './errors.js';
import { operationValidation } from './validation.js';

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'x-amazon-apigateway-any-method']);

/** The parameters each service integration takes (API Gateway's "integration subtype reference"). */
export const SUBTYPES: Record<string, { required: string[]; optional: string[] }> = {
  'SQS-SendMessage': { required: ['QueueUrl', 'MessageBody'], optional: ['DelaySeconds', 'MessageAttributes', 'MessageDeduplicationId', 'MessageGroupId', 'MessageSystemAttributes', 'Region'] },
  'SQS-ReceiveMessage': { required: ['QueueUrl'], optional: ['AttributeNames', 'MaxNumberOfMessages', 'MessageAttributeNames', 'ReceiveRequestAttemptId', 'VisibilityTimeout', 'WaitTimeSeconds', 'Region'] },
  'SQS-DeleteMessage': { required: ['QueueUrl', 'ReceiptHandle'], optional: ['Region'] },
  'SQS-PurgeQueue': { required: ['QueueUrl'], optional: ['Region'] },
  'EventBridge-PutEvents': { required: ['Detail', 'DetailType', 'Source'], optional: ['Time', 'EventBusName', 'Resources', 'Region', 'TraceHeader'] },
};

/** `$request.body`, `$request.body.a.b`, `$request.header.x`, `$request.querystring.x`, `$request.path.x`, `$context.x`, `$stageVariables.x`. */
const MAPPING = /^\$(request\.body(\.[^\s]+)?|request\.(header|querystring|path)\.[^\s]+|context\.[A-Za-z0-9_.]+|stageVariables\.[A-Za-z0-9_]+)$/;

export interface DefinitionPlan {
  routes: RoutePlan[];
  /** Lambda authorizers the definition declares, in the stack API's shape. */
  authorizers: Record<string, Record<string, unknown>>;
  /** Authorizers it declares that Nimbus does not run (routes naming them are served open). */
  unsupportedAuthorizers: string[];
  cors: Record<string, unknown> | undefined;
  /** The document's own `security`: API Gateway applies it to every operation without one, the events' routes included. */
  defaultAuthorizer: string | undefined;
  /** `METHOD path: why` of each operation that gets no route. */
  skipped: string[];
}

/** The function ARN in an integration or authorizer URI (`.../functions/<arn>/invocations`, or the ARN itself). */
export function functionOfUri(uri: unknown): string | undefined {
  if (typeof uri !== 'string') return undefined;
  const m = /\/functions\/(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?)\/invocations$/.exec(uri);
  if (m) return m[1];
  return /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/.test(uri) ? uri : undefined;
}

/**
 * Reads a resolved definition (intrinsics already evaluated). `type` is the API's kind: a REST
 * API's definition is Swagger 2 or OpenAPI 3, an HTTP API's OpenAPI 3. Malformed documents are
 * deploy errors naming the place.
 */
export function planDefinition(doc: unknown, type: 'REST' | 'HTTP', where: string): DefinitionPlan {
  if (!isMap(doc)) throw new SamError(`${where}: the OpenAPI definition must be a mapping`);
  if (doc['openapi'] === undefined && doc['swagger'] === undefined) throw new SamError(`${where}: the OpenAPI definition has neither "openapi" nor "swagger"`);
  const paths = doc['paths'] ?? {};
  if (!isMap(paths)) throw new SamError(`${where}: the OpenAPI definition's paths must be a mapping`);
  const out: DefinitionPlan = { routes: [], authorizers: {}, unsupportedAuthorizers: [], cors: undefined, defaultAuthorizer: undefined, skipped: [] };
  readAuthorizers(doc, type, where, out);
  const top = securityOf(doc['security'], out, `${where}: security`);
  if (top !== 'NONE') out.defaultAuthorizer = top;
  for (const [path, ops] of Object.entries(paths)) {
    if (!isMap(ops)) throw new SamError(`${where}: paths.${path} must be a mapping`);
    const routePath = path === '/$default' ? '$default' : path;
    if (routePath !== '$default' && !path.startsWith('/')) throw new SamError(`${where}: path ${path} must start with /`);
    for (const [m, op] of Object.entries(ops)) {
      if (!METHODS.has(m.toLowerCase())) continue;
      const method = m.toLowerCase() === 'x-amazon-apigateway-any-method' ? 'ANY' : m.toUpperCase();
      const at = `${where}: ${method} ${path}`;
      if (!isMap(op)) throw new SamError(`${at} must be a mapping`);
      const integration = op['x-amazon-apigateway-integration'];
      if (integration === undefined) {
        out.skipped.push(`${method} ${path}: no x-amazon-apigateway-integration`);
        continue;
      }
      if (!isMap(integration)) throw new SamError(`${at}: x-amazon-apigateway-integration must be a mapping`);
      const target = integrationTarget(integration, type, at);
      if ('skip' in target) {
        out.skipped.push(`${method} ${path}: ${target.skip}`);
        continue;
      }
      const route: RoutePlan = { Method: method, Path: routePath, ...target.route };
      // API Gateway validates requests of REST APIs only.
      const validation = type === 'REST' ? operationValidation(doc, op, ops['parameters'], at) : undefined;
      if (validation) route.Validation = validation;
      const authorizer = securityOf(op['security'], out, at);
      if (authorizer !== undefined) route.Authorizer = authorizer;
      out.routes.push(route);
    }
  }
  const cors = doc['x-amazon-apigateway-cors'];
  if (cors !== undefined) {
    if (!isMap(cors)) throw new SamError(`${where}: x-amazon-apigateway-cors must be a mapping`);
    if (type === 'REST') out.skipped.push('x-amazon-apigateway-cors: an HTTP API extension, ignored on a REST API');
    else out.cors = corsOf(cors);
  }
  return out;
}

type Target = { route: Omit<RoutePlan, 'Method' | 'Path'> } | { skip: string };

function integrationTarget(i: Record<string, unknown>, type: 'REST' | 'HTTP', at: string): Target {
  const kind = typeof i['type'] === 'string' ? i['type'].toLowerCase() : '';
  const subtype = i['integrationSubtype'];
  if (subtype !== undefined) {
    if (type !== 'HTTP') return { skip: `integrationSubtype ${String(subtype)} is for HTTP APIs` };
    if (typeof subtype !== 'string') throw new SamError(`${at}: integrationSubtype must be a string`);
    const spec = SUBTYPES[subtype];
    if (!spec) return { skip: `service integration ${subtype} is not served by Nimbus (it serves ${Object.keys(SUBTYPES).join(', ')})` };
    const params = i['requestParameters'] ?? {};
    if (!isMap(params)) throw new SamError(`${at}: requestParameters must be a mapping`);
    const mapped: Record<string, string> = {};
    for (const [k, v] of Object.entries(params)) {
      if (!spec.required.includes(k) && !spec.optional.includes(k)) throw new SamError(`${at}: ${subtype} has no parameter ${k} (it takes ${[...spec.required, ...spec.optional].join(', ')})`);
      if (typeof v !== 'string' && typeof v !== 'number') throw new SamError(`${at}: requestParameters.${k} must be a string (an unresolved reference?)`);
      const text = String(v);
      if (text.startsWith('$') && !MAPPING.test(text)) throw new SamError(`${at}: requestParameters.${k}: ${text} is not a mapping expression ($request.body[.path], $request.header.x, $request.querystring.x, $request.path.x, $context.x, $stageVariables.x)`);
      mapped[k] = text;
    }
    const missing = spec.required.filter((k) => mapped[k] === undefined);
    if (missing.length > 0) throw new SamError(`${at}: ${subtype} needs requestParameters ${missing.join(', ')}`);
    return { route: { Integration: { Subtype: subtype, RequestParameters: mapped }, PayloadFormatVersion: '1.0' } };
  }
  if (kind === 'aws' && type === 'REST') {
    const fn = functionOfUri(i['uri']);
    if (fn === undefined) return { skip: `aws integration ${typeof i['uri'] === 'string' ? i['uri'] : '(unresolved uri)'} is not served by Nimbus (only Lambda functions of this account)` };
    return { route: { FunctionName: fn, PayloadFormatVersion: '1.0', Mapping: mappingOf(i, at) } };
  }
  if (kind === 'mock' && type === 'REST') return { route: { PayloadFormatVersion: '1.0', Mapping: { Mock: true, ...mappingOf(i, at) } } };
  if (kind !== 'aws_proxy') return { skip: `${kind || 'an untyped'} integration is not served by Nimbus (only aws_proxy and aws to Lambda, mock on REST APIs, and HTTP API service integrations)` };
  const fn = functionOfUri(i['uri']);
  if (fn === undefined) {
    if (i['uri'] === undefined) throw new SamError(`${at}: an aws_proxy integration needs a uri`);
    return { skip: `aws_proxy uri ${typeof i['uri'] === 'string' ? i['uri'] : '(unresolved)'} is not a Lambda function of this account` };
  }
  const format = i['payloadFormatVersion'] ?? (type === 'REST' ? '1.0' : '2.0');
  if (format !== '1.0' && format !== '2.0') throw new SamError(`${at}: payloadFormatVersion must be 1.0 or 2.0`);
  if (type === 'REST' && format !== '1.0') throw new SamError(`${at}: a REST API's Lambda proxy integration has payload format 1.0`);
  return { route: { FunctionName: fn, PayloadFormatVersion: format } };
}

const textMap = (v: unknown, at: string): Record<string, string> => {
  if (v === undefined) return {};
  if (!isMap(v) || Object.values(v).some((x) => typeof x !== 'string')) throw new SamError(`${at} must be a mapping of strings`);
  return v as Record<string, string>;
};

/** A non-proxy integration's templates and responses, in the stack API's `Mapping` shape. */
function mappingOf(i: Record<string, unknown>, at: string): NonNullable<RoutePlan['Mapping']> {
  const responses = i['responses'] ?? {};
  if (!isMap(responses)) throw new SamError(`${at}: the integration's responses must be a mapping`);
  return {
    RequestTemplates: Object.fromEntries(Object.entries(textMap(i['requestTemplates'], `${at}: requestTemplates`)).map(([k, v]) => [k.toLowerCase(), v])),
    PassthroughBehavior: typeof i['passthroughBehavior'] === 'string' ? i['passthroughBehavior'].toUpperCase() : 'WHEN_NO_MATCH',
    Responses: Object.entries(responses).map(([pattern, r]) => {
      if (!isMap(r)) throw new SamError(`${at}: response ${pattern} must be a mapping`);
      const status = Number(r['statusCode'] ?? 200);
      if (!Number.isInteger(status)) throw new SamError(`${at}: response ${pattern}'s statusCode must be a number`);
      const params = textMap(r['responseParameters'], `${at}: response ${pattern}'s responseParameters`);
      return {
        SelectionPattern: pattern,
        StatusCode: status,
        ResponseTemplates: textMap(r['responseTemplates'], `${at}: response ${pattern}'s responseTemplates`),
        ResponseParameters: Object.fromEntries(Object.entries(params).map(([k, v]) => [k.replace(/^method\.response\.header\./, ''), v])),
      };
    }),
  };
}

/** The authorizer an operation's `security` names: the first requirement naming a known scheme. */
function securityOf(security: unknown, out: DefinitionPlan, at: string): string | undefined {
  if (security === undefined) return undefined;
  if (!Array.isArray(security)) throw new SamError(`${at}: security must be a list`);
  // `security: []` on an operation opens it; NONE says so to routeAuthorizer.
  if (security.length === 0) return 'NONE';
  for (const req of security) {
    if (!isMap(req)) throw new SamError(`${at}: each security requirement must be a mapping`);
    for (const name of Object.keys(req)) {
      if (out.authorizers[name] || out.unsupportedAuthorizers.includes(name)) return name;
      if (name === 'sigv4' || name === 'AWS_IAM') return 'AWS_IAM';
    }
  }
  return undefined;
}

/** `method.request.header.Auth` (REST) and `$request.header.Auth` (HTTP) as the stack API's sources. */
function identitySources(v: unknown): string[] {
  const list = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [];
  return list
    .filter((s): s is string => typeof s === 'string')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => s.replace(/^method\.request\.(header|querystring)\./, '$request.$1.').replace(/^context\./, '$context.').replace(/^stageVariables\./, '$stageVariables.'));
}

function readAuthorizers(doc: Record<string, unknown>, type: 'REST' | 'HTTP', where: string, out: DefinitionPlan): void {
  const components = doc['components'];
  const schemes = { ...(isMap(doc['securityDefinitions']) ? doc['securityDefinitions'] : {}), ...(isMap(components) && isMap(components['securitySchemes']) ? components['securitySchemes'] : {}) };
  for (const [name, s] of Object.entries(schemes)) {
    const at = `${where}: security scheme ${name}`;
    if (!isMap(s)) throw new SamError(`${at} must be a mapping`);
    const a = s['x-amazon-apigateway-authorizer'];
    if (s['type'] === 'apiKey' && a === undefined && s['x-amazon-apigateway-authtype'] === 'awsSigv4') continue;
    if (!isMap(a)) {
      out.unsupportedAuthorizers.push(name);
      continue;
    }
    const kind = typeof a['type'] === 'string' ? a['type'].toLowerCase() : '';
    if (kind !== 'token' && kind !== 'request') {
      // jwt, cognito_user_pools
      out.unsupportedAuthorizers.push(name);
      continue;
    }
    const fn = functionOfUri(a['authorizerUri']);
    if (fn === undefined) throw new SamError(`${at}: authorizerUri must name a Lambda function (.../functions/<arn>/invocations)`);
    if (type === 'HTTP' && kind === 'token') throw new SamError(`${at}: an HTTP API's Lambda authorizer is of type request`);
    const format = type === 'REST' ? '1.0' : String(a['authorizerPayloadFormatVersion'] ?? '');
    if (format !== '1.0' && format !== '2.0') throw new SamError(`${at}: authorizerPayloadFormatVersion must be 1.0 or 2.0`);
    const sources = identitySources(a['identitySource']);
    const ttl = a['authorizerResultTtlInSeconds'] ?? (type === 'REST' ? 300 : 0);
    if (typeof ttl !== 'number') throw new SamError(`${at}: authorizerResultTtlInSeconds must be a number`);
    out.authorizers[name] = {
      FunctionName: fn,
      PayloadType: kind.toUpperCase(),
      PayloadFormatVersion: format,
      EnableSimpleResponses: type === 'HTTP' && a['enableSimpleResponses'] === true,
      IdentitySource: kind === 'token' && sources.length === 0 ? ['$request.header.Authorization'] : sources,
      ...(typeof a['identityValidationExpression'] === 'string' ? { ValidationExpression: a['identityValidationExpression'] } : {}),
      ResultTtlInSeconds: ttl,
    };
  }
}

function corsOf(c: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const names: Record<string, string> = { allowOrigins: 'AllowOrigins', allowMethods: 'AllowMethods', allowHeaders: 'AllowHeaders', exposeHeaders: 'ExposeHeaders' };
  for (const [k, to] of Object.entries(names)) if (Array.isArray(c[k])) out[to] = (c[k] as unknown[]).map(String);
  if (typeof c['maxAge'] === 'number') out['MaxAge'] = c['maxAge'];
  if (typeof c['allowCredentials'] === 'boolean') out['AllowCredentials'] = c['allowCredentials'];
  return out;
}
