/**
 * Payload format 1.0 (docs/reference/lambda-api.md §4.4): the REST API (`Api` event) proxy event, with single-
 * and multi-value headers and query parameters.
 */
import { decodePath } from './event-v2.js';
import { clfTime, encodeBody, headerLists, queryLists, type HttpRequestInfo } from './request.js';

export interface EventV1Context {
  accountId: string;
  apiId: string;
  domainName: string;
  requestId: string;
  /** The route's path template, for example `/items/{id}`. */
  resource: string;
  stage: string;
  pathParameters: Record<string, string> | undefined;
  /** The path as the client sent it, stage included (`requestContext.path`); default: the event's path. */
  requestPath?: string;
  /** `requestContext.authorizer`: what a Lambda authorizer answered (its context, principalId). */
  authorizer?: Record<string, unknown> | undefined;
  /** `requestContext.identity`'s signer fields for an AWS_IAM route (accessKey, accountId, caller, user, userArn). */
  identity?: Record<string, string | null> | undefined;
}

export function eventV1(r: HttpRequestInfo, c: EventV1Context): Record<string, unknown> {
  const lists = headerLists(r.rawHeaders);
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  // Format 1.0 keeps the last value of a repeated header in `headers`.
  for (const [k, v] of lists) {
    headers[k] = v[v.length - 1]!;
    multiValueHeaders[k] = v;
  }
  let query: Record<string, string> | null = null;
  let multiQuery: Record<string, string[]> | null = null;
  if (r.rawQuery !== '') {
    query = {};
    multiQuery = {};
    for (const [k, v] of queryLists(r.rawQuery)) {
      query[k] = v[v.length - 1]!;
      multiQuery[k] = v;
    }
  }
  const path = decodePath(r.rawPath);
  const body = r.body.length > 0 ? encodeBody(r.body, headers['content-type']) : { body: null, isBase64Encoded: false };
  return {
    version: '1.0',
    resource: c.resource,
    path,
    httpMethod: r.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query,
    multiValueQueryStringParameters: multiQuery,
    requestContext: {
      accountId: c.accountId,
      apiId: c.apiId,
      ...(c.authorizer ? { authorizer: c.authorizer } : {}),
      domainName: c.domainName,
      domainPrefix: c.apiId,
      extendedRequestId: c.requestId,
      httpMethod: r.method,
      identity: { ...c.identity, sourceIp: r.sourceIp, userAgent: headers['user-agent'] ?? null },
      path: c.requestPath === undefined ? path : decodePath(c.requestPath),
      protocol: r.protocol,
      requestId: c.requestId,
      requestTime: clfTime(r.time),
      requestTimeEpoch: r.time,
      resourceId: null,
      resourcePath: c.resource,
      stage: c.stage,
    },
    pathParameters: c.pathParameters ?? null,
    stageVariables: null,
    body: body.body,
    isBase64Encoded: body.isBase64Encoded,
  };
}
