/**
 * The Lambda Runtime API for one sandbox (`/2018-06-01/runtime/...`), as AWS and its Runtime
 * Interface Emulator define it (../shared/reference/lambda-api.md §3): `next` long-polls with no
 * timeout, `response` and `error` answer `202 {"status":"OK"}`, a wrong request id is `400
 * InvalidRequestID`, a response over 6 MiB + 100 bytes is `413 RequestEntityTooLarge`. A response
 * may also stream (`Lambda-Runtime-Function-Response-Mode: streaming`, stream-receiver.ts).
 *
 * One server per sandbox: a sandbox can only ever see its own invocations. The same listener
 * also speaks Nimbus's framed channel (frames.ts), which the built-in runtimes use: the first
 * byte of a connection picks the protocol, and both drive the same state machine.
 *
 * Multi-concurrency (`maxConcurrency` > 1, Lambda Managed Instances, docs/multi-concurrency.md):
 * up to that many invocations are out at once. Several `next` may wait together (one per loop of
 * the runtime), each result is matched to its invocation by request id, and a framed connection
 * is one loop. With 1 (the default) the state machine is Lambda's one-at-a-time one: a `next`
 * while an invocation is out is RIE's 403 InvalidStateTransition.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { encodeFrame, FrameReader, FrameType, isFrameStart, MAX_STREAM_CHUNK_BYTES } from './frames.js';
import { errorOutcome, MAX_ERROR_BYTES, MAX_RESPONSE_BYTES, type RuntimeOutcome } from './outcome.js';
import { accepted, decodeId, errorTypeHeader, readCapped, reply } from './runtime-http.js';
import { DEFAULT_STREAM_CONTENT_TYPE, receiveHttpStream, StreamReceiver } from './stream-receiver.js';
import type { ExtensionsApi } from './extensions/extensions-api.js';
import type { InvocationEvent } from './types.js';

export { MAX_RESPONSE_BYTES, type RuntimeOutcome } from './outcome.js';

const PREFIX = '/2018-06-01/runtime/';

interface Current {
  event: InvocationEvent;
  /** Settles the invocation; only the first call counts. */
  settle: (o: RuntimeOutcome) => void;
  delivered: boolean;
  /** A response is arriving (a stream): a second response for it is refused. */
  responding: boolean;
}

/** A streamed response arriving on the framed channel. */
interface FramedStream {
  id: string;
  cur: Current;
  receiver: StreamReceiver;
}

/** A runtime waiting for its next event: a parked HTTP `next`, or a framed connection. */
type Waiter = { res: http.ServerResponse } | { socket: net.Socket };

