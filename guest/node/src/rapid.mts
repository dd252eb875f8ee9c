/**
 * The runtime's side of Nimbus's framed channel (src/sandbox/frames.ts on the host): one
 * persistent connection to the sandbox's Runtime API address (AWS_LAMBDA_RUNTIME_API, or in a
 * network-isolated sandbox the Unix socket in NIMBUS_RUNTIME_API_SOCKET), carrying next, the
 * event, response, error and init error as length-prefixed frames instead of HTTP requests.
 * A warm invocation is one read and one write here. Requests stay strictly sequential, as the
 * Runtime API's state machine requires.
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

export class RapidClient {
  private socket: Socket | null = null;
  private chunks: Buffer[] = [];
  private size = 0;
  private waiting: { resolve: (inv: NextInvocation) => void; reject: (e: Error) => void } | null = null;
  private readonly target: NetConnectOpts;
  /** Whether the host knows the runtime waits: after `next` was sent once, or after a result. */
  private asked = false;

  constructor(address: string, socketPath?: string) {
    const i = address.lastIndexOf(':');
    this.target = socketPath ? { path: socketPath } : { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
  }

  async next(): Promise<NextInvocation> {
    const socket = this.socket ?? (await this.connect());
    // Referenced only while waiting: while the handler runs, an idle channel must not keep the
    // event loop alive (callbackWaitsForEmptyEventLoop waits for 'beforeExit').
    socket.ref();
    try {
      return await new Promise<NextInvocation>((resolve, reject) => {
        this.waiting = { resolve, reject };
        // After a result the host already knows the runtime is waiting; only the first ask is sent.
        if (!this.asked) socket.write(frame(NEXT, ''));
        this.asked = true;
        this.drain();
      });
    } finally {
      socket.unref();
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
    socket.ref();
    try {
      await new Promise<void>((resolve, reject) => socket.write(data, (e) => (e ? reject(e) : resolve())));
    } finally {
      socket.unref();
    }
  }

  private connect(): Promise<Socket> {
    return new Promise((resolve, reject) => {
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
        const w = this.waiting;
        this.waiting = null;
        w?.reject(e);
        reject(e);
      };
      socket.on('error', fail);
      socket.on('close', () => fail(new Error('Runtime API connection closed')));
    });
  }

  /** Hands a complete event frame to the waiting `next`. */
  private drain(): void {
    if (!this.waiting || this.size < PREFIX) return;
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.size)];
    const buf = this.chunks[0]!;
    const headBytes = buf.readUInt32BE(1);
    const bodyBytes = buf.readUInt32BE(5);
    const total = PREFIX + headBytes + bodyBytes;
    if (this.size < total) return;
    if (buf[0] !== EVENT) {
      this.socket?.destroy(new Error(`Runtime API sent frame type ${buf[0]}`));
      return;
    }
    const meta = JSON.parse(buf.toString('utf8', PREFIX, PREFIX + headBytes)) as Partial<NextInvocation>;
    const body = Buffer.from(buf.subarray(PREFIX + headBytes, total));
    this.chunks = total < buf.length ? [buf.subarray(total)] : [];
    this.size -= total;
    this.asked = false;
    const w = this.waiting;
    this.waiting = null;
    if (typeof meta.requestId !== 'string' || !meta.requestId) {
      w.reject(new Error('Runtime API sent an invocation without a request id'));
      return;
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
  }
}
