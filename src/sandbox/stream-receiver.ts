/**
 * One streamed response as it arrives from the runtime: the Runtime API's streaming mode
 * (`Lambda-Runtime-Function-Response-Mode: streaming`, a chunked body, then the trailers
 * `Lambda-Runtime-Function-Error-Type` and `Lambda-Runtime-Function-Error-Body`; docs/reference/lambda-api.md
 * §3.2), or the framed channel's StreamStart/StreamChunk/StreamEnd (frames.ts).
 *
 * With a sink (a streamed invocation) every chunk goes on at once and nothing is kept; the sink's
 * backpressure pauses the producer. Without one (a buffered Invoke of a streaming function) the
 * chunks are collected up to the buffered limit, as AWS's emulator copies a streamed response
 * into a buffered one. Past the limit the response is cut where the limit falls and the
 * invocation ends with `too-large` (RIE `directinvoke.go`: the copy is limited, the error type
 * is Function.ResponseSizeTooLarge and the runtime's POST is answered 413).
 */
import type http from 'node:http';
import { errorOutcome, MAX_RESPONSE_BYTES, type RuntimeOutcome } from './outcome.js';
import type { ResponseSink } from './types.js';

/** The content type of a streamed response that names none (what AWS's Node.js runtime sends by default). */
export const DEFAULT_STREAM_CONTENT_TYPE = 'application/octet-stream';

const ERROR_TYPE_TRAILER = 'lambda-runtime-function-error-type';
const ERROR_BODY_TRAILER = 'lambda-runtime-function-error-body';

export class StreamReceiver {
  private bytes = 0;
  private readonly chunks: Buffer[] = [];
  private over = false;
  private paused = false;

  constructor(
    private readonly sink: ResponseSink | undefined,
    contentType: string,
  ) {
    sink?.begin(contentType);
  }

  get limitBytes(): number {
    return this.sink?.limitBytes ?? MAX_RESPONSE_BYTES;
  }

  /** True once the stream went past its limit: the rest is ignored. */
  get oversized(): boolean {
    return this.over;
  }

  /** The outcome of a stream cut at its limit. */
  tooLarge(): RuntimeOutcome {
    return this.sink ? { kind: 'too-large', limitBytes: this.limitBytes } : { kind: 'too-large' };
  }

  /**
   * Takes the next chunk. When the sink is full, `pause` stops the producer and `resume` is called
   * once the sink has room again.
   */
  push(chunk: Buffer, pause: () => void, resume: () => void): void {
    if (this.over || chunk.length === 0) return;
    const room = this.limitBytes - this.bytes;
    this.bytes += chunk.length;
    if (chunk.length > room) {
      this.over = true;
      if (this.sink && room > 0) this.sink.write(chunk.subarray(0, room));
      return;
    }
    if (!this.sink) {
      this.chunks.push(chunk);
      return;
    }
    if (!this.sink.write(chunk) && !this.paused) {
      this.paused = true;
      pause();
      this.sink.onDrain(() => {
        this.paused = false;
        resume();
      });
    }
  }

  /** The invocation's outcome once the body ended, given the error the runtime reported at its end. */
  finish(errorType: string | undefined, errorBody: Buffer | undefined): RuntimeOutcome {
    if (this.over) return this.tooLarge();
    if (errorType || errorBody?.length) return errorOutcome(errorType || undefined, errorBody ?? Buffer.alloc(0));
    if (this.sink) return { kind: 'response', payload: Buffer.alloc(0), streamed: this.bytes };
    return { kind: 'response', payload: this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bytes) };
  }
}

/**
 * Reads a response POST's body into `receiver` with backpressure, and reports how it ended:
 * `settle` gets the outcome once (too-large as soon as the limit is passed, else at the end, or
 * Runtime.TruncatedResponse when the request breaks off), `answer` the status for the runtime.
 */
export function receiveHttpStream(
  req: http.IncomingMessage,
  receiver: StreamReceiver,
  settle: (o: RuntimeOutcome) => void,
  answer: (status: 202 | 400 | 413) => void,
): void {
  let done = false;
  const end = (o: RuntimeOutcome, status: 202 | 400 | 413): void => {
    if (done) return;
    done = true;
    answer(status);
    settle(o);
  };
  req.on('data', (c: Buffer) => {
    try {
      receiver.push(
        c,
        () => req.pause(),
        () => req.resume(),
      );
    } catch {
      // A sink that cannot take the chunk (its client is broken): nothing a runtime sends may
      // throw out of an event handler, so the response ends here as a truncated one.
      return end(errorOutcome('Runtime.TruncatedResponse', Buffer.alloc(0)), 400);
    }
    // The rest of the body is read and dropped (Node's server discards it once the answer is sent).
    if (receiver.oversized) end(receiver.tooLarge(), 413);
  });
  req.on('end', () => {
    const t = req.trailers;
    end(receiver.finish(t[ERROR_TYPE_TRAILER], trailerBody(t[ERROR_BODY_TRAILER])), 202);
  });
  req.on('close', () => {
    // RIE: a body that breaks off is Runtime.TruncatedResponse ("HTTP request detected as truncated").
    if (!req.complete) {
      end(errorOutcome('Runtime.TruncatedResponse', Buffer.from(JSON.stringify({ errorMessage: 'HTTP request detected as truncated', errorType: 'Runtime.TruncatedResponse' }))), 400);
    }
  });
  req.on('error', () => undefined);
}

/** The error body trailer: AWS's Node.js runtime sends the error document base64-encoded. */
function trailerBody(v: string | undefined): Buffer | undefined {
  if (!v) return undefined;
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(v) && v.length % 4 === 0) {
    const decoded = Buffer.from(v, 'base64');
    try {
      JSON.parse(decoded.toString('utf8'));
      return decoded;
    } catch {
      // Not base64 of JSON: taken as it is.
    }
  }
  return Buffer.from(v, 'utf8');
}
