/**
 * Response streaming in the Node.js runtime, with the API AWS's runtime gives functions
 * (docs/reference/lambda-logging.md has the logging side; the streaming facts are in
 * docs/reference/response-streaming.md §2):
 *
 * - the global `awslambda.streamifyResponse(handler, { highWaterMark? })` marks a handler as
 *   streaming; it is then called as `handler(event, responseStream, context)` and must return a
 *   promise (AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA=1|true leaves the global out);
 * - `responseStream` is a Writable with `setContentType()` (default application/octet-stream);
 *   objects written to it are sent as JSON;
 * - `awslambda.HttpResponseStream.from(stream, { statusCode, headers, cookies })` sets the content
 *   type `application/vnd.awslambda.http-integration-response` and writes the JSON prelude and 8
 *   NUL bytes before the body, which function URLs turn into the HTTP status and headers.
 *
 * The body leaves as it is written: each chunk is a StreamChunk frame (rapid.mts), and the
 * Writable calls back only once the frame is with the kernel, so a slow client pushes back on
 * `write()` through the host. Ending the stream ends the response; a rejected handler or a
 * destroyed stream ends it with an error.
 */
import { Writable } from 'node:stream';
import { RuntimeInitError, toRapidError } from './errors.mjs';
import type { Handler } from './handler.mjs';
import type { RapidClient } from './rapid.mjs';

/** The marks streamifyResponse leaves on a handler (the keys AWS's runtime and libraries use). */
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAM_RESPONSE = 'response';

export const HTTP_INTEGRATION_TYPE = 'application/vnd.awslambda.http-integration-response';
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const PRELUDE_DELIMITER = new Uint8Array(8);

type Marked = Handler & { [STREAMING]?: unknown; [HIGH_WATER_MARK]?: unknown };

function streamifyResponse(handler: Marked, options?: { highWaterMark?: unknown }): Marked {
  handler[STREAMING] = STREAM_RESPONSE;
  if (typeof options?.highWaterMark === 'number') handler[HIGH_WATER_MARK] = Math.trunc(options.highWaterMark);
  return handler;
}

/** `awslambda.HttpResponseStream`: the metadata prelude of function URL responses. */
class HttpResponseStream {
  static from(underlying: ResponseStream, prelude: unknown): ResponseStream {
    underlying.setContentType(HTTP_INTEGRATION_TYPE);
    const text = JSON.stringify(prelude);
    underlying._onBeforeFirstWrite = (write) => {
      write(text);
      write(PRELUDE_DELIMITER);
    };
    return underlying;
  }
}

/** Puts `awslambda` on the global object before the handler's module loads, as AWS's runtime does. */
export function installAwsLambdaGlobal(): void {
  const off = process.env['AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA'];
  if (off === '1' || off === 'true') return;
  (globalThis as { awslambda?: unknown }).awslambda = { streamifyResponse, HttpResponseStream };
}

/** Whether `handler` streams, and its high water mark; a mark other than 'response' is an init error. */
export function streamingOf(handler: Handler): { highWaterMark: number | undefined } | null {
  const mark = (handler as Marked)[STREAMING];
  if (mark === undefined || mark === null || mark === false) return null;
  if (mark !== STREAM_RESPONSE) throw new RuntimeInitError('Runtime.MalformedStreamingHandler', 'Only response streaming is supported.');
  const hwm = Number((handler as Marked)[HIGH_WATER_MARK]);
  return { highWaterMark: Number.isFinite(hwm) && hwm > 0 ? hwm : undefined };
}

/** The `responseStream` argument: a Writable whose bytes become the streamed response. */
export class ResponseStream extends Writable {
  /** Set by HttpResponseStream.from (and libraries that follow AWS's runtime): writes before the first chunk. */
  _onBeforeFirstWrite: ((write: (chunk: string | Uint8Array) => void) => void) | undefined;
  private contentType = DEFAULT_CONTENT_TYPE;
  private opened: Promise<void> | null = null;
  private wrote = false;
  private failure: { errorType: string; body: string } | undefined;
  /** Settles once StreamEnd went out (success) or the stream failed. */
  readonly done: Promise<void>;
  private markDone!: () => void;
  ended = false;

  constructor(
    private readonly client: RapidClient,
    private readonly requestId: string,
    highWaterMark: number | undefined,
  ) {
    super(highWaterMark === undefined ? {} : { highWaterMark });
    this.done = new Promise((resolve) => (this.markDone = resolve));
  }