/** Strings JSON writes as they are, between quotes: printable ASCII but `"` and `\\`. */
const JSON_PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON.stringify of a string, without its escaping pass for the usual request id. */
function jsonString(s: string): string {
  return JSON_PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

/** How many request ids of abandoned invocations are remembered (a late framed result for one is dropped quietly). */
const FORGOTTEN_MAX = 1024;

export class RuntimeApiServer {
  private readonly server: net.Server;
  private readonly http: http.Server;
  private readonly framed = new Set<net.Socket>();
  /** Runtimes (loops) waiting for an event, oldest first. */
  private waiters: Waiter[] = [];
  /** Invocations handed to the runtime and not answered yet, by request id. */
  private readonly inflight = new Map<string, Current>();
  /** Invocations waiting for a runtime loop to ask, oldest first. */
  private readonly pending: Current[] = [];
  /** Streamed responses arriving on framed connections, one per connection. */
  private readonly streams = new Map<net.Socket, FramedStream>();
  /** Multi-concurrency: ids of invocations abandoned (timed out) while their loop still runs them. */
  private readonly forgotten = new Set<string>();
  /**
   * Multi-concurrency: the event frames handed to each connection in this event-loop turn. A
   * multi-concurrent runtime may serve all its loops on one connection; the events handed to it
   * in one turn then go out as one buffer in one write (one syscall and one wake-up of the runtime
   * instead of one per invocation), when `flushAll` runs in the turn's check phase. (A corked
   * socket did the same with one Writable entry per frame and a writev: docs/performance.md,
   * "Sixth pass".)
   */
  private readonly outbox = new Map<net.Socket, Buffer[]>();
  /** The last invoked ARN, and its JSON. */
  private arn = '';
  private arnJson = '""';
  private initDone = false;
  private closed = false;
  /**
   * Invocation answers received so far (a response or an error, framed or HTTP). The sandbox's
   * memory peak read for a REPORT may serve another invocation's REPORT as long as no answer
   * arrived after it was read (child-sandbox.ts `peakNow`).
   */
  answers = 0;
  /**
   * How many invocations may be out at once (PerExecutionEnvironmentMaxConcurrency); 1: Lambda's
   * default. Set by the sandbox before its runtime starts.
   */
  maxConcurrency = 1;
  /** The Extensions and Telemetry APIs, for a sandbox with external extensions (docs/extensions.md); null: none. */
  extensions: ExtensionsApi | null = null;

  constructor(
    private readonly hooks: {
      /** The runtime asked for work for the first time: init is over. */
      onReady: () => void;
      /** The runtime reported an init error. */
      onInitError: (o: Extract<RuntimeOutcome, { kind: 'error' }>) => void;
    },
  ) {
    this.http = http.createServer({ keepAlive: true }, (req, res) => {
      // The runtime is the function author's code: nothing it sends may throw out of here.
      try {
        this.route(req, res);
      } catch {
        if (res.headersSent) res.destroy();
        else reply(res, 500, { errorMessage: 'Internal error', errorType: 'ServiceException' });
      }
    });
    // `next` is a long poll that may wait for hours while the sandbox is idle: no timeouts.
    this.http.requestTimeout = 0;
    this.http.headersTimeout = 0;
    this.http.keepAliveTimeout = 0;
    this.http.timeout = 0;
    this.server = net.createServer((socket) => this.accept(socket));
  }

  /** Reads a connection's first bytes and hands it to the framed channel or to the HTTP server. */
  private accept(socket: net.Socket): void {
    socket.on('error', () => undefined);
    socket.once('data', (first: Buffer) => {
      if (this.closed) return void socket.destroy();
      if (isFrameStart(first[0]!)) return this.framedConnection(socket, first);
      this.http.emit('connection', socket);
      // The HTTP server reads the socket from here on; the bytes already read go to its parser first.
      socket.emit('data', first);
    });
  }

  private framedConnection(socket: net.Socket, first: Buffer): void {
    socket.setNoDelay(true);
    this.framed.add(socket);
    const reader = new FrameReader(
      (type) => (type === FrameType.Response ? MAX_RESPONSE_BYTES : type === FrameType.StreamChunk ? MAX_STREAM_CHUNK_BYTES : MAX_ERROR_BYTES),
      (type, head, body) => this.frame(socket, type, head, body),
    );
    const onData = (chunk: Buffer): void => {
      try {
        reader.push(chunk);
      } catch {
        // A broken stream: the runtime loses its channel, exits, and the sandbox reports it.
        socket.destroy();
      }
    };
    socket.on('data', onData);
    socket.once('close', () => {
      this.framed.delete(socket);
      this.streams.delete(socket);
      this.waiters = this.waiters.filter((w) => !('socket' in w) || w.socket !== socket);
    });
    onData(first);
  }

  /** One frame from a runtime: the same transitions as the HTTP routes below. */
  private frame(socket: net.Socket, type: number, head: string, body: Buffer | null): void {
    switch (type) {
      case FrameType.Next:
        return this.next({ socket });
      case FrameType.Response:
      case FrameType.Error: {
        const nl = head.indexOf('\n');
        const id = type === FrameType.Error && nl >= 0 ? head.slice(0, nl) : head;
        const cur = this.inflight.get(id);
        // The late answer of an invocation that timed out in a multi-concurrent sandbox: dropped, the loop goes on.
        if (!cur && this.forgotten.delete(id)) return this.framedReady(socket);
        if (!cur) return void socket.destroy();
        // A second response while one streams is a broken runtime; an error ends the stream (a crash).
        if (cur.responding && type === FrameType.Response) return void socket.destroy();
        this.inflight.delete(id);
        this.answers++;
        if (this.streams.get(socket)?.cur === cur) this.streams.delete(socket);
        // A framed runtime waits for its next event right after posting a result.
        this.framedReady(socket);
        if (body === null) return cur.settle({ kind: 'too-large' });
        if (type === FrameType.Response) return cur.settle(cur.event.sink ? this.streamWhole(cur, body) : { kind: 'response', payload: body });
        return cur.settle(errorOutcome(nl >= 0 ? head.slice(nl + 1) : undefined, body));
      }
      case FrameType.StreamStart: {
        const nl = head.indexOf('\n');
        const id = nl >= 0 ? head.slice(0, nl) : head;
        const cur = this.inflight.get(id);
        if (!cur || cur.responding || this.streams.has(socket)) return void socket.destroy();
        cur.responding = true;
        this.streams.set(socket, { id, cur, receiver: new StreamReceiver(cur.event.sink, (nl >= 0 && head.slice(nl + 1)) || DEFAULT_STREAM_CONTENT_TYPE) });
        return;
      }
      case FrameType.StreamChunk: {
        const s = this.streams.get(socket);
        if (!s || body === null) return void socket.destroy();
        s.receiver.push(
          body,
          () => socket.pause(),
          () => socket.resume(),
        );
        if (s.receiver.oversized && this.inflight.get(s.id) === s.cur) {
          // The invocation ends here; the rest of the stream is read and dropped until its end.
          this.inflight.delete(s.id);
          this.answers++;
          s.cur.settle(s.receiver.tooLarge());
        }
        return;
      }
      case FrameType.StreamEnd: {
        const s = this.streams.get(socket);
        const nl = head.indexOf('\n');
        if (!s || s.id !== (nl >= 0 ? head.slice(0, nl) : head)) return void socket.destroy();
        this.streams.delete(socket);
        if (this.inflight.get(s.id) === s.cur) this.inflight.delete(s.id);
        this.answers++;
        s.cur.settle(s.receiver.finish(nl >= 0 ? head.slice(nl + 1) : undefined, body ?? undefined));
        return this.framedReady(socket);
      }
      case FrameType.InitError:
        if (this.initDone) return void socket.destroy();
        this.initDone = true;
        return this.hooks.onInitError(errorOutcome(head, body ?? Buffer.alloc(0)));
      default:
        socket.destroy();
    }
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

  /** Hands `event` to the runtime and resolves with what it answers. At most `maxConcurrency` at a time. */
  deliver(event: InvocationEvent): Promise<RuntimeOutcome> {
    if (this.inflight.size + this.pending.length >= this.maxConcurrency) throw new Error('runtime API: no room for another invocation');
    return new Promise<RuntimeOutcome>((resolve) => {
      let settled = false;
      const settle = (o: RuntimeOutcome): void => {
        if (settled) return;
        settled = true;
        resolve(o);
      };
      const cur: Current = { event, settle, delivered: false, responding: false };
      // A framed runtime counts as waiting once it has answered; if its socket has ended since
      // (the runtime is exiting), the event stays undelivered and the pool runs it elsewhere.
      const w = this.takeWaiter();
      if (w) this.hand(w, cur);
      else this.pending.push(cur);
    });
  }

  /** The oldest waiting loop whose connection is still usable. */
  private takeWaiter(): Waiter | undefined {
    for (let w = this.waiters.shift(); w; w = this.waiters.shift()) {
      if ('socket' in w ? !w.socket.destroyed && w.socket.readable : !w.res.destroyed) return w;
    }
    return undefined;
  }

  /** True while an invocation waits for the runtime to ask for it (`requestId`: that one). */
  undelivered(requestId?: string): boolean {
    return requestId === undefined ? this.pending.length > 0 : this.pending.some((c) => c.event.requestId === requestId);
  }

  /**
   * Forgets an invocation (`requestId`), or all of them (the sandbox died); late posts for them
   * get 400. In a multi-concurrent sandbox a forgotten invocation's late framed answer is dropped
   * quietly: its loop is still running and must go on serving.
   */
  abandon(requestId?: string): void {
    if (requestId === undefined) {
      this.inflight.clear();
      this.pending.length = 0;
      this.streams.clear();
      return;
    }
    const i = this.pending.findIndex((c) => c.event.requestId === requestId);
    if (i >= 0) this.pending.splice(i, 1);
    if (this.inflight.delete(requestId) && this.maxConcurrency > 1) {
      if (this.forgotten.size >= FORGOTTEN_MAX) this.forgotten.delete(this.forgotten.values().next().value!);
      this.forgotten.add(requestId);
    }
    for (const [socket, s] of this.streams) if (s.id === requestId) this.streams.delete(socket);
  }

  /** A framed runtime finished a response and waits: it gets an invocation delivered meanwhile, if any. */
  private framedReady(socket: net.Socket): void {
    const cur = this.pending.shift();
    if (cur) this.hand({ socket }, cur);
    else this.waiters.push({ socket });
  }

  /** A buffered response to a streamed invocation goes to its sink as one chunk (a function that does not stream). */
  private streamWhole(cur: Current, payload: Buffer): RuntimeOutcome {
    const receiver = new StreamReceiver(cur.event.sink, 'application/json');
    receiver.push(
      payload,
      () => undefined,
      () => undefined,
    );
    return receiver.finish(undefined, undefined);
  }

  /**
   * Hands `cur` to the waiting loop `w`. In a multi-concurrent sandbox a framed connection's
   * frames are held until the end of the turn, so that several events for it leave in one
   * write; one at a time there is never a second event to join, and nothing is deferred.
   */
  private hand(w: Waiter, cur: Current): void {
    if (this.maxConcurrency > 1 && 'socket' in w) {
      const frame = this.eventFrame(cur);
      const queued = this.outbox.get(w.socket);
      if (queued) queued.push(frame);
      else {
        if (this.outbox.size === 0) setImmediate(this.flushAll);
        this.outbox.set(w.socket, [frame]);
      }
      return;
    }
    this.send(w, cur);
  }

  private readonly flushAll = (): void => {
    for (const [socket, frames] of this.outbox) {
      if (!socket.destroyed) socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
    }
    this.outbox.clear();
  };

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abandon();
    this.waiters = [];
    this.server.close();
    this.http.closeAllConnections();
    for (const s of this.framed) s.destroy();
    this.framed.clear();
  }

  /** The Event frame of `cur` (which counts as delivered from here on). */
  private eventFrame(cur: Current): Buffer {
    cur.delivered = true;
    this.inflight.set(cur.event.requestId, cur);
    const e = cur.event;
    // Written out field by field: the same JSON as stringifying an object literal, without
    // building the object per invocation; the function's ARN is the same call after call.
    if (e.invokedFunctionArn !== this.arn) {
      this.arn = e.invokedFunctionArn;
      this.arnJson = JSON.stringify(e.invokedFunctionArn);
    }
    let meta = `{"requestId":${jsonString(e.requestId)},"deadlineMs":${Number.isFinite(e.deadlineMs) ? String(e.deadlineMs) : 'null'},"invokedFunctionArn":${this.arnJson}`;
    if (e.traceId !== undefined) meta += `,"traceId":${JSON.stringify(e.traceId)}`;
    if (e.clientContext !== undefined) meta += `,"clientContext":${JSON.stringify(e.clientContext)}`;
    if (e.cognitoIdentity !== undefined) meta += `,"cognitoIdentity":${JSON.stringify(e.cognitoIdentity)}`;
    if (e.tenantId !== undefined) meta += `,"tenantId":${JSON.stringify(e.tenantId)}`;
    meta += '}';
    return encodeFrame(FrameType.Event, meta, e.payload);
  }

  private send(w: Waiter, cur: Current): void {
    if ('socket' in w) {
      w.socket.write(this.eventFrame(cur));
      return;
    }
    cur.delivered = true;
    this.inflight.set(cur.event.requestId, cur);
    const e = cur.event;
    const res = w.res;
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
    if (e.tenantId) headers['Lambda-Runtime-Aws-Tenant-Id'] = e.tenantId;
    res.writeHead(200, headers);
    res.end(e.payload);
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === `${PREFIX}invocation/next`) return this.next({ res });
    if (req.method === 'POST' && url === `${PREFIX}init/error`) return this.initError(req, res);
    if (req.method === 'POST' && url.startsWith(`${PREFIX}invocation/`)) {
      const rest = url.slice(PREFIX.length + 'invocation/'.length);
      const slash = rest.indexOf('/');
      const id = decodeId(rest.slice(0, slash));
      const what = rest.slice(slash + 1);
      if (what === 'response' || what === 'error') return this.result(req, res, id, what);
    }
    if (req.method === 'GET' && url === '/2018-06-01/ping') return void res.end('pong');
    if (this.extensions?.route(req, res)) return;
    req.resume();
    reply(res, 404, { errorMessage: 'Not Found', errorType: 'NotFound' });
  }

  private next(w: Waiter): void {
    if (!this.initDone) {
      this.initDone = true;
      this.hooks.onReady();
    }
    if (this.maxConcurrency === 1 && this.inflight.size > 0) {
      // RIE: asking for the next event while one is outstanding is an invalid state transition.
      if ('socket' in w) return void w.socket.destroy();
      return reply(w.res, 403, {
        errorMessage: 'State transition from Running to Ready failed for runtime. Error: invocation in progress',
        errorType: 'InvalidStateTransition',
      });
    }
    const cur = this.pending.shift();
    if (cur) return this.hand(w, cur);
    if (this.maxConcurrency === 1) {
      // One loop only: a second `next` replaces the first (which is closed).
      for (const old of this.waiters) if ('res' in old) old.res.destroy();
      this.waiters = [];
    }
    this.waiters.push(w);
    if ('res' in w) {
      w.res.on('close', () => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
      });
    }
  }

  private result(req: http.IncomingMessage, res: http.ServerResponse, id: string, what: 'response' | 'error'): void {
    const cur = this.inflight.get(id);
    if (!cur && this.forgotten.delete(id)) {
      // The late answer of an invocation that timed out in a multi-concurrent sandbox: taken and
      // dropped, so that the loop that ran it (and the process around it) goes on serving.
      req.resume();
      return accepted(res);
    }
    if (!cur) {
      req.resume();
      return reply(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
    }
    if (what === 'response') {
      if (cur.responding) {
        req.resume();
        return reply(res, 403, {
          errorMessage: 'State transition from RuntimeResponseSent to InvocationResponse failed for runtime. Error: a response is already being sent',
          errorType: 'InvalidStateTransition',
        });
      }
      const mode = req.headers['lambda-runtime-function-response-mode'];
      if (mode !== undefined || cur.event.sink) return this.streamResult(req, res, cur, mode);
    }
    const limit = what === 'response' ? MAX_RESPONSE_BYTES : MAX_ERROR_BYTES;
    readCapped(req, limit, (body) => {
      // An error may end a response that is still streaming (the runtime crashed mid-stream).
      if (this.inflight.get(id) !== cur && !(what === 'error' && cur.responding)) {
        return reply(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
      }
      if (this.inflight.get(id) === cur) this.inflight.delete(id);
      this.answers++;
      if (body === null) {
        // A body still arriving (one that never ends) is not read on: the connection goes once answered.
        if (!req.complete) res.once('finish', () => req.socket.destroy());
        reply(res, 413, {
          errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
          errorType: 'RequestEntityTooLarge',
        });
        return cur.settle({ kind: 'too-large' });
      }
      accepted(res);
      if (what === 'response') cur.settle({ kind: 'response', payload: body });
      else cur.settle(errorOutcome(errorTypeHeader(req), body));
    });
  }

  /**
   * A response POST in streaming mode, or any response to a streamed invocation: read with
   * backpressure into the invocation's sink (stream-receiver.ts). Any other mode is RIE's
   * `400 InvalidFunctionResponseMode`, and the invocation fails with Runtime.InvalidResponseModeHeader.
   */
  private streamResult(req: http.IncomingMessage, res: http.ServerResponse, cur: Current, mode: string | string[] | undefined): void {
    if (mode !== undefined && mode !== 'streaming') {
      req.resume();
      this.inflight.delete(cur.event.requestId);
      reply(res, 400, { errorMessage: 'Invalid function response mode', errorType: 'InvalidFunctionResponseMode' });
      return cur.settle(errorOutcome('Runtime.InvalidResponseModeHeader', Buffer.from(JSON.stringify({ errorMessage: `Invalid function response mode: ${String(mode)}`, errorType: 'Runtime.InvalidResponseModeHeader' }))));
    }
    cur.responding = true;
    const type = req.headers['content-type'] || (mode === undefined ? 'application/json' : DEFAULT_STREAM_CONTENT_TYPE);
    receiveHttpStream(
      req,
      new StreamReceiver(cur.event.sink, type),
      (o) => {
        if (this.inflight.get(cur.event.requestId) === cur) this.inflight.delete(cur.event.requestId);
        this.answers++;
        cur.settle(o);
      },
      (status) => {
        if (status === 202) {
          accepted(res);
        } else if (status === 413) {
          reply(res, 413, { errorMessage: `Exceeded maximum allowed payload size (${cur.event.sink?.limitBytes ?? MAX_RESPONSE_BYTES} bytes).`, errorType: 'RequestEntityTooLarge' });
        } else if (!res.destroyed) {
          reply(res, 400, { errorMessage: 'HTTP request detected as truncated', errorType: 'TruncatedHTTPRequest' });
        }
      },
    );
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
      this.hooks.onInitError(errorOutcome(errorTypeHeader(req), body ?? Buffer.alloc(0)));
    });
  }
}
