/**
 * The Lambda Runtime API for one sandbox (`/2018-06-01/runtime/...`), as AWS and its Runtime
 * Interface Emulator define it (../shared/reference/lambda-api.md §3): `next` long-polls with no
 * timeout, `response` and `error` answer `202 {"status":"OK"}`, a wrong request id is `400
 * InvalidRequestID`, a response over 6 MiB + 100 bytes is `413 RequestEntityTooLarge`.
 *
 * One server per sandbox: a sandbox can only ever see its own invocations.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InvocationEvent } from './types.js';

/** RIE `interop.MaxPayloadSize`: responses may be 6 MiB plus 100 bytes. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100;
/** Init and invocation error bodies are small; cap them so a runtime cannot exhaust memory. */
const MAX_ERROR_BYTES = 1024 * 1024;
const PREFIX = '/2018-06-01/runtime/';

/** What the runtime said about one invocation (or about init). */
export type RuntimeOutcome =
  | { kind: 'response'; payload: Buffer }
  | { kind: 'error'; payload: Buffer; errorType: string }
  | { kind: 'too-large' };

interface Current {
  event: InvocationEvent;
  settle: (o: RuntimeOutcome) => void;
  delivered: boolean;
}

const OK = Buffer.from('{"status":"OK"}');

export class RuntimeApiServer {
  private readonly server: http.Server;
  private waiting: http.ServerResponse | null = null;
  private current: Current | null = null;
  private initDone = false;
  private closed = false;

  constructor(
    private readonly hooks: {
      /** The runtime asked for work for the first time: init is over. */
      onReady: () => void;
      /** The runtime reported an init error. */
      onInitError: (o: Extract<RuntimeOutcome, { kind: 'error' }>) => void;
    },
  ) {
    this.server = http.createServer({ keepAlive: true }, (req, res) => this.route(req, res));
    // `next` is a long poll that may wait for hours while the sandbox is idle: no timeouts.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 0;
    this.server.keepAliveTimeout = 0;
    this.server.timeout = 0;
  }

