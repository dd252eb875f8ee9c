/**
 * InvokeWithResponseStream's response body: an AWS event stream (`application/vnd.amazon.eventstream`
 * messages, encoded by @smithy/core's EventStreamCodec, the SDK's own decoder's counterpart) of
 * `PayloadChunk` events, one per piece of the function's response as it arrives, and one final
 * `InvokeComplete` {ErrorCode, ErrorDetails, LogResult} (MODEL `InvokeWithResponseStreamResponseEvent`;
 * docs/reference/response-streaming.md §3).
 *
 * The HTTP head goes out when the runtime begins its response, since its `Content-Type` is the
 * stream's content type (MODEL binds `ResponseStreamContentType` to that header). A client that goes
 * away is not waited for: chunks are dropped from then on and the function runs to its end, as on AWS.
 */
import http from 'node:http';
import { EventStreamCodec } from '@smithy/core/event-streams';
import type { ResponseSink } from '../../invoke/invoker.js';

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString('utf8'),
  (text) => Buffer.from(text, 'utf8'),
);

function message(eventType: 'PayloadChunk' | 'InvokeComplete', contentType: string, body: Uint8Array): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':message-type': { type: 'string', value: 'event' },
      ':content-type': { type: 'string', value: contentType },
    },
    body,
  });
}

/** The members of the final event; absent ones are left out, so a success is `{}`. */
export interface InvokeComplete {
  ErrorCode?: string | undefined;
  ErrorDetails?: string | undefined;
  LogResult?: string | undefined;
}

export class EventStreamSink implements ResponseSink {
  private headSent = false;
  private gone = false;

  constructor(
    private readonly res: http.ServerResponse,
    /** The response headers besides Content-Type (request id, executed version). */
    private readonly headers: Record<string, string>,
    readonly limitBytes: number,
  ) {
    res.on('error', () => undefined);
    res.on('close', () => {
      if (!res.writableFinished) this.gone = true;
    });
  }

  begin(contentType: string): void {
    this.head(contentType);
  }

  write(chunk: Buffer): boolean {
    if (this.gone) return true;
    return this.res.write(message('PayloadChunk', 'application/octet-stream', chunk));
  }

  onDrain(resume: () => void): void {
    if (this.gone) return resume();
    const done = (): void => {
      this.res.off('drain', done);
      this.res.off('close', done);
      resume();
    };
    this.res.on('drain', done);
    this.res.on('close', done);
  }

  /** Ends the stream with InvokeComplete. */
  complete(c: InvokeComplete): void {
    // An invocation that failed before it began a response has a JSON error to report.
    this.head('application/json');
    if (this.gone) return;
    const body: Record<string, string> = {};
    for (const [k, v] of Object.entries(c)) if (v !== undefined) body[k] = v;
    this.res.end(message('InvokeComplete', 'application/json', Buffer.from(JSON.stringify(body))));
  }

  private head(contentType: string): void {
    if (this.headSent || this.gone) return;
    this.headSent = true;
    this.res.writeHead(200, { ...this.headers, 'Content-Type': sendableType(contentType) });
  }
}

/** The runtime names the content type: one Node would refuse to send becomes the default. */
function sendableType(type: string): string {
  try {
    http.validateHeaderValue('content-type', type);
    return type;
  } catch {
    return 'application/octet-stream';
  }
}
