/**
 * Serving AWS service protocols on Nimbus's one endpoint, as AWS's own endpoints tell them
 * apart: by their wire markers, never by path alone, so a Lambda API path (dated), a function
 * URL (claimed earlier, by Host) or a user's HTTP route (claimed later, in the fallback) is never
 * taken. A form POST to `/` is ambiguous until its body is read (`Action=...&Version=...` is
 * SQS's or SNS's Query protocol; anything else is a user's route), so that claim is tentative:
 * the body is read once, and the request passes on to the router if no service claims it.
 *
 * These are APIs, not user endpoints: the browser/Host guard applies, its refusal rendered in
 * the service's error shape.
 */
import type http from 'node:http';
import { NimbusError } from '../../core/errors.js';
import type { Handler, Reply, RequestContext } from '../http/context.js';
import type { HookMatch, RouteHook } from '../http/server.js';
import { WIRE_ERRORS } from '../http/wire-errors.js';
import type { RefusalCode, ServiceResponse, WireRequest, WireService } from './types.js';

/** Authentication refusals, as services name them. */
const AUTH_REFUSALS: Readonly<Partial<Record<string, RefusalCode>>> = {
  ERR_MISSING_AUTH_TOKEN: 'MissingAuthenticationToken',
  ERR_INCOMPLETE_SIGNATURE: 'IncompleteSignature',
  ERR_INVALID_SIGNATURE: 'SignatureDoesNotMatch',
  ERR_UNRECOGNIZED_CLIENT: 'InvalidClientTokenId',
  ERR_VALIDATION: 'ValidationError',
};

export function servicesHook(services: readonly WireService[]): RouteHook {
  return (req: http.IncomingMessage, path: string) => {
    const wire = wireOf(req, path);
    // Only the services that could claim this body bound how much of it is read to decide.
    let maxBody = 0;
    for (const s of services) {
      const c = s.classify(wire);
      if (c === 'yes') return match(s, wire);
      if (c === 'body') maxBody = Math.max(maxBody, s.bodyLimit);
    }
    if (maxBody === 0) return undefined;
    return {
      decide: async (ctx: RequestContext): Promise<HookMatch | undefined> => {
        let body: Buffer;
        try {
          body = await ctx.body(maxBody, 'this');
        } catch (e) {
          // Too large to be any service's request: the route it was meant for answers as it would.
          if (e instanceof NimbusError && e.code === 'ERR_REQUEST_TOO_LARGE') return undefined;
          throw e;
        }
        const s = services.find((x) => x.classify(wire) === 'body' && x.claims({ ...wire, body }));
        return s && match(s, wire);
      },
    };
  };
}

function wireOf(req: http.IncomingMessage, path: string): WireRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return { method: req.method ?? 'GET', path, query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)), headers: req.headers };
}

/** The server sets Content-Length itself (and the request id header, which the service's own replaces). */
function toReply(r: ServiceResponse): Reply {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) if (k.toLowerCase() !== 'content-length') headers[k] = v;
  return { status: r.status, headers, body: r.body };
}

function match(s: WireService, wire: WireRequest): HookMatch {
  const handler: Handler = async (ctx) => {
    let body: Buffer;
    try {
      body = await ctx.body(s.bodyLimit, s.name);
    } catch (e) {
      if (e instanceof NimbusError && e.code === 'ERR_REQUEST_TOO_LARGE') {
        return toReply(s.refuse(wire, 413, 'RequestTooLarge', `Request must be smaller than ${s.bodyLimit} bytes.`));
      }
      throw e;
    }
    // The operation is on the wire (a target header or an Action parameter): authorised here, not by the route table.
    if (ctx.authorize) {
      const operation = operationOf(wire, body);
      // Only an identity policy can tell resources apart: without one (the account's administrator,
      // every request in local mode) the body is not parsed a second time for them.
      const resources = ctx.principal?.policies ? s.resources({ ...wire, body }, ctx.scope, operation) : ['*'];
      for (const resource of resources) ctx.authorize(`${s.name}:${operation}`, resource);
    }
    return toReply(
      await s.handle({
        ...wire,
        body,
        accountId: ctx.scope.accountId,
        region: ctx.scope.region,
        baseUrl: ctx.baseUrl,
        signal: ctx.signal,
        caller: ctx.principal ? { accountId: ctx.principal.accountId, arn: ctx.principal.arn, accessKeyId: ctx.principal.accessKeyId, kind: ctx.principal.kind } : undefined,
      }),
    );
  };
  return {
    handler,
    params: {},
    api: true,
    service: s.name,
    renderError: (err) => {
      const auth = AUTH_REFUSALS[err.code];
      if (auth) return toReply(s.refuse(wire, WIRE_ERRORS[err.code].status, auth, err.message));
      return toReply(
        err.code === 'ERR_ACCESS_DENIED'
          ? s.refuse(wire, 403, 'AccessDenied', err.message)
          : err.code === 'ERR_SHUTTING_DOWN'
            ? s.refuse(wire, 503, 'ServiceUnavailable', err.message)
            : s.refuse(wire, 500, 'InternalError', err.message),
      );
    },
  };
}

/** The operation's name: `AmazonSQS.SendMessage` from X-Amz-Target, or the Query protocol's `Action`. */
function operationOf(wire: WireRequest, body: Buffer): string {
  const target = wire.headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) return target.slice(target.lastIndexOf('.') + 1);
  const fromQuery = wire.query.get('Action');
  if (fromQuery) return fromQuery;
  const fromBody = new URLSearchParams(body.toString('latin1')).get('Action');
  return fromBody ?? 'Unknown';
}
