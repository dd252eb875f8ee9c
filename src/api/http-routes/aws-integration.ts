/**
 * A REST API's non-proxy `aws` integration to a Lambda function, as API Gateway runs it:
 *
 * 1. The request template for the request's content type (`application/json` when none) makes
 *    the event; without one, `passthroughBehavior` decides: `WHEN_NO_MATCH` (the default) sends
 *    the body as it is, `WHEN_NO_TEMPLATES` only when the method has no template at all, `NEVER`
 *    never; a refused request is 415 `{"message": "Unsupported Media Type"}`.
 * 2. The function runs synchronously with that event.
 * 3. The integration response is chosen as API Gateway chooses it for Lambda: a function error's
 *    `errorMessage` against each response's `selectionPattern` (a regular expression matching
 *    the whole message), else the `default` response. Its status code, `responseParameters`
 *    (`'literal'`, `integration.response.body[.path]`) and `responseTemplates` (rendered with the
 *    function's result as `$input`; without one, the result as it is) make the answer.
 *
 * A template that fails to render, an event that is not JSON, a function that cannot be run and
 * a method without a matching response are API Gateway's 500 `{"message": "Internal server error"}`.
 */
import type { ApiRecord, RouteRecord } from '../../store/records.js';
import type { Reply } from '../http/context.js';
import { invokeWithEvent, isNotFound, type HttpInvokeDeps } from '../invoke/http-event.js';
import { renderTemplate, type TemplateInput } from '../../httpapi/mapping-template.js';

export type MappingConfig = NonNullable<RouteRecord['mapping']>;

const json = (status: number, text: string, extra: Record<string, string> = {}): Reply => ({ status, headers: { 'Content-Type': 'application/json', ...extra }, body: Buffer.from(text) });
const internal = (): Reply => json(500, '{"message": "Internal server error"}');

export interface MappedRequest {
  contentType: string | undefined;
  body: Buffer;
  vars: Omit<TemplateInput, 'payload'>;
  traceId: string;
}

export async function serveMapped(deps: HttpInvokeDeps & { log: (line: string) => void }, api: ApiRecord, route: RouteRecord, m: MappingConfig, r: MappedRequest): Promise<Reply> {
  const type = (r.contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  const templates = m.requestTemplates;
  const template = templates[type];
  let eventText: string;
  if (template === undefined) {
    const any = Object.keys(templates).length > 0;
    if (m.passthrough === 'NEVER' || (m.passthrough === 'WHEN_NO_TEMPLATES' && any)) return json(415, '{"message": "Unsupported Media Type"}', { 'x-amzn-ErrorType': 'UnsupportedMediaTypeException' });
    eventText = r.body.toString('utf8');
  } else {
    try {
      eventText = renderTemplate(template, { ...r.vars, payload: r.body.toString('utf8') });
    } catch (e) {
      deps.log(`API ${api.apiId} ${route.method} ${route.path}: the request template failed: ${(e as Error).message}`);
      return internal();
    }
  }
  if (m.mock) return mockAnswer(m, eventText, r);
  let event: unknown;
  try {
    event = eventText.trim() === '' ? {} : JSON.parse(eventText);
  } catch {
    deps.log(`API ${api.apiId} ${route.method} ${route.path}: the request template's result is not JSON`);
    return internal();
  }
  let result;
  try {
    result = await invokeWithEvent(deps, route, route.functionName, route.qualifier, event, r.traceId);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    deps.log(`API ${api.apiId} ${route.method} ${route.path}: ${(e as Error).message}`);
    return internal();
  }
  const payload = result.payload.toString('utf8');
  let chosen = m.responses.find((x) => x.pattern === 'default');
  if (result.functionError) {
    let message = '';
    try {
      message = String((JSON.parse(payload) as { errorMessage?: unknown }).errorMessage ?? '');
    } catch {
      // not JSON: no message to match
    }
    const matched = m.responses.find((x) => x.pattern !== 'default' && safeFullMatch(x.pattern, message));
    chosen = matched ?? chosen;
  }
  if (!chosen) return internal();
  const responseType = Object.keys(chosen.templates).find((k) => k === 'application/json') ?? Object.keys(chosen.templates)[0];
  let body = payload;
  if (responseType !== undefined) {
    try {
      body = renderTemplate(chosen.templates[responseType]!, { ...r.vars, payload });
    } catch (e) {
      deps.log(`API ${api.apiId} ${route.method} ${route.path}: the response template failed: ${(e as Error).message}`);
      return internal();
    }
  }
  const headers: Record<string, string> = { 'Content-Type': responseType ?? 'application/json', 'x-amzn-RequestId': result.requestId };
  for (const [name, source] of Object.entries(chosen.headers)) {
    const v = parameterValue(source, payload);
    if (v !== undefined) headers[name] = v;
  }
  return { status: chosen.statusCode, headers, body: Buffer.from(body) };
}

/**
 * A `mock` integration: the request template's `statusCode` (200 without one) selects the
 * response whose selection pattern matches it as text, else `default`; its template is rendered
 * with an empty `$input` (API Gateway's CORS preflight methods are written this way).
 */
function mockAnswer(m: MappingConfig, eventText: string, r: MappedRequest): Reply {
  let status = 200;
  try {
    const s = (JSON.parse(eventText) as { statusCode?: unknown }).statusCode;
    if (typeof s === 'number' && Number.isInteger(s)) status = s;
  } catch {
    // no statusCode: 200
  }
  const chosen = m.responses.find((x) => x.pattern !== 'default' && safeFullMatch(x.pattern, String(status))) ?? m.responses.find((x) => x.pattern === 'default');
  if (!chosen) return internal();
  const type = Object.keys(chosen.templates).find((k) => k === 'application/json') ?? Object.keys(chosen.templates)[0];
  let body = '';
  if (type !== undefined) {
    try {
      body = renderTemplate(chosen.templates[type]!, { ...r.vars, payload: '' });
    } catch {
      return internal();
    }
  }
  const headers: Record<string, string> = { 'Content-Type': type ?? 'application/json' };
  for (const [name, source] of Object.entries(chosen.headers)) {
    const v = parameterValue(source, '');
    if (v !== undefined) headers[name] = v;
  }
  return { status: chosen.statusCode, headers, body: Buffer.from(body) };
}

function safeFullMatch(pattern: string, text: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`, 's').test(text);
  } catch {
    return false;
  }
}

/** `'literal'`, `integration.response.body` or `integration.response.body.<path>` (a Lambda integration has no headers). */
function parameterValue(source: string, payload: string): string | undefined {
  const literal = /^'(.*)'$/s.exec(source);
  if (literal) return literal[1];
  if (source === 'integration.response.body') return payload;
  if (source.startsWith('integration.response.body.')) {
    try {
      let v: unknown = JSON.parse(payload);
      for (const k of source.slice('integration.response.body.'.length).split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
      return v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
