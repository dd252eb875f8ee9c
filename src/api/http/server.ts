/**
 * The HTTP surface: Lambda's REST API (control plane and Invoke) and Nimbus's own small API
 * (/nimbus/v1: logs, code downloads, health). Routes are plain handlers returning a `Reply`;
 * this file alone turns them, and every NimbusError, into bytes on the wire.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import FindMyWay from 'find-my-way';
import { NimbusError, type WireCode } from '../../core/errors.js';
import { audited, actionFor } from './actions.js';
import { scopeOf } from './auth.js';
import type { Authenticated, Authenticator } from './authn.js';
import { functionTarget, type Authorizer, type FunctionTarget } from './authz.js';
import type { AuditSink } from '../../auth/principal.js';
import { sha256Hex } from '../../auth/sha256.js';
import type { RequestGuard } from './guard.js';
import { closeAfterResponse, discardBody, readBody } from './body.js';
import { capConnections, defaultConnectionCap } from './connections.js';
import { LeanFront, type LeanRequest } from './lean.js';
import type { Handler, Reply, RequestContext } from './context.js';
import type { Scope } from '../../core/model.js';
import { errorBody, WIRE_ERRORS, wireCode } from './wire-errors.js';

/** JSON control-plane bodies other than code uploads are small. */
const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** A minute for the whole request, body included (a 70 MB CreateFunction needs 1.2 MB/s). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export interface ServerLimits {
  /** How long a client may take to send a whole request (408 after). */
  requestTimeoutMs?: number;
  /** Open connections at most (default: the file-descriptor limit less a reserve). */
  maxConnections?: number;
  /** Serve HTTPS with this certificate and key (PEM) instead of plain HTTP. */
  tls?: { cert: Buffer; key: Buffer } | undefined;
  /**
   * Serve the routes the table marks lean (Invoke) from the raw socket, without node:http's
   * request and response objects (lean.ts); plain HTTP only. Everything else still goes to node:http.
   */
  lean?: boolean | undefined;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type AddRoute = (method: Method, path: string, handler: Handler) => void;
/** One row of the route table (api/table.ts). */
export type Route = readonly [Method, string, Handler];

/** What a hook claims a request with. */
export interface HookMatch {
  handler: Handler;
  params: Record<string, string>;
  /** Nimbus's own API rather than a user's endpoint: the guard applies (AWS service protocols). */
  api?: boolean;
  /** The SigV4 service name its requests are signed for (`sqs`, `sns`, `events`); default `lambda`. */
  service?: string;
  /** Answers an error the server raises for this request (a guard refusal) in the service's own shape. */
  renderError?: (err: NimbusError & { code: WireCode }) => Reply;
}

/** A claim that only the body can settle (a form POST to `/`): `decide` reads it and claims or passes. */
export interface TentativeMatch {
  decide: (ctx: RequestContext) => Promise<HookMatch | undefined>;
}

/**
 * Claims a request the REST routes do not describe (function URLs by Host, AWS service protocols
 * by their wire markers, SAM routes by path): `before` hooks run ahead of the router, `fallback`
 * hooks only when no route matched.
 */
export type RouteHook = (req: http.IncomingMessage, path: string) => HookMatch | TentativeMatch | undefined;

/** Authentication, authorisation and the audit log (docs/auth.md); absent: nothing is checked. */
export interface Security {
  authenticator: Authenticator;
  authorizer: Authorizer;
  audit?: AuditSink | undefined;
}

/** What the router keeps with each route: its pattern, and its IAM action (found once, not per request). */
interface RouteStore {
  method: string;
  pattern: string;
  action: string;
  /** The lean front end may serve it (the table says its handler needs nothing but the head and body). */
  lean: boolean;
}

/** A route the router found. */
type Routed = FindMyWay.FindResult<FindMyWay.HTTPVersion.V1>;

/** Paths that stay public whatever the mode: load balancers probe health without signing. */
const PUBLIC_PATHS = new Set(['/nimbus/v1/health']);

export class Gateway {
  readonly server: http.Server;
  private readonly router = FindMyWay({ ignoreTrailingSlash: true, caseSensitive: true });
  private inflight = 0;
  private closing = false;
  private idleWaiters: (() => void)[] = [];
  private readonly hooks: { before: RouteHook[]; fallback: RouteHook[] } = { before: [], fallback: [] };
  /** `METHOD pattern` of the routes the lean front end may serve. */
  private leanRoutes = new Set<string>();
  private readonly lean: LeanFront | undefined;
  /** Requests the lean front end served. */
  leanServed = 0;

  private refusals = 0;
  private shed = 0;
  private lastRefusalLog = 0;

  constructor(
    private readonly log: (line: string) => void = () => undefined,
    /** Browser and Host checks for Nimbus's own API (guard.ts); function URLs and routes skip it. */
    private readonly guard?: RequestGuard,
    limits: ServerLimits = {},
    private readonly security?: Security,
  ) {
    // Timeouts are checked every second, not every 30 s (Node's default), so they hold to the second.
    const options = { keepAlive: true, connectionsCheckingInterval: 1_000 };
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => void this.handle(req, res);
    this.server = limits.tls
      ? (https.createServer({ ...options, cert: limits.tls.cert, key: limits.tls.key, minVersion: 'TLSv1.2' }, onRequest) as unknown as http.Server)
      : http.createServer(options, onRequest);
    // A slow client may not hold a request open forever (slowloris): headers within 30 s, the whole
    // request (body included) within a minute. The limit ends when the request is received, so an
    // invocation may still run its 15 minutes before the response.
    this.server.headersTimeout = 30_000;
    this.server.requestTimeout = limits.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    // Clients close idle keep-alive sockets after 4-5 s (undici 4 s, Node's agent 5 s); a server
    // closing at the same moment races a client that reuses the socket just then, which sees EPIPE
    // or ECONNRESET mid-upload (seen with `nimbus deploy` and the SDK on a loaded machine). Keeping
    // them longer, as load balancers do (ALB: 60 s), lets the client always close first; the
    // connection cap evicts idle sockets when a flood needs their descriptors.
    this.server.keepAliveTimeout = 65_000;
    // node:http's own listener, registered by createServer: the lean front end takes new
    // connections first and hands the ones it does not serve to it.
    const nodeListener = limits.lean && !limits.tls ? (this.server.listeners('connection')[0] as ((s: net.Socket) => void) | undefined) : undefined;
    if (nodeListener) {
      this.server.off('connection', nodeListener);
      const server = this.server;
      this.lean = new LeanFront(
        {
          accepts: (req, path) => this.leanAccepts(req, path),
          serve: (req, res) => {
            this.leanServed++;
            void this.handle(req as unknown as http.IncomingMessage, res as unknown as http.ServerResponse);
          },
          busy: (socket) => states.busy(socket),
          idle: (socket) => states.idle(socket),
        },
        (socket) => nodeListener.call(server, socket),
        () => ({ headersTimeout: server.headersTimeout, requestTimeout: server.requestTimeout, keepAliveTimeout: server.keepAliveTimeout }),
      );
      const lean = this.lean;
      this.server.on('connection', (socket: net.Socket) => lean.accept(socket));
    }
    const states = capConnections(this.server, limits.maxConnections ?? defaultConnectionCap(), (why) => {
      this.shed++;
      if (this.shed === 1 || this.shed % 1000 === 0) this.log(`connection cap reached: ${this.shed} connections closed so far (${why})`);
    });
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      const status =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? '408 Request Timeout'
            : '400 Bad Request';
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      else socket.destroy();
    });
  }

  /** Adds a route; `path` uses find-my-way's `:param` syntax. */
  readonly route: AddRoute = (method, path, handler) => {
    const store: RouteStore = { method, pattern: path, action: actionFor(method, path), lean: this.leanRoutes.has(`${method} ${path}`) };
    this.router.on(method, path, handler as unknown as FindMyWay.Handler<FindMyWay.HTTPVersion.V1>, store);
  };

  /** Adds a route hook (see RouteHook). */
  hook(stage: 'before' | 'fallback', fn: RouteHook): void {
    this.hooks[stage].push(fn);
  }

  /** Mounts a whole route table: its routes, then its hooks in order. */
  mount(table: { routes: readonly Route[]; before: readonly RouteHook[]; fallback: readonly RouteHook[]; lean?: readonly string[] }): void {
    for (const r of table.lean ?? []) this.leanRoutes.add(r);
    for (const [method, path, handler] of table.routes) this.route(method, path, handler);
    for (const h of table.before) this.hook('before', h);
    for (const h of table.fallback) this.hook('fallback', h);
  }

  /**
   * Whether the lean front end serves this request: its route is marked lean and no `before` hook
   * claims it (a function URL's host, a service protocol); the pipeline then runs as for any request.
   */
  private leanAccepts(req: LeanRequest, path: string): Routed | undefined {
    const r = req as unknown as http.IncomingMessage;
    for (const h of this.hooks.before) if (h(r, path)) return undefined;
    const routed = this.router.find('POST', path);
    return routed !== null && (routed.store as RouteStore).lean ? routed : undefined;
  }

  /** The first hook of `stage` that claims the request; a promise only once a hook needs the body to decide. */
  private claim(stage: 'before' | 'fallback', req: http.IncomingMessage, path: string, ctx: () => RequestContext, from = 0): HookMatch | undefined | Promise<HookMatch | undefined> {
    const hooks = this.hooks[stage];
    for (let i = from; i < hooks.length; i++) {
      const found = hooks[i]!(req, path);
      if (!found) continue;
      if (!('decide' in found)) return found;
      return found.decide(ctx()).then((decided) => decided ?? this.claim(stage, req, path, ctx, i + 1));
    }
    return undefined;
  }

  /** Refusals are logged at most once a second, with a count: a hostile page may send thousands. */
  private noteRefusal(req: http.IncomingMessage, path: string, why: string): void {
    this.refusals++;
    const now = Date.now();
    if (now - this.lastRefusalLog < 1000) return;
    this.lastRefusalLog = now;
    this.log(`refused ${req.method ?? ''} ${path} (${this.refusals} refused so far): ${why}`);
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /**
   * Stops accepting requests, lets in-flight ones finish for up to `graceMs`, then returns.
   * Requests that arrive meanwhile on kept-alive connections get an explicit 503.
   */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    this.lean?.close();
    this.server.close();
    this.server.closeIdleConnections();
    if (this.inflight > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, graceMs);
        this.idleWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Drops every connection at once (after `close`, when in-flight work has been answered). */
  destroy(): void {
    this.lean?.destroyAll();
    this.server.closeAllConnections();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.inflight++;
    // Made when something needs it: the Invoke route answers with its invocation's own id.
    let rid: string | undefined;
    const requestId = (): string => (rid ??= randomUUID());
    let render: HookMatch['renderError'];
    let built: ReturnType<typeof context> | undefined;
    /** What the audit log records for this request, once it is known to be an API call. */
    let audit: { action: string; resource: string } | undefined;
    let status = 0;
    let errorType = '';
    try {
      if (this.closing) throw new NimbusError('ERR_SHUTTING_DOWN', 'Nimbus is shutting down.');
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
      const ctx = (): ReturnType<typeof context> => (built ??= context(req, res, query));
      // The lean front end serves only requests no `before` hook claims, and has found the
      // route already (`leanAccepts`): neither is looked for twice.
      const leanRoute = (req as unknown as { leanRoute?: Routed }).leanRoute;
      // Most requests are claimed by no hook, or by one that needs no body: no await (and no
      // turn of the microtask queue) then.
      const claimed = leanRoute ? undefined : this.claim('before', req, path, ctx);
      let found = claimed instanceof Promise ? await claimed : claimed;
      render = found?.renderError;
      // Nimbus's own API (routed, claimed as one, or unknown): only what the guard lets through reaches it.
      let api = found?.api === true;
      let routeStore: RouteStore | undefined;
      if (!found) {
        const routed = leanRoute ?? this.router.find(req.method as FindMyWay.HTTPMethod, path);
        if (routed) {
          found = { handler: routed.handler as unknown as Handler, params: routed.params as Record<string, string> };
          routeStore = routed.store as RouteStore | undefined;
        }
        api = routed !== null;
        found ??= await this.claim('fallback', req, path, ctx);
        api ||= !found;
      }
      if (api && this.guard) {
        const refusal = this.guard.check(req);
        if (refusal) {
          discardBody(req, DEFAULT_BODY_LIMIT);
          this.noteRefusal(req, path, refusal.message);
          throw refusal;
        }
      }
      if (api && this.security && !PUBLIC_PATHS.has(path)) {
        const c = ctx();
        const method = req.method ?? 'GET';
        // A HEAD the router answers with a GET route is its own (unlisted) action, as before.
        const action = routeStore ? (routeStore.method === method ? routeStore.action : actionFor(method, routeStore.pattern)) : `${req.method ?? ''} ${path}`;
        audit = { action, resource: '*' };
        const services = found?.service ? [found.service] : path.startsWith('/nimbus/') || path === '/metrics' ? ['lambda', 'nimbus'] : ['lambda'];
        await this.security.authenticator.authenticate(c, services);
        if (found) await this.authorize(c, found.params, query, audit);
      }
      if (!found) {
        discardBody(req, DEFAULT_BODY_LIMIT);
        throw new NimbusError('ERR_UNKNOWN_OPERATION', `Unknown operation: ${req.method ?? ''} ${path}`);
      }
      const c = ctx();
      c.params = found.params;
      const reply = await found.handler(c);
      if (!c.bodyRead) discardBody(req, DEFAULT_BODY_LIMIT);
      status = reply.status;
      if (reply.stream) await reply.stream(res);
      else send(res, reply, requestId);
    } catch (err) {
      // A handler that failed before reading the body: drop it without reading a flood to its end.
      if (!built?.bodyRead && !req.complete) discardBody(req, DEFAULT_BODY_LIMIT);
      const sent = this.sendError(res, err, requestId, render);
      status = sent.status;
      errorType = sent.type;
    } finally {
      if (audit && this.security?.audit && audited(audit.action)) this.record(req, requestId(), built, audit, status, errorType);
      if (--this.inflight === 0 && this.closing) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /**
   * Authorises a routed request as its action on its function (or `*`), and lets hooks authorise
   * what only they can name. A FunctionName ARN of another account moves the request into that
   * account once its resource policy allows the caller.
   */
  private async authorize(c: RequestContext, params: Record<string, string | undefined>, query: URLSearchParams, audit: { action: string; resource: string }): Promise<void> {
    const who = c.principal;
    const authorizer = this.security!.authorizer;
    if (!who) return;
    const rawName = params['FunctionName'];
    let fn: FunctionTarget | undefined;
    if (rawName !== undefined) fn = functionTarget(c.scope, rawName, query.get('Qualifier'));
    if (fn) audit.resource = fn.arn;
    if (!audit.action.includes(' ')) await authorizer.check(who, audit.action, fn?.arn ?? '*', fn);
    if (fn && fn.accountId !== c.scope.accountId) c.scope = { accountId: fn.accountId, region: fn.region };
    c.authorize = (action, resource) => {
      audit.action = action;
      audit.resource = resource;
      authorizer.checkIdentity(who, action, resource);
    };
  }

  private record(req: http.IncomingMessage, requestId: string, c: RequestContext | undefined, audit: { action: string; resource: string }, status: number, error: string): void {
    const who = c?.principal;
    this.security!.audit!.record({
      time: Date.now(),
      requestId,
      accountId: who?.accountId ?? '',
      accessKeyId: who?.accessKeyId ?? '',
      principal: who?.arn ?? '',
      sourceIp: req.socket.remoteAddress ?? '',
      action: audit.action,
      resource: audit.resource,
      status,
      error,
    }).catch((e: unknown) => this.log(`audit log: ${e instanceof Error ? e.message : String(e)}`));
  }

  /**
   * What a thrown value answers: a wire code as it is, an internal code by its mapping (a closed
   * pool is "shutting down"); anything else is a bug, logged with its stack and answered as ERR_INTERNAL.
   */
  private onWire(err: unknown): NimbusError & { code: WireCode } {
    if (err instanceof NimbusError) {
      const { code, internal } = wireCode(err.code);
      if (!internal) return err as NimbusError & { code: WireCode };
      if (code !== 'ERR_INTERNAL') return new NimbusError(code, err.message, err.extra) as NimbusError & { code: WireCode };
    }
    this.log(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return new NimbusError('ERR_INTERNAL', 'An internal error occurred in Nimbus; see its log.') as NimbusError & { code: WireCode };
  }

  private sendError(res: http.ServerResponse, err: unknown, requestId: () => string, render?: HookMatch['renderError']): { status: number; type: string } {
    const e = this.onWire(err);
    const wire = WIRE_ERRORS[e.code];
    if (render && !res.headersSent) {
      const r = render(e);
      send(res, r, requestId);
      return { status: r.status, type: wire.type };
    }
    const headers: Record<string, string | number> = { 'x-amzn-ErrorType': wire.type };
    const retryAfter = e.extra['retryAfterSeconds'];
    if (typeof retryAfter === 'number') headers['Retry-After'] = retryAfter;
    const extra = Object.fromEntries(Object.entries(e.extra).filter(([k]) => k !== 'retryAfterSeconds'));
    if (res.headersSent) {
      res.destroy();
      return { status: wire.status, type: wire.type };
    }
    send(res, { status: wire.status, headers, body: errorBody(wire, e.message, extra) }, requestId);
    return { status: wire.status, type: wire.type };
  }
}

const RES = Symbol('response');
const ABORT = Symbol('abort');
const SCOPE = Symbol('scope');
type ContextState = { [RES]: http.ServerResponse; [ABORT]?: AbortController | undefined; [SCOPE]?: Scope | undefined };

/**
 * What every request's context inherits: `signal`, made on first use (most requests never need
 * it, and the hot path should not pay for it). The getter lives here, once, and not in each
 * context's object literal: an accessor in a literal gives every object a hidden class of its
 * own, made in the old generation and pointing at that request's closures, so every request's
 * objects (req, res, the context, what the handler allocated) survived the young-generation GCs
 * until the next full one. That was 1.9 MB promoted per scavenge and a 3 ms scavenge every few
 * hundred requests, the largest stall left in a warm invocation (docs/performance.md, "Third pass").
 */
const CONTEXT_PROTO = {
  /**
   * Read from the credential scope on first use only: authentication sets it on every API
   * request, so parsing the Authorization header here as well was work thrown away.
   */
  get scope(): Scope {
    const self = this as unknown as ContextState & RequestContext;
    return (self[SCOPE] ??= scopeOf(self.req, self.query));
  },
  set scope(v: Scope) {
    (this as unknown as ContextState)[SCOPE] = v;
  },
  get signal(): AbortSignal {
    const self = this as unknown as ContextState;
    let a = self[ABORT];
    if (!a) {
      const made = (a = self[ABORT] = new AbortController());
      self[RES].on('close', () => made.abort());
    }
    return a.signal;
  },
};

/** The handler's view of a request; the body is read once, on first use. */
function context(req: http.IncomingMessage, res: http.ServerResponse, query: URLSearchParams): RequestContext & Authenticated {
  let bodyPromise: Promise<Buffer> | null = null;
  const ctx = Object.create(CONTEXT_PROTO) as RequestContext & Authenticated & ContextState;
  ctx.req = req;
  ctx.method = req.method ?? 'GET';
  ctx.params = {};
  ctx.query = query;
  ctx.baseUrl = `${(req.socket as TLSSocket).encrypted ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
  ctx.bodyRead = false;
  ctx.body = (limit = DEFAULT_BODY_LIMIT, operation = 'this') => {
    ctx.bodyRead = true;
    // A signed body is checked against its signature before any handler sees it (authn.ts).
    return (bodyPromise ??= readBody(req, limit, operation).then((buf) => {
      const verify = ctx.verifyBody;
      if (verify) {
        ctx.verifyBody = undefined;
        verify(sha256Hex(buf));
      }
      return buf;
    }));
  };
  ctx.json = async (limit, operation) => parseJson(await ctx.body(limit, operation));
  ctx[RES] = res;
  return ctx;
}

/**
 * Lambda's JSON parser (Jackson) refuses documents nested deeper than 1000 levels; without the
 * same bound, a 20,000-deep value parsed fine here and then overflowed the stack of whatever
 * walked it recursively (a validation message's JSON.stringify): a 500.
 */
const MAX_JSON_DEPTH = 1000;

function parseJson(buf: Buffer): unknown {
  if (buf.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new NimbusError('ERR_INVALID_REQUEST_CONTENT', `Could not parse request body into json: ${(e as Error).message}`);
  }
  const depth = nestingDepth(v, MAX_JSON_DEPTH);
  if (depth > MAX_JSON_DEPTH) {
    throw new NimbusError(
      'ERR_INVALID_REQUEST_CONTENT',
      `Could not parse request body into json: Document nesting depth (${depth}) exceeds the maximum allowed (${MAX_JSON_DEPTH})`,
    );
  }
  return v;
}

/** The nesting depth of a parsed JSON value, walked without recursion; stops counting past `limit`. */
function nestingDepth(root: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d + 1 > max) max = d + 1;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, d + 1]);
  }
  return max;
}

/**
 * Writes a reply. The headers go to `writeHead` as one flat list of names and values, copied from
 * the reply's own: building an object by spreading the reply's headers and then adding
 * Content-Length was the single most expensive line of Nimbus's JavaScript per request
 * (docs/performance.md, "Fourth pass").
 */
function send(res: http.ServerResponse, reply: Reply, requestId: () => string): void {
  let body: Buffer | undefined;
  const list: (string | number | readonly string[])[] = [];
  // A reply with its own request id (Invoke's, or an AWS service answering in its protocol) keeps it.
  let own = false;
  let contentType = false;
  const closing = closeAfterResponse.has(res.req);
  const h = reply.headers;
  if (h !== undefined) {
    for (const k in h) {
      const v = h[k];
      // Set below, once: the body's length, and Connection when this response ends the connection.
      if (v === undefined || k === 'Content-Length' || (closing && k === 'Connection')) continue;
      if (k === 'x-amzn-RequestId' || k.toLowerCase() === 'x-amzn-requestid') own = true;
      else if (k === 'Content-Type') contentType = true;
      list.push(k, v);
    }
  }
  if (!own) list.push('x-amzn-RequestId', requestId());
  if (reply.body === undefined) body = undefined;
  else if (Buffer.isBuffer(reply.body)) body = reply.body;
  else if (typeof reply.body === 'string') body = Buffer.from(reply.body);
  else {
    body = Buffer.from(JSON.stringify(reply.body));
    if (!contentType) list.push('Content-Type', 'application/json');
  }
  list.push('Content-Length', body?.length ?? 0);
  if (closing) list.push('Connection', 'close');
  res.writeHead(reply.status, list as unknown as http.OutgoingHttpHeader[]);
  res.end(body);
}
