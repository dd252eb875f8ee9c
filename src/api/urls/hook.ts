/**
 * Serving function URLs (docs/reference/lambda-api.md §4): requests whose Host is
 * `<url-id>.lambda-url.<region>.<anything>`, or whose path is `/nimbus/v1/url/<url-id>/...`
 * for clients that cannot choose a Host. Every method and path goes to the function as a
 * payload 2.0 event; its result is mapped back per §4.3, and CORS comes from the URL config.
 * A RESPONSE_STREAM URL sends the response as the function produces it (stream.ts).
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Clock } from '../../core/clock.js';
import { isPreflight, preflightHeaders, responseCorsHeaders, withoutCorsHeaders } from '../../httpapi/cors.js';
import { eventV2 } from '../../httpapi/event-v2.js';
import { headerLists, requestInfo } from '../../httpapi/request.js';
import { responseV2 } from '../../httpapi/response.js';
import type { UrlConfigStore } from '../../store/types.js';
import { NimbusError } from '../../core/errors.js';
import { functionArn } from '../../core/names.js';
import type { UrlConfigRecord } from '../../store/records.js';
import type { Authenticated } from '../http/authn.js';
import type { FunctionTarget } from '../http/authz.js';
import type { Handler, Reply, RequestContext } from '../http/context.js';
import type { Security } from '../http/server.js';
import type { RouteHook } from '../http/server.js';
import { invokeWithEvent, newTraceId, readHttpBody, type HttpInvokeDeps } from '../invoke/http-event.js';
import { UrlStreamSink } from './stream.js';

const HOST = /^([a-z0-9]{32})\.lambda-url\.([a-z0-9-]+)\./i;
const PATH_FORM = /^\/nimbus\/v1\/url\/([a-z0-9]{32})(\/.*)?$/;

export interface UrlHookDeps extends HttpInvokeDeps {
  urls: UrlConfigStore;
  clock: Clock;
  /** Checks AuthType AWS_IAM URLs' signatures and policies; absent: such URLs refuse every request. */
  security?: Security | undefined;
}

/**
 * What AWS answers a request an AWS_IAM URL refuses (awsdocs/aws-lambda-developer-guide#494:
 * 403, AccessDeniedException, `Message` with a capital M).
 */
const forbidden = (): Reply => ({
  status: 403,
  headers: { 'x-amzn-ErrorType': 'AccessDeniedException', 'Content-Type': 'application/json' },
  body: Buffer.from(JSON.stringify({ Message: 'Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html' })),
});

/**
 * AuthType AWS_IAM: the request must be SigV4-signed for service `lambda` (header or presigned),
 * and the signer must be allowed lambda:InvokeFunctionUrl on the function: its own account's
 * keys by their identity policies, another account's only through the function's resource
 * policy as well. Anything else is AWS's 403 Forbidden. Returns undefined when allowed.
 */
async function iamRefusal(deps: UrlHookDeps, ctx: RequestContext, config: UrlConfigRecord): Promise<Reply | undefined> {
  const security = deps.security;
  if (!security) return forbidden();
  try {
    await security.authenticator.authenticate(ctx as RequestContext & Authenticated, ['lambda'], { requireSignature: true });
    const who = ctx.principal;
    if (!who) return forbidden();
    const fn: FunctionTarget = {
      accountId: config.accountId,
      region: config.region,
      name: config.functionName,
      qualifier: config.qualifier === '$LATEST' ? undefined : config.qualifier,
      arn: functionArn(config, config.functionName, config.qualifier === '$LATEST' ? undefined : config.qualifier),
    };
    await security.authorizer.check(who, 'lambda:InvokeFunctionUrl', fn.arn, fn, { 'lambda:FunctionUrlAuthType': 'AWS_IAM' });
    return undefined;
  } catch (e) {
    if (e instanceof NimbusError) return forbidden();
    throw e;
  }
}

/** AWS (as mirrored by LocalStack) answers an unknown URL id with this 403. */
const accessDenied = (): Reply => ({
  status: 403,
  headers: { 'x-amzn-ErrorType': 'AccessDeniedException', 'Content-Type': 'application/json' },
  body: Buffer.from('{"Message":null}'),
});

