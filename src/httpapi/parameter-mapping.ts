/**
 * An HTTP API's parameter mapping, as API Gateway evaluates `requestParameters` of a service
 * integration: `$request.body` (the body as text), `$request.body.<JSONPath>` (a member of the
 * JSON body: a string as itself, anything else as its JSON text), `$request.header.<name>` and
 * `$request.querystring.<name>` (repeated values joined with commas), `$request.path.<name>`,
 * `$context.<variable>`, `$stageVariables.<name>`; any other value is a literal. A value that
 * cannot be found is absent (the service then says what is missing).
 */
import { headerLists, queryLists, type HttpRequestInfo } from './request.js';

export interface MappingInput {
  request: HttpRequestInfo;
  pathParameters: Record<string, string> | undefined;
  /** `$context.*` variables: requestId, apiId, stage, routeKey, httpMethod, path, ... */
  context: Record<string, string>;
}

/** `a.b[0].c` (with an optional leading `$.`) as its steps. */
function steps(path: string): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  const re = /\.?([A-Za-z0-9_$-]+)|\[(\d+)\]|\['([^']*)'\]/gy;
  const p = path.replace(/^\$\.?/, '');
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < p.length && (m = re.exec(p)) !== null) {
    out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]!));
    at = re.lastIndex;
  }
  return at === p.length ? out : undefined;
}

function jsonMember(body: Buffer, path: string): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const walk = steps(path);
  if (!walk) return undefined;
  for (const s of walk) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[s];
  }
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Evaluates every parameter; absent values are left out. */
export function mapParameters(params: Record<string, string>, input: MappingInput): Record<string, string> {
  const headers = headerLists(input.request.rawHeaders);
  const query = queryLists(input.request.rawQuery);
  const out: Record<string, string> = {};
  for (const [k, expr] of Object.entries(params)) {
    const v = evaluate(expr, input, headers, query);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function evaluate(expr: string, input: MappingInput, headers: Map<string, string[]>, query: Map<string, string[]>): string | undefined {
  if (!expr.startsWith('$')) return expr;
  if (expr === '$request.body') return input.request.body.toString('utf8');
  if (expr.startsWith('$request.body.')) return jsonMember(input.request.body, expr.slice('$request.body.'.length));
  const [, source, name] = /^\$(request\.header|request\.querystring|request\.path|context|stageVariables)\.(.+)$/.exec(expr) ?? [];
  switch (source) {
    case 'request.header':
      return headers.get(name!.toLowerCase())?.join(',');
    case 'request.querystring':
      return query.get(name!)?.join(',');
    case 'request.path':
      return input.pathParameters?.[name!];
    case 'context':
      return input.context[name!];
    default:
      return undefined;
  }
}