  /** Listens on a TCP port of 127.0.0.1 (`{ port: 0 }`) or a Unix socket path; returns the address. */
  listen(target: { port: number; host?: string } | { path: string }): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      const done = (): void => {
        this.server.off('error', reject);
        const a = this.server.address();
        resolve(typeof a === 'string' ? a : `${(a as AddressInfo).address}:${(a as AddressInfo).port}`);
      };
      if ('path' in target) this.server.listen(target.path, done);
      else this.server.listen(target.port, target.host ?? '127.0.0.1', done);
    });
  }

  /** Hands `event` to the runtime and resolves with what it answers. One at a time. */
  deliver(event: InvocationEvent): Promise<RuntimeOutcome> {
    if (this.current) throw new Error('runtime API: an invocation is already in progress');
    return new Promise<RuntimeOutcome>((settle) => {
      this.current = { event, settle, delivered: false };
      if (this.waiting) {
        const res = this.waiting;
        this.waiting = null;
        this.send(res, this.current);
      }
    });
  }

  /** Forgets the current invocation (its sandbox died); late posts for it get 400. */
  abandon(): void {
    this.current = null;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.current = null;
    this.waiting?.destroy();
    this.waiting = null;
    this.server.close();
    this.server.closeAllConnections();
  }

  private send(res: http.ServerResponse, cur: Current): void {
    cur.delivered = true;
    const e = cur.event;
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': 'application/json',
      'Content-Length': e.payload.length,
      'Lambda-Runtime-Aws-Request-Id': e.requestId,
      'Lambda-Runtime-Deadline-Ms': String(e.deadlineMs),
      'Lambda-Runtime-Invoked-Function-Arn': e.invokedFunctionArn,
    };
    // RIE renderInvokeHeaders: optional headers are sent only when non-empty.
    if (e.traceId) headers['Lambda-Runtime-Trace-Id'] = e.traceId;
    if (e.clientContext) headers['Lambda-Runtime-Client-Context'] = e.clientContext;
    if (e.cognitoIdentity) headers['Lambda-Runtime-Cognito-Identity'] = e.cognitoIdentity;
    res.writeHead(200, headers);
    res.end(e.payload);
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === `${PREFIX}invocation/next`) return this.next(res);
    if (req.method === 'POST' && url === `${PREFIX}init/error`) return this.initError(req, res);
    if (req.method === 'POST' && url.startsWith(`${PREFIX}invocation/`)) {
      const rest = url.slice(PREFIX.length + 'invocation/'.length);
      const slash = rest.indexOf('/');
      const id = decodeURIComponent(rest.slice(0, slash));
      const what = rest.slice(slash + 1);
      if (what === 'response' || what === 'error') return this.result(req, res, id, what);
    }
    if (req.method === 'GET' && url === '/2018-06-01/ping') return void res.end('pong');
    req.resume();
    reply(res, 404, { errorMessage: 'Not Found', errorType: 'NotFound' });
  }

  private next(res: http.ServerResponse): void {
    if (!this.initDone) {
      this.initDone = true;
      this.hooks.onReady();
    }
    const cur = this.current;
    if (cur && cur.delivered) {
      // RIE: asking for the next event while one is outstanding is an invalid state transition.
      return reply(res, 403, {
        errorMessage: 'State transition from Running to Ready failed for runtime. Error: invocation in progress',
        errorType: 'InvalidStateTransition',
      });
    }
    if (cur) return this.send(res, cur);
    this.waiting?.destroy();
    this.waiting = res;
    res.on('close', () => {
      if (this.waiting === res) this.waiting = null;
    });
  }

  private result(req: http.IncomingMessage, res: http.ServerResponse, id: string, what: 'response' | 'error'): void {
    const cur = this.current;
    if (!cur || !cur.delivered || cur.event.requestId !== id) {
      req.resume();
      return reply(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
    }
    const limit = what === 'response' ? MAX_RESPONSE_BYTES : MAX_ERROR_BYTES;
    readCapped(req, limit, (body) => {
      if (this.current !== cur) return reply(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
      this.current = null;
      if (body === null) {
        reply(res, 413, {
          errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
          errorType: 'RequestEntityTooLarge',
        });
        return cur.settle({ kind: 'too-large' });
      }
      res.writeHead(202, { 'Content-Type': 'application/json', 'Content-Length': OK.length });
      res.end(OK);
      if (what === 'response') cur.settle({ kind: 'response', payload: body });
      else cur.settle(errorOutcome(req, body));
    });
  }

  private initError(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.initDone) {
      req.resume();
      return reply(res, 403, {
        errorMessage: 'State transition from Ready to InitError failed for runtime. Error: init is over',
        errorType: 'InvalidStateTransition',
      });
    }
    readCapped(req, MAX_ERROR_BYTES, (body) => {
      reply(res, 202, { status: 'OK' });
      this.initDone = true;
      this.hooks.onInitError(errorOutcome(req, body ?? Buffer.alloc(0)));
    });
  }
}

/** Error type: the optional header, else the body's `errorType`, else `Runtime.Unknown`. */
function errorOutcome(req: http.IncomingMessage, body: Buffer): Extract<RuntimeOutcome, { kind: 'error' }> {
  const header = req.headers['lambda-runtime-function-error-type'];
  let errorType = typeof header === 'string' && header ? header : '';
  let parsed: unknown;
  try {
    parsed = body.length ? JSON.parse(body.toString('utf8')) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!errorType && parsed && typeof parsed === 'object' && typeof (parsed as { errorType?: unknown }).errorType === 'string') {
    errorType = (parsed as { errorType: string }).errorType;
  }
  if (!errorType) errorType = 'Runtime.Unknown';
  // The caller receives the body verbatim; a runtime that posted nothing gets AWS's generic shape.
  const payload =
    parsed === undefined
      ? Buffer.from(JSON.stringify({ errorMessage: body.length ? body.toString('utf8') : 'Unknown error', errorType }))
      : body;
  return { kind: 'error', payload, errorType };
}

/** Reads a request body of at most `limit` bytes; calls back with null when it is larger. */
function readCapped(req: http.IncomingMessage, limit: number, done: (body: Buffer | null) => void): void {
  const declared = Number(req.headers['content-length'] ?? -1);
  if (declared > limit) {
    req.resume();
    return done(null);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (c: Buffer) => {
    if (over) return;
    size += c.length;
    if (size > limit) over = true;
    else chunks.push(c);
  });
  req.on('end', () => done(over ? null : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
  req.on('error', () => undefined);
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const buf = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': buf.length });
  res.end(buf);
}
