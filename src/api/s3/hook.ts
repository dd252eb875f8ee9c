/**
 * Serving the S3 REST API (src/s3) on Nimbus's one endpoint. An S3 request is told apart from
 * Lambda's paths and the other services by what S3 clients always send: a SigV4 credential
 * scoped to the `s3` service (Authorization header or presigned X-Amz-Credential), or a Host that
 * names an S3 endpoint (`s3.<anything>`, `<bucket>.s3.<anything>`). Function URL and API hosts
 * are claimed earlier; nothing else is taken. Requests are authenticated as `s3` by the gateway
 * (presigned URLs included), then authorised per operation as `s3:<Action>` on the bucket or
 * object ARN, and every refusal is answered in S3's XML error shape.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { NimbusError } from '../../core/errors.js';
import { isS3Host, s3Address } from '../../s3/address.js';
import { S3Error, type S3ErrorCode } from '../../s3/errors.js';
import { dispatch } from '../../s3/rest/dispatch.js';
import type { S3Request, S3Response } from '../../s3/rest/request.js';
import type { S3Service } from '../../s3/service.js';
import { errorXml } from '../../s3/xml.js';
import type { Authenticated } from '../http/authn.js';
import { discardBody } from '../http/body.js';
import type { Reply, RequestContext } from '../http/context.js';
import type { HookMatch, RouteHook } from '../http/server.js';
import type { WireCode } from '../../core/errors.js';

const CREDENTIAL_SERVICE = /Credential=[^/,\s]+\/\d{8}\/[^/,\s]+\/([^/,\s]+)\//;
const QUERY_SERVICE = /X-Amz-Credential=[^&/]+(?:\/|%2F)\d{8}(?:\/|%2F)[^&/%]+(?:\/|%2F)([^&/%]+)(?:\/|%2F)/i;

/** The SigV4 service a request is signed for, if it is signed. */
function signedService(req: http.IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') return CREDENTIAL_SERVICE.exec(auth)?.[1];
  const url = req.url ?? '';
  if (url.includes('X-Amz-Credential')) return QUERY_SERVICE.exec(url)?.[1];
  // SigV2 presigned URLs (older botocore's default for S3): only S3 ever took them. Nimbus does not
  // verify SigV2, so they pass as unsigned requests do: in local mode only (docs/s3.md).
  return SIGV2_QUERY.test(url) ? 's3' : undefined;
}

const SIGV2_QUERY = /[?&]AWSAccessKeyId=[^&]+.*&Signature=|[?&]Signature=[^&]+.*&AWSAccessKeyId=/;

/** Nimbus's refusals (authentication, the guard, policies) as S3 names them. */
const FROM_NIMBUS: Partial<Record<string, S3ErrorCode>> = {
  ERR_MISSING_AUTH_TOKEN: 'AccessDenied',
  ERR_INCOMPLETE_SIGNATURE: 'AuthorizationHeaderMalformed',
  ERR_INVALID_SIGNATURE: 'SignatureDoesNotMatch',
  ERR_UNRECOGNIZED_CLIENT: 'InvalidAccessKeyId',
  ERR_VALIDATION: 'InvalidRequest',
  ERR_ACCESS_DENIED: 'AccessDenied',
  ERR_SHUTTING_DOWN: 'ServiceUnavailable',
};

function asS3Error(e: unknown, log: (line: string) => void): S3Error {
  if (e instanceof S3Error) return e;
  if (e instanceof NimbusError) {
    const code = FROM_NIMBUS[e.code];
    if (code) return new S3Error(code, code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch' ? undefined : e.message);
  }
  log(`s3: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return new S3Error('InternalError');
}

const requestId = (): string => randomBytes(8).toString('hex').toUpperCase();

function errorReply(e: S3Error, method: string, rid: string): Reply {
  const headers = { 'Content-Type': 'application/xml', 'x-amz-request-id': rid, 'x-amz-id-2': rid };
  return { status: e.status, headers, body: method === 'HEAD' ? undefined : errorXml(e, rid) };
}

function toReply(r: S3Response, rid: string): Reply {
  const headers: Record<string, string | number> = { ...r.headers, 'x-amz-request-id': rid, 'x-amz-id-2': rid };
  if (r.length === undefined) return { status: r.status, headers, body: r.body };
  // Objects (GET/HEAD): streamed from their file, with the object's length even for HEAD.
  const stream = r.stream;
  return {
    status: r.status,
    stream: async (res: http.ServerResponse) => {
      res.writeHead(r.status, { ...headers, 'Content-Length': r.length, 'x-amzn-RequestId': rid });
      if (!stream) {
        res.end();
        return;
      }
      try {
        await pipeline(stream, res);
      } catch {
        // The client went away mid-download: nothing to answer.
        res.destroy();
      }
    },
  };
}

export function s3Hook(deps: { s3: S3Service; log: (line: string) => void }): RouteHook {
  return (req, path) => {
    if (signedService(req) !== 's3' && !isS3Host(req.headers.host)) return undefined;
    const match: HookMatch = {
      params: {},
      api: true,
      service: 's3',
      handler: async (ctx: RequestContext) => {
        const rid = requestId();
        const method = ctx.method;
        // The S3 handlers read (or not) the body themselves, streaming it.
        (ctx as RequestContext & Authenticated).bodyRead = true;
        try {
          const addr = s3Address(req.headers.host, path);
          if (!addr) throw new S3Error('InvalidURI');
          const r: S3Request = {
            method,
            bucket: addr.bucket,
            key: addr.key,
            query: ctx.query,
            req,
            scope: ctx.scope,
            signing: (ctx as RequestContext & Authenticated).s3Signed,
            authorize: (action, resource) => ctx.authorize?.(action, resource),
            requestId: rid,
          };
          const reply = toReply(await dispatch(deps.s3, r), rid);
          // An operation that had no use for a body (a sub-resource PUT Nimbus does not keep) leaves it unread: drop it.
          if (!req.complete) discardBody(req, 1024 * 1024);
          return reply;
        } catch (e) {
          // A body not read to its end is not read further: the connection closes after the answer.
          if (!req.complete) discardBody(req, 1024 * 1024);
          return errorReply(asS3Error(e, deps.log), method, rid);
        }
      },
      renderError: (err: NimbusError & { code: WireCode }) => errorReply(asS3Error(err, deps.log), req.method ?? 'GET', requestId()),
    };
    return match;
  };
}