const internalError = (extra: Record<string, string> = {}): Reply => ({
  status: 502,
  headers: { 'Content-Type': 'text/plain', ...extra },
  body: Buffer.from('Internal Server Error'),
});

export function functionUrlHook(deps: UrlHookDeps): RouteHook {
  return (req: http.IncomingMessage, path: string) => {
    const host = HOST.exec(req.headers.host ?? '');
    if (host) return { handler: serve(deps, host[1]!.toLowerCase(), path), params: {} };
    const p = PATH_FORM.exec(path);
    if (p) return { handler: serve(deps, p[1]!, p[2] ?? '/'), params: {} };
    return undefined;
  };
}

function serve(deps: UrlHookDeps, urlId: string, rawPath: string): Handler {
  return async (ctx) => {
    const config = await deps.urls.byUrlId(urlId);
    if (!config) return accessDenied();
    if (config.authType === 'AWS_IAM') {
      const refused = await iamRefusal(deps, ctx, config);
      if (refused) return refused;
      try {
        // The signature covers the body: a body that does not match is refused like any bad signature.
        await readHttpBody(ctx);
      } catch (e) {
        if (e instanceof NimbusError && e.code === 'ERR_INVALID_SIGNATURE') return forbidden();
        throw e;
      }
    }
    const lists = headerLists(ctx.req.rawHeaders);
    const origin = lists.get('origin')?.[0];
    if (config.cors && isPreflight(ctx.method, lists)) {
      return { status: 200, headers: preflightHeaders(config.cors, origin), body: Buffer.alloc(0) };
    }
    const body = await readHttpBody(ctx);
    const who = config.authType === 'AWS_IAM' ? ctx.principal : undefined;
    const now = deps.clock.now();
    const rawUrl = ctx.req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const info = requestInfo(ctx.req, rawPath, q < 0 ? '' : rawUrl.slice(q + 1), body, now);
    const traceId = newTraceId(now);
    const event = eventV2(info, {
      accountId: config.accountId,
      apiId: urlId,
      domainName: `${urlId}.lambda-url.${config.region}.localhost`,
      domainPrefix: urlId,
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      pathParameters: undefined,
      // The signer, as Lambda describes it to an AWS_IAM URL's function (Lambda DG, "Invoking function URLs": request payload).
      ...(who
        ? {
            authorizer: {
              iam: {
                accessKey: who.accessKeyId ?? null,
                accountId: who.accountId,
                callerId: who.accessKeyId ?? null,
                cognitoIdentity: null,
                principalOrgId: null,
                userArn: who.arn,
                userId: who.accessKeyId ?? null,
              },
            },
          }
        : {}),
      extraHeaders: {
        'x-amzn-trace-id': traceId,
        'x-forwarded-for': info.sourceIp,
        'x-forwarded-port': String(ctx.req.socket.localPort ?? ''),
        'x-forwarded-proto': 'http',
      },
    });
    const cors = config.cors ? responseCorsHeaders(config.cors, origin) : {};
    if (config.invokeMode === 'RESPONSE_STREAM') {
      const requestId = randomUUID();
      return {
        status: 200,
        stream: async (res) => {
          const fix = (h: Record<string, string | string[]>) => (config.cors ? { ...withoutCorsHeaders(h), ...cors } : h);
          const sink = new UrlStreamSink(res, { 'x-amzn-RequestId': requestId }, fix, deps.invoker.streamLimitBytes);
          const result = await invokeWithEvent(deps, config, config.functionName, config.qualifier, event, traceId, { sink, requestId });
          sink.finish(result.functionError !== undefined);
        },
      };
    }
    const result = await invokeWithEvent(deps, config, config.functionName, config.qualifier, event, traceId);
    if (result.functionError) return internalError({ ...cors, 'x-amzn-RequestId': result.requestId });
    const mapped = responseV2(result.payload);
    if (!mapped) return internalError({ ...cors, 'x-amzn-RequestId': result.requestId });
    const headers = config.cors ? { ...withoutCorsHeaders(mapped.headers), ...cors } : mapped.headers;
    return { status: mapped.status, headers: { ...headers, 'x-amzn-RequestId': result.requestId }, body: mapped.body };
  };
}
