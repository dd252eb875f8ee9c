/**
 * The lean front end: the API port's connections are read here, from the raw socket, and the one
 * request that matters for throughput (Invoke, `POST /2015-03-31/functions/{name}/invocations`)
 * is served without node:http's IncomingMessage, ServerResponse and their streams; its response
 * goes out in one write. Everything else is handed to node:http: the bytes read so far are put
 * back (`socket.unshift`) and node:http's own connection listener takes the socket, for the rest
 * of its life. The request still runs through the gateway's one pipeline (hooks, routing, guard,
 * SigV4, authorisation, the route's handler, `send`): this file only replaces the objects the
 * pipeline reads a request from and writes a reply to, with the same headers on the wire.
 *
 * Why hand-written (CONVENTIONS: only when a benchmark shows the library is the bottleneck):
 * docs/performance.md, "Fourth pass": at 32 connections the server's main thread spent ~22% of
 * its ~130-165 µs per warm invocation in node:http's JavaScript (IncomingMessage/ServerResponse
 * set-up, the body through a Readable, writeHead's validation, the socket's Writable). Measured
 * against node:http on the same build ("Fifth pass: a lean front end", A/B pairs, schedstat), this
 * front end takes the server's main-thread CPU per warm invocation from 187 to 144 µs at 32
 * connections (median of 6 pairs, -22%) and from 201 to 147 µs at one (-27%).
 *
 * The subset served here is stricter than node:http (lean-parse.ts): what it does not accept
 * goes to node:http, which answers as it always did. Timeouts mirror node:http's (headers within
 * `headersTimeout`, the whole request within `requestTimeout`, idle keep-alive `keepAliveTimeout`),
 * checked once a second as node:http does; a half-closed connection is ended as node:http ends it.
 */
import http from 'node:http';
import type net from 'node:net';
import { DECLINE, mayBeLean, parseHead, PARTIAL, type LeanHead } from './lean-parse.js';

/** What the gateway provides: the decision, the pipeline, and the connection cap's bookkeeping. */
export interface LeanHost {
  /**
   * Whether this parsed request is one the fast path serves (its route is marked lean, no hook
   * claims it): its route, which the pipeline then uses without looking for it again, or undefined.
   */
  accepts(req: LeanRequest, path: string): object | undefined;
  /** Runs the request through the pipeline; it ends by calling `res.end` (or `res.destroy`). */
  serve(req: LeanRequest, res: LeanResponse): void;
  busy?(socket: net.Socket): void;
  idle?(socket: net.Socket): void;
}

export interface LeanTimeouts {
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
}

/** What the pipeline reads of a request (a subset of IncomingMessage's fields). */
export class LeanRequest {
  readonly method = 'POST';
  readonly httpVersion = '1.1';
  /**
   * As IncomingMessage's: false until the body has been read. The pipeline drops an unread body
   * by its declared size (body.ts `discardBody`), and a large one closes the connection after
   * the response, as it does on node:http.
   */
  complete = false;
  /** The route `LeanHost.accepts` found for this request (the pipeline does not look again). */
  leanRoute: object | undefined = undefined;
  constructor(
    readonly url: string,
    readonly headers: Record<string, string>,
    readonly rawHeaders: string[],
    readonly socket: net.Socket,
    /** The whole body, read before the request was dispatched. */
    readonly body: Buffer,
  ) {}
  /** The body is already read: nothing to pause or drain. */
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
}

const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const CLOSE = /(?:^|\W)close(?:$|\W)/i;

