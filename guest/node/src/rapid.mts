/**
 * The runtime's side of Nimbus's framed channel (src/sandbox/frames.ts on the host): one
 * persistent connection to the sandbox's Runtime API address (AWS_LAMBDA_RUNTIME_API, or in a
 * network-isolated sandbox the Unix socket in NIMBUS_RUNTIME_API_SOCKET), carrying next, the
 * event, response, error and init error as length-prefixed frames instead of HTTP requests.
 * A warm invocation is one read and one write here. Requests stay strictly sequential, as the
 * Runtime API's state machine requires.
 *
 * A multi-concurrent runtime (docs/multi-concurrency.md) runs its N loops on ONE channel
 * (`loop()`): each loop's first `next` is a Next frame, events arrive on the shared connection
 * and go to the loops waiting, oldest first, and the host matches results by request id. The
 * frames the loops send in one event-loop turn go out in one write, and one read may carry
 * several events: fewer syscalls and wake-ups on both sides than one connection per loop.
 *
 * Frame: type (1 byte), head length and body length (uint32 BE), head (UTF-8), body. A streamed
 * response is StreamStart, StreamChunk frames of at most 1 MiB, then StreamEnd.
 */
import { connect, type NetConnectOpts, type Socket } from 'node:net';

export interface NextInvocation {
  requestId: string;
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId: string | undefined;
  clientContext: string | undefined;
  cognitoIdentity: string | undefined;
  tenantId: string | undefined;
  body: Buffer;
}

const NEXT = 0x01;
const RESPONSE = 0x02;
const ERROR = 0x03;
const INIT_ERROR = 0x04;
const STREAM_START = 0x05;
const STREAM_CHUNK = 0x06;
const STREAM_END = 0x07;
/** The host refuses larger StreamChunk bodies (src/sandbox/frames.ts MAX_STREAM_CHUNK_BYTES). */
const MAX_CHUNK = 1024 * 1024;
const EVENT = 0x10;
const PREFIX = 9;

function frame(type: number, head: string, body?: string | Buffer): Buffer {
  const headBytes = Buffer.byteLength(head);
  const bodyBytes = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  const out = Buffer.allocUnsafe(PREFIX + headBytes + bodyBytes);
  out[0] = type;
  out.writeUInt32BE(headBytes, 1);
  out.writeUInt32BE(bodyBytes, 5);
  out.write(head, PREFIX, 'utf8');
  if (typeof body === 'string') out.write(body, PREFIX + headBytes, 'utf8');
  else body?.copy(out, PREFIX + headBytes);
  return out;
}

/** One loop of a multi-concurrent runtime on a shared channel (RapidClient.loop). */
export interface RapidLoop {
  next(): Promise<NextInvocation>;
  respond(requestId: string, body: string): Promise<void>;
  error(requestId: string, body: string, errorType: string): Promise<void>;
}

type Waiting = { resolve: (inv: NextInvocation) => void; reject: (e: Error) => void };

export class RapidClient {
  private socket: Socket | null = null;
  private chunks: Buffer[] = [];
  private size = 0;
  /** The `next` calls waiting for an event, oldest first (one, unless loops share the channel). */
  private waiting: Waiting[] = [];
  private connecting: Promise<Socket> | null = null;
  private readonly target: NetConnectOpts;
  /** Whether the host knows the runtime waits: after `next` was sent once, or after a result. */
  private asked = false;
  /**
   * Loops share this channel: the socket stays referenced (there is no waiting for an empty event
   * loop in a multi-concurrent runtime) and frames are written once per event-loop turn.
   */
  private shared = false;
  /** Frames queued for the turn's write, with their senders' callbacks (shared channel). */
  private outbox: { data: Buffer; done: (e?: Error | null) => void }[] = [];

