/**
 * Payload format 2.0 (docs/reference/lambda-api.md §4.2): the event function URLs and HTTP APIs send. Header
 * names are lower-cased and repeated headers joined with `,`; cookies move to `cookies`;
 * optional members are left out when empty, as AWS does.
 */
import { clfTime, encodeBody, headerLists, queryLists, type HttpRequestInfo } from './request.js';

export interface EventV2Context {
  accountId: string;
  apiId: string;
  domainName: string;
  domainPrefix: string;
  requestId: string;
  /** `$default` for URLs; `GET /items/{id}` for routes. */
  routeKey: string;
  stage: string;
  pathParameters: Record<string, string> | undefined;
  /** Extra headers the platform adds (x-forwarded-*, x-amzn-trace-id). */
  extraHeaders: Record<string, string>;
  /** `requestContext.authorizer`: for an AWS_IAM function URL, `{ iam: { accessKey, accountId, ... } }`. */
  authorizer?: Record<string, unknown> | undefined;
}

export function eventV2(r: HttpRequestInfo, c: EventV2Context): Record<string, unknown> {
  const lists = headerLists(r.rawHeaders);
  const cookies = (lists.get('cookie') ?? []).flatMap((h) => h.split(';').map((s) => s.trim()).filter((s) => s !== ''));
  lists.delete('cookie');
  const headers: Record<string, string> = {};
  for (const [k, v] of lists) headers[k] = v.join(',');
  Object.assign(headers, c.extraHeaders);
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: c.routeKey,
    rawPath: r.rawPath,
    rawQueryString: r.rawQuery,
  };
  if (cookies.length > 0) event['cookies'] = cookies;
  event['headers'] = headers;
  if (r.rawQuery !== '') {
    const q: Record<string, string> = {};
    for (const [k, v] of queryLists(r.rawQuery)) q[k] = v.join(',');
    event['queryStringParameters'] = q;
  }
  event['requestContext'] = {
    accountId: c.accountId,
    apiId: c.apiId,
    ...(c.authorizer ? { authorizer: c.authorizer } : {}),
    domainName: c.domainName,
    domainPrefix: c.domainPrefix,
    http: {
      method: r.method,
      path: decodePath(r.rawPath),
      protocol: r.protocol,
      sourceIp: r.sourceIp,
      userAgent: headers['user-agent'] ?? '',
    },
    requestId: c.requestId,
    routeKey: c.routeKey,
    stage: c.stage,
    time: clfTime(r.time),
    timeEpoch: r.time,
  };
  if (c.pathParameters) event['pathParameters'] = c.pathParameters;
  if (r.body.length > 0) Object.assign(event, encodeBody(r.body, headers['content-type']));
  else event['isBase64Encoded'] = false;
  return event;
}

/** requestContext.http.path is the decoded path; a malformed escape is kept as sent. */
export function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
