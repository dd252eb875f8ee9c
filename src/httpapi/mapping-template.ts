/**
 * API Gateway's mapping templates (Velocity, rendered with velocityjs) for REST APIs' non-proxy
 * `aws` integrations to Lambda: the request template makes the function's event from the request,
 * the response template the answer from the function's result. The variables are API Gateway's:
 *
 * - `$input.body`, `$input.json(x)` (the JSONPath `x` of the payload as JSON text),
 *   `$input.path(x)` (as an object, for `#foreach` and `.size()`), `$input.params()` (`{path,
 *   querystring, header}`) and `$input.params(name)` (path, then query string, then header);
 * - `$context` (`requestId`, `apiId`, `stage`, `resourcePath`, `httpMethod`, `accountId`,
 *   `identity.sourceIp`, `requestTimeEpoch`, `path`, `protocol`, `domainName`), `$stageVariables`;
 * - `$util.escapeJavaScript`, `parseJson`, `base64Encode`, `base64Decode`, `urlEncode`, `urlDecode`.
 *
 * Not there: `$util.toJson`-style helpers API Gateway lacks too, `$context.authorizer.*` of Cognito,
 * `$input.params().header` values' multi-value forms, and VTL's `#set` of `$context` members.
 */
import { render } from 'velocityjs';

export interface TemplateInput {
  /** The payload `$input` reads: the request body, or the function's result for a response template. */
  payload: string;
  path: Record<string, string>;
  querystring: Record<string, string>;
  header: Record<string, string>;
  context: Record<string, unknown>;
  stageVariables: Record<string, string>;
}

/** `$`, `$.a.b`, `$.a[0]`, `$['a']`: the steps of a JSONPath (undefined when it is not one of these). */
function steps(path: string): (string | number)[] | undefined {
  const p = path.trim().replace(/^\$\.?/, '');
  const out: (string | number)[] = [];
  const re = /\.?([A-Za-z0-9_$-]+)|\[(\d+)\]|\[['"]([^'"]*)['"]\]/gy;
  let at = 0;
  let m: RegExpExecArray | null;
  while (at < p.length && (m = re.exec(p)) !== null) {
    out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]!));
    at = re.lastIndex;
  }
  return at === p.length ? out : undefined;
}

function select(payload: string, path: string): unknown {
  let v: unknown;
  try {
    v = payload === '' ? {} : JSON.parse(payload);
  } catch {
    // API Gateway's $input.path of a body that is not JSON: the text itself at `$`, nothing below.
    return path.trim() === '$' ? payload : undefined;
  }
  for (const s of steps(path) ?? []) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[s];
  }
  return v;
}

/** JavaScript string escaping as `$util.escapeJavaScript` does it (quotes, backslashes, control characters). */
const escapeJavaScript = (s: unknown): string => JSON.stringify(String(s ?? '')).slice(1, -1).replace(/'/g, "\\'");

export function renderTemplate(template: string, i: TemplateInput): string {
  const input = {
    body: i.payload,
    json: (path: string): string => {
      const v = select(i.payload, path);
      return v === undefined ? '' : JSON.stringify(v);
    },
    path: (path: string): unknown => select(i.payload, path),
    params: (name?: string): unknown =>
      name === undefined ? { path: i.path, querystring: i.querystring, header: i.header } : (i.path[name] ?? i.querystring[name] ?? i.header[name] ?? Object.entries(i.header).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1] ?? ''),
  };
  const util = {
    escapeJavaScript,
    parseJson: (s: string): unknown => JSON.parse(s),
    base64Encode: (s: string): string => Buffer.from(String(s)).toString('base64'),
    base64Decode: (s: string): string => Buffer.from(String(s), 'base64').toString('utf8'),
    urlEncode: (s: string): string => encodeURIComponent(String(s)),
    urlDecode: (s: string): string => decodeURIComponent(String(s)),
  };
  return render(template, { input, util, context: i.context, stageVariables: i.stageVariables });
}