let dateSecond = -1;
let dateText = '';
/** node:http's Date header, made once a second. */
function httpDate(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/** What the pipeline writes a reply to (a subset of ServerResponse): the head and body in one write. */
export class LeanResponse {
  headersSent = false;
  private head = '';
  private closeListeners: (() => void)[] | undefined;
  private closed = false;

  constructor(
    readonly req: LeanRequest,
    private readonly conn: LeanConnection,
  ) {}

  /** Takes the flat name/value list `send` builds, validated as node:http validates it. */
  writeHead(status: number, list: readonly (string | number | readonly string[])[]): this {
    let head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'unknown'}\r\n`;
    let connection = false;
    let last = this.conn.closeAfter;
    for (let i = 0; i < list.length; i += 2) {
      const name = list[i] as string;
      const v = list[i + 1]!;
      if (!TOKEN.test(name)) throw new TypeError(`Header name must be a valid HTTP token ["${name}"]`);
      const values = Array.isArray(v) ? (v as readonly string[]) : [String(v as string | number)];
      for (const value of values) {
        if (INVALID_VALUE.test(value)) throw new TypeError(`Invalid character in header content ["${name}"]`);
        head += `${name}: ${value}\r\n`;
      }
      if (name.length === 10 && name.toLowerCase() === 'connection') {
        connection = true;
        if (CLOSE.test(values.join(','))) last = true;
      }
    }
    head += `Date: ${httpDate()}\r\n`;
    if (!connection) head += last ? 'Connection: close\r\n' : `Connection: keep-alive\r\nKeep-Alive: timeout=${this.conn.keepAliveSeconds}\r\n`;
    this.head = head + '\r\n';
    this.conn.closeAfter = last;
    this.headersSent = true;
    return this;
  }

  /** Writes the head and the body in one write, then lets the connection read its next request. */
  end(body?: Buffer): void {
    if (this.closed) return;
    const headLength = Buffer.byteLength(this.head, 'latin1');
    const out = Buffer.allocUnsafe(headLength + (body?.length ?? 0));
    out.write(this.head, 0, headLength, 'latin1');
    if (body) body.copy(out, headLength);
    this.conn.respond(out);
    this.emitClose();
  }

  destroy(): void {
    this.conn.socket.destroy();
    this.emitClose();
  }

  /** Only 'close' is emitted (after the response, or when the client goes away first). */
  on(event: string, fn: () => void): this {
    if (event === 'close') (this.closeListeners ??= []).push(fn);
    return this;
  }

  once(event: string, fn: () => void): this {
    return this.on(event, fn);
  }

  emitClose(): void {
    if (this.closed) return;
    this.closed = true;
    const ls = this.closeListeners;
    this.closeListeners = undefined;
    if (ls) for (const l of ls) l();
  }
}

const REQUEST_TIMEOUT = Buffer.from('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', 'latin1');
const BAD_REQUEST = Buffer.from('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', 'latin1');
/** Pipelined bytes buffered while a request is in flight before reading pauses. */
const PIPELINE_BUFFER = 64 * 1024;

/** One connection while the lean front end owns it. */
class LeanConnection {
  /** Bytes read and not yet consumed (the next request, or part of it), in arrival order. */
  private parts: Buffer[] = [];
  private size = 0;
  /** The head of the request being received, once parsed and accepted, and its route. */
  private pending: LeanHead | undefined;
  private pendingRoute: object | undefined;
  /** The response in flight, if any. */
  private inflight: LeanResponse | undefined;
  /** When the current request's first byte arrived (or the connection opened); 0 when idle. */
  started: number;
  /** When the connection last finished a response (for the keep-alive timeout). */
  lastActive: number;
  /** Close once the response in flight is written. */
  closeAfter = false;
  private handedOff = false;
  /** The last response waits in the socket's buffer: no next request until it drains. */
  private draining = false;
  private readonly onData = (chunk: Buffer): void => this.data(chunk);
  private readonly onEnd = (): void => this.ended();
  private readonly onError = (): void => {
    this.socket.destroy();
  };
  private readonly onClose = (): void => {
    this.front.forget(this);
    this.inflight?.emitClose();
  };

  constructor(
    readonly socket: net.Socket,
    private readonly front: LeanFront,
    readonly keepAliveSeconds: number,
  ) {
    this.started = this.lastActive = Date.now();
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  get idle(): boolean {
    return this.inflight === undefined && this.size === 0;
  }

  /** The buffered bytes as one Buffer (concatenated once, when a whole head or request is there). */
  private contiguous(): Buffer {
    if (this.parts.length > 1) this.parts = [Buffer.concat(this.parts, this.size)];
    return this.parts[0] ?? EMPTY;
  }

  private data(chunk: Buffer): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.started === 0) this.started = Date.now();
    if (this.inflight || this.draining) {
      if (this.size > PIPELINE_BUFFER) this.socket.pause();
      return;
    }
    this.next();
  }

  /** Serves the buffered request if it is complete, hands the connection off if it is not lean. */
  private next(): void {
    if (this.size === 0 || this.handedOff || this.socket.destroyed) return;
    let head = this.pending;
    if (!head) {
      const buf = this.contiguous();
      if (!mayBeLean(buf)) return this.handOff();
      const parsed = parseHead(buf);
      if (parsed === PARTIAL) return;
      if (parsed === DECLINE) return this.handOff();
      const q = parsed.url.indexOf('?');
      const probe = new LeanRequest(parsed.url, parsed.headers, parsed.rawHeaders, this.socket, EMPTY);
      const route = this.front.closing ? undefined : this.front.host.accepts(probe, q < 0 ? parsed.url : parsed.url.slice(0, q));
      if (route === undefined) return this.handOff();
      head = this.pending = parsed;
      this.pendingRoute = route;
    }
    const total = head.headLength + head.contentLength;
    if (this.size < total) return;
    const buf = this.contiguous();
    this.pending = undefined;
    const body = buf.subarray(head.headLength, total);
    if (buf.length > total) {
      this.parts = [buf.subarray(total)];
      this.size = buf.length - total;
      this.started = Date.now();
    } else {
      this.parts = [];
      this.size = 0;
      this.started = 0;
    }
    if (head.close) this.closeAfter = true;
    const req = new LeanRequest(head.url, head.headers, head.rawHeaders, this.socket, body);
    req.leanRoute = this.pendingRoute;
    this.pendingRoute = undefined;
    const res = (this.inflight = new LeanResponse(req, this));
    this.front.host.busy?.(this.socket);
    this.front.host.serve(req, res);
  }

  /** Called by the response: one write, then the next request (or the end of the connection). */
  respond(out: Buffer): void {
    this.inflight = undefined;
    this.lastActive = Date.now();
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return;
    if (this.closeAfter) {
      // As node:http's destroySoon: the end once written, then the socket (the client's side may stay open).
      socket.end(out, () => socket.destroy());
      this.parts = [];
      this.size = 0;
      return;
    }
    this.front.host.idle?.(socket);
    if (!socket.write(out)) {
      // A client that does not read its answers gets no more of them until it does (node:http pauses too).
      this.draining = true;
      socket.once('drain', () => {
        this.draining = false;
        if (socket.isPaused()) socket.resume();
        this.next();
      });
      return;
    }
    if (socket.isPaused()) socket.resume();
    if (this.size > 0) this.next();
  }

  /** Gives the connection to node:http: the unconsumed bytes go back first. */
  handOff(): void {
    if (this.handedOff) return;
    this.handedOff = true;
    this.front.forget(this);
    const socket = this.socket;
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('error', this.onError);
    socket.off('close', this.onClose);
    socket.pause();
    if (this.size > 0) socket.unshift(this.contiguous());
    this.parts = [];
    this.size = 0;
    this.front.handOff(socket);
    socket.resume();
  }

  /** The client half-closed: as node:http, a partial request is a 400, otherwise the connection ends. */
  private ended(): void {
    if (this.size > 0 && this.inflight === undefined && this.socket.writable) {
      this.socket.end(BAD_REQUEST);
      return;
    }
    this.socket.end();
  }

  /** The periodic check: slow requests get node:http's 408, idle keep-alive connections are closed. */
  check(now: number, t: LeanTimeouts): void {
    if (this.inflight) return;
    if (this.started !== 0) {
      const limit = this.pending === undefined ? Math.min(t.headersTimeout, t.requestTimeout) : t.requestTimeout;
      if (now - this.started > limit) {
        if (this.socket.writable) this.socket.end(REQUEST_TIMEOUT);
        else this.socket.destroy();
        this.started = 0;
      }
    } else if (t.keepAliveTimeout > 0 && now - this.lastActive > t.keepAliveTimeout) this.socket.destroy();
  }
}

const EMPTY = Buffer.alloc(0);

/** The lean front end of one server: owns its connections until it hands them to node:http. */
export class LeanFront {
  closing = false;
  private readonly conns = new Set<LeanConnection>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly host: LeanHost,
    /** node:http's own connection listener, which a handed-off socket goes to. */
    private readonly nodeListener: (socket: net.Socket) => void,
    private readonly timeouts: () => LeanTimeouts,
  ) {}

  /** A new connection on the port. */
  accept(socket: net.Socket): void {
    if (this.closing) return this.handOff(socket);
    const conn = new LeanConnection(socket, this, Math.floor(this.timeouts().keepAliveTimeout / 1000));
    this.conns.add(conn);
    this.timer ??= setInterval(() => this.sweep(), 1000).unref();
  }

  handOff(socket: net.Socket): void {
    this.nodeListener(socket);
  }

  forget(conn: LeanConnection): void {
    this.conns.delete(conn);
  }

  private sweep(): void {
    const now = Date.now();
    const t = this.timeouts();
    for (const c of this.conns) c.check(now, t);
    if (this.conns.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /**
   * As node:http's close: idle connections close now; a busy one stays open after its response
   * (as node:http's do), and its next request goes to node:http, whose gateway answers 503.
   */
  close(): void {
    this.closing = true;
    for (const c of this.conns) if (c.idle) c.socket.destroy();
  }

  /** Every connection, at once. */
  destroyAll(): void {
    for (const c of this.conns) c.socket.destroy();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