  constructor(address: string, socketPath?: string) {
    const i = address.lastIndexOf(':');
    this.target = socketPath ? { path: socketPath } : { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
  }

  next(): Promise<NextInvocation> {
    // After a result the host already knows the runtime is waiting; only the first ask is sent.
    const ask = !this.asked;
    this.asked = true;
    return this.take(ask);
  }

  /**
   * A loop of a multi-concurrent runtime on this channel; each keeps its own "the host knows I
   * wait" state, as a channel of its own would. For non-streaming handlers only: a streamed
   * response's chunks do not name their invocation, so streaming loops keep a channel each.
   */
  loop(): RapidLoop {
    this.shared = true;
    let asked = false;
    return {
      next: async () => {
        const ask = !asked;
        asked = true;
        const inv = await this.take(ask);
        asked = false;
        return inv;
      },
      respond: (requestId, body) => {
        asked = true;
        return this.send(frame(RESPONSE, requestId, body));
      },
      error: (requestId, body, errorType) => {
        asked = true;
        return this.send(frame(ERROR, `${requestId}\n${errorType.replace(/[\r\n]/g, ' ')}`, body));
      },
    };
  }

  /** Waits for the next event; `ask`: tell the host first that this loop waits. */
  private async take(ask: boolean): Promise<NextInvocation> {
    const socket = this.socket ?? (await this.connect());
    // Referenced only while waiting: while the handler runs, an idle channel must not keep the
    // event loop alive (callbackWaitsForEmptyEventLoop waits for 'beforeExit').
    socket.ref();
    try {
      return await new Promise<NextInvocation>((resolve, reject) => {
        this.waiting.push({ resolve, reject });
        // Shared: with the other loops' frames of this turn. A failed write closes the channel, which rejects this.
        if (ask && this.shared) void this.send(frame(NEXT, '')).catch(() => undefined);
        else if (ask) socket.write(frame(NEXT, ''));
        this.drain();
      });
    } finally {
      if (!this.shared) socket.unref();
    }
  }

  respond(requestId: string, body: string): Promise<void> {
    // A result tells the host the runtime waits for its next event: `next` need not ask again.
    this.asked = true;
    return this.send(frame(RESPONSE, requestId, body));
  }

  error(requestId: string, body: string, errorType: string): Promise<void> {
    this.asked = true;
    return this.send(frame(ERROR, `${requestId}\n${errorType.replace(/[\r\n]/g, ' ')}`, body));
  }

  initError(body: string, errorType: string): Promise<void> {
    return this.send(frame(INIT_ERROR, errorType, body));
  }

  /** Opens a streamed response (the Runtime API's streaming mode) with its content type. */
  streamStart(requestId: string, contentType: string): Promise<void> {
    return this.send(frame(STREAM_START, `${requestId}\n${contentType.replace(/[\r\n]/g, ' ')}`));
  }

  /**
   * Sends the next piece of a streamed body; resolves once it is handed to the kernel, so a host
   * that stops reading (its client is slow) holds this promise back: that is the backpressure.
   */
  async streamChunk(data: Buffer): Promise<void> {
    for (let at = 0; at < data.length; at += MAX_CHUNK) await this.send(frame(STREAM_CHUNK, '', data.subarray(at, at + MAX_CHUNK)));
  }

  /** Ends a streamed response; with an error, its type and document (what the error trailers carry). */
  streamEnd(requestId: string, error?: { errorType: string; body: string }): Promise<void> {
    // The host waits for the next event right after the end, as after any result.
    this.asked = true;
    if (!error) return this.send(frame(STREAM_END, requestId));
    return this.send(frame(STREAM_END, `${requestId}\n${error.errorType.replace(/[\r\n]/g, ' ')}`, error.body));
  }

  /** Resolves once the frame is handed to the kernel, so an exit right after it loses nothing. */
  private async send(data: Buffer): Promise<void> {
    const socket = this.socket ?? (await this.connect());
    if (this.shared) {
      return new Promise<void>((resolve, reject) => {
        if (this.outbox.push({ data, done: (e) => (e ? reject(e) : resolve()) }) === 1) setImmediate(this.flush);
      });
    }
    socket.ref();
    try {
      await new Promise<void>((resolve, reject) => socket.write(data, (e) => (e ? reject(e) : resolve())));
    } finally {
      socket.unref();
    }
  }

  /** Writes the frames the loops queued during this event-loop turn as one buffer. */
  private readonly flush = (): void => {
    const batch = this.outbox;
    this.outbox = [];
    const socket = this.socket;
    const done = (e?: Error | null): void => {
      for (const f of batch) f.done(e);
    };
    if (!socket) return done(new Error('Runtime API connection closed'));
    socket.write(batch.length === 1 ? batch[0]!.data : Buffer.concat(batch.map((f) => f.data)), done);
  };

  private connect(): Promise<Socket> {
    // Loops sharing the channel may all ask before it is open: one connection.
    this.connecting ??= new Promise((resolve, reject) => {
      const socket = connect(this.target, () => {
        socket.setNoDelay(true);
        this.socket = socket;
        resolve(socket);
      });
      socket.on('data', (chunk: Buffer) => {
        this.chunks.push(chunk);
        this.size += chunk.length;
        this.drain();
      });
      const fail = (e: Error): void => {
        this.socket = null;
        this.connecting = null;
        const waiting = this.waiting;
        this.waiting = [];
        for (const w of waiting) w.reject(e);
        reject(e);
      };
      socket.on('error', fail);
      socket.on('close', () => fail(new Error('Runtime API connection closed')));
    });
    return this.connecting;
  }

  /** Hands complete event frames to the waiting `next` calls, oldest first. */
  private drain(): void {
    while (this.waiting.length > 0 && this.size >= PREFIX && this.drainOne());
  }

  /** Hands one complete event frame to the oldest waiting `next`; false: none is complete yet. */
  private drainOne(): boolean {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.size)];
    const buf = this.chunks[0]!;
    const headBytes = buf.readUInt32BE(1);
    const bodyBytes = buf.readUInt32BE(5);
    const total = PREFIX + headBytes + bodyBytes;
    if (this.size < total) return false;
    if (buf[0] !== EVENT) {
      this.socket?.destroy(new Error(`Runtime API sent frame type ${buf[0]}`));
      return false;
    }
    const meta = JSON.parse(buf.toString('utf8', PREFIX, PREFIX + headBytes)) as Partial<NextInvocation>;
    const body = Buffer.from(buf.subarray(PREFIX + headBytes, total));
    this.chunks = total < buf.length ? [buf.subarray(total)] : [];
    this.size -= total;
    this.asked = false;
    const w = this.waiting.shift()!;
    if (typeof meta.requestId !== 'string' || !meta.requestId) {
      w.reject(new Error('Runtime API sent an invocation without a request id'));
      return true;
    }
    w.resolve({
      requestId: meta.requestId,
      deadlineMs: Number(meta.deadlineMs ?? 0),
      invokedFunctionArn: meta.invokedFunctionArn ?? '',
      traceId: meta.traceId || undefined,
      clientContext: meta.clientContext || undefined,
      cognitoIdentity: meta.cognitoIdentity || undefined,
      tenantId: meta.tenantId || undefined,
      body,
    });
    return true;
  }
}
