/**
 * Nimbus's own framed channel between the host and its built-in runtimes (docs/sandbox-lifecycle.md
 * "The runtime channel"). It carries exactly what the Runtime API carries — next, the event,
 * response, error, init error — but as length-prefixed frames on the same socket, without HTTP:
 * a warm invocation is one write each way instead of two HTTP exchanges (measured: the Runtime
 * API's HTTP parsing and replies were the largest share of the host's per-invocation work).
 *
 * A frame is a 9-byte prefix — type (1 byte), head length and body length (unsigned 32-bit,
 * big-endian) — then the head (UTF-8 text) and the body (bytes). Types are below 0x20, so the
 * first byte of a connection tells frames from an HTTP request line.
 *
 * A streamed response (`awslambda.streamifyResponse`) is StreamStart, any number of StreamChunk
 * frames and StreamEnd: the same content as the HTTP Runtime API's streaming mode (a chunked
 * response body, then the error trailers), cut into frames of at most MAX_STREAM_CHUNK_BYTES so
 * that the host never holds more than one small frame of it.
 *
 * Custom runtimes and AWS's runtime interface clients keep the HTTP Runtime API unchanged.
 */

export const FrameType = {
  /** runtime → host: ready for the next event (sent once, after init; a result implies it after). */
  Next: 0x01,
  /** runtime → host: head = request id, body = the response payload. */
  Response: 0x02,
  /** runtime → host: head = request id + "\n" + error type, body = the error document. */
  Error: 0x03,
  /** runtime → host: head = error type, body = the error document. */
  InitError: 0x04,
  /** runtime → host: a streamed response begins; head = request id + "\n" + content type. */
  StreamStart: 0x05,
  /** runtime → host: the next piece of the streamed body (head empty). */
  StreamChunk: 0x06,
  /**
   * runtime → host: the streamed response ends; head = request id, or request id + "\n" + error
   * type when it failed (then the body is the error document, as the error trailers carry it).
   */
  StreamEnd: 0x07,
  /** host → runtime: head = the event's metadata as JSON, body = the payload. */
  Event: 0x10,
} as const;

export const FRAME_PREFIX_BYTES = 9;
/** The largest StreamChunk body; the guest cuts larger writes (guest/node/src/rapid.mts). */
export const MAX_STREAM_CHUNK_BYTES = 1024 * 1024;
/** Heads are request ids, error types and a little JSON; anything longer is a broken peer. */
const MAX_HEAD_BYTES = 64 * 1024;

/** Whether a connection's first byte starts a frame (an HTTP request starts with a method's letter). */
export function isFrameStart(firstByte: number): boolean {
  return firstByte < 0x20;
}

export function encodeFrame(type: number, head: string, body?: Buffer): Buffer {
  const headBytes = Buffer.byteLength(head);
  const bodyBytes = body?.length ?? 0;
  const out = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + headBytes + bodyBytes);
  out[0] = type;
  out.writeUInt32BE(headBytes, 1);
  out.writeUInt32BE(bodyBytes, 5);
  out.write(head, FRAME_PREFIX_BYTES, 'utf8');
  body?.copy(out, FRAME_PREFIX_BYTES + headBytes);
  return out;
}

/**
 * Splits a byte stream into frames. A body longer than `maxBody(type)` is skipped as it arrives
 * (never buffered) and reported with `body === null`.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private skip = 0;
  private pending: { type: number; head: number; body: number } | null = null;

  constructor(
    private readonly maxBody: (type: number) => number,
    private readonly onFrame: (type: number, head: string, body: Buffer | null) => void,
  ) {}

  /** Feeds bytes; throws on a malformed stream (the caller drops the connection). */
  push(chunk: Buffer): void {
    if (this.skip > 0) {
      const n = Math.min(this.skip, chunk.length);
      this.skip -= n;
      chunk = chunk.subarray(n);
    }
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
    for (;;) {
      if (!this.pending) {
        if (this.size < FRAME_PREFIX_BYTES) return;
        const prefix = this.peek(FRAME_PREFIX_BYTES);
        const type = prefix[0]!;
        const head = prefix.readUInt32BE(1);
        const body = prefix.readUInt32BE(5);
        if (!isFrameStart(type)) throw new Error(`runtime channel: unknown frame type ${type}`);
        if (head > MAX_HEAD_BYTES) throw new Error(`runtime channel: frame head of ${head} bytes`);
        this.pending = { type, head, body };
      }
      const { type, head, body } = this.pending;
      const over = body > this.maxBody(type);
      const need = FRAME_PREFIX_BYTES + head + (over ? 0 : body);
      if (this.size < need) return;
      const frame = this.take(need);
      this.pending = null;
      const headText = frame.toString('utf8', FRAME_PREFIX_BYTES, FRAME_PREFIX_BYTES + head);
      if (over) {
        this.skip = body;
        const rest = this.take(this.size);
        this.onFrame(type, headText, null);
        if (rest.length) this.push(rest);
        return;
      }
      this.onFrame(type, headText, frame.subarray(FRAME_PREFIX_BYTES + head));
    }
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks, this.size)];
    return this.chunks[0]!;
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.peek(n);
    this.size -= n;
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    return first.subarray(0, n);
  }
}