  setContentType(type: string): void {
    if (this.wrote || this.opened) throw new RuntimeInitError('Runtime.InvalidStreamingOperation', 'Cannot set content-type, too late.');
    this.contentType = type;
  }

  // Objects are sent as JSON, as AWS's runtime does; strings and bytes as they are.
  override write(chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    const data = typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk : JSON.stringify(chunk);
    if (!this.wrote) {
      this.wrote = true;
      this._onBeforeFirstWrite?.((c) => void super.write(c));
    }
    return super.write(data, encoding as BufferEncoding, cb as (e?: Error | null) => void);
  }

  // end(chunk) writes through write(), so that a prelude goes out before that chunk too.
  override end(chunk?: unknown, encoding?: unknown, cb?: unknown): this {
    if (typeof chunk === 'function') return super.end(chunk as () => void);
    if (chunk !== undefined && chunk !== null) this.write(chunk, typeof encoding === 'string' ? encoding : undefined);
    const done = typeof encoding === 'function' ? encoding : cb;
    return typeof done === 'function' ? super.end(done as () => void) : super.end();
  }

  private open(): Promise<void> {
    return (this.opened ??= this.client.streamStart(this.requestId, this.contentType));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (e?: Error | null) => void): void {
    this.open()
      .then(() => this.client.streamChunk(chunk))
      .then(() => callback(), callback);
  }

  override _final(callback: (e?: Error | null) => void): void {
    // A stream ended without a write still sends its prelude: a status and headers with no body.
    const prelude: Buffer[] = [];
    if (!this.wrote) {
      this.wrote = true;
      this._onBeforeFirstWrite?.((c) => prelude.push(Buffer.from(c)));
    }
    (async () => {
      await this.open();
      for (const p of prelude) await this.client.streamChunk(p);
      await this.end_(this.failure);
    })().then(() => callback(), callback);
  }

  /**
   * Ends the response with an error: what was written so far goes first, then the end carries the
   * error (the Runtime API's error trailers). Nothing happens once the response has ended.
   */
  fail(err: unknown): Promise<void> {
    if (this.ended) return this.done;
    const e = toRapidError(err);
    this.failure = { errorType: e.errorType, body: JSON.stringify(e) };
    if (this.destroyed) return this.end_(this.failure);
    if (!this.writableEnded) this.end();
    return this.done;
  }

  private async end_(error: { errorType: string; body: string } | undefined): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    try {
      await this.open();
      await this.client.streamEnd(this.requestId, error);
    } finally {
      this.markDone();
    }
  }
}

/**
 * Runs a streaming handler for one invocation and resolves once its response has ended. A handler
 * that is not async, throws, rejects, or returns without ever ending its stream fails the
 * invocation with the messages of AWS's runtime.
 */
export async function runStreaming(
  handler: Handler,
  hwm: number | undefined,
  body: Buffer,
  client: RapidClient,
  requestId: string,
  context: Record<string, unknown>,
  logError: (err: unknown) => void,
): Promise<void> {
  const stream = new ResponseStream(client, requestId, hwm);
  stream.on('error', () => undefined);
  const fail = (err: unknown): Promise<void> => {
    logError(err);
    return stream.fail(err);
  };
  let result: unknown;
  try {
    const event: unknown = body.length ? JSON.parse(body.toString('utf8')) : {};
    result = (handler as (e: unknown, s: unknown, c: unknown) => unknown)(event, stream, context);
  } catch (err) {
    return fail(err);
  }
  if (!result || typeof (result as PromiseLike<unknown>).then !== 'function') return fail('Streaming does not support non-async handlers.');
  try {
    if ((await result) !== undefined) console.warn('Streaming handlers ignore return values.');
  } catch (err) {
    return fail(err);
  }
  // The handler returned: the response ends when its stream does. A stream destroyed unfinished,
  // or one left open with nothing more to run, ends the invocation with an error.
  await new Promise<void>((resolve) => {
    const unfinished = (): void => {
      cleanup();
      void fail(new Error('Response stream is not finished.')).then(resolve);
    };
    const cleanup = (): void => {
      process.removeListener('beforeExit', unfinished);
      stream.removeListener('close', onClose);
    };
    const onClose = (): void => {
      if (!stream.ended) unfinished();
    };
    process.once('beforeExit', unfinished);
    stream.once('close', onClose);
    void stream.done.then(() => {
      cleanup();
      resolve();
    });
  });
}
