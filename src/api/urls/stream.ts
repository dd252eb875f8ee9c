/**
 * A RESPONSE_STREAM function URL's response, written as the function produces it
 * (docs/reference/response-streaming.md §4). A plain stream goes out as a 200 with the stream's
 * content type. A stream of type `application/vnd.awslambda.http-integration-response` (what
 * `awslambda.HttpResponseStream.from` makes) starts with a JSON prelude `{statusCode, headers,
 * cookies}` and 8 NUL bytes: the prelude becomes the status line and headers, the rest the body.
 *
 * A failure before anything was sent is the same `502 Internal Server Error` as a BUFFERED URL's; a
 * failure after the head went out can only be told by cutting the connection, which a client sees
 * as a response that ended early.
 */
import http from 'node:http';
import type { ResponseSink } from '../../invoke/invoker.js';

export const HTTP_INTEGRATION_TYPE = 'application/vnd.awslambda.http-integration-response';
const DELIMITER = Buffer.alloc(8);
/** A prelude is a status and headers; one that runs on past this is not a prelude. */
const MAX_PRELUDE_BYTES = 64 * 1024;
/** Headers the platform owns: framing is Nimbus's business, not the function's. */
const DROPPED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade']);

export class UrlStreamSink implements ResponseSink {
  private prelude: Buffer[] | null = null;
  private preludeBytes = 0;
  private contentType = 'application/octet-stream';
  private headSent = false;
  /** The prelude could not be read: the response is a 502 whatever follows. */
  private malformed = false;
  private gone = false;

  constructor(
    private readonly res: http.ServerResponse,
    /** Headers Nimbus adds (request id, CORS); `fixHeaders` turns the function's own into the final set. */
    private readonly extra: Record<string, string>,
    private readonly fixHeaders: (h: Record<string, string | string[]>) => Record<string, string | string[]>,
    readonly limitBytes: number,
  ) {
    res.on('error', () => undefined);
    res.on('close', () => {
      if (!res.writableFinished) this.gone = true;
    });
  }

  begin(contentType: string): void {
    if (contentType === HTTP_INTEGRATION_TYPE) this.prelude = [];
    else if (sendable('content-type', contentType)) this.contentType = contentType;
  }

  write(chunk: Buffer): boolean {
    if (this.gone || this.malformed) return true;
    if (this.prelude && !this.headSent) {
      const rest = this.readPrelude(chunk);
      if (!rest?.length) return true;
      chunk = rest;
    }
    this.head(200, { 'content-type': this.contentType });
    return this.res.write(chunk);
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

  /** Ends the response; `failed`: the invocation did not end with a response. */
  finish(failed: boolean): void {
    if (this.gone) return;
    if (!this.headSent) {
      if (failed || this.malformed || this.prelude) return this.badGateway();
      this.head(200, { 'content-type': this.contentType });
      this.res.end();
      return;
    }
    // Ending the socket (not destroying it) sends what was written, then stops short of the final
    // chunk: the client gets every byte and an unfinished response.
    if (failed || this.malformed) {
      if (this.res.socket) this.res.socket.end();
      else this.res.destroy();
    } else this.res.end();
  }

  /** Collects the prelude; once its delimiter is in, sends the head and returns the body bytes after it. */
  private readPrelude(chunk: Buffer): Buffer | undefined {
    this.prelude!.push(chunk);
    this.preludeBytes += chunk.length;
    const all = Buffer.concat(this.prelude!, this.preludeBytes);
    const at = all.indexOf(DELIMITER);
    if (at < 0) {
      if (this.preludeBytes > MAX_PRELUDE_BYTES) this.malformed = true;
      return undefined;
    }
    const head = preludeHead(all.subarray(0, at));
    if (!head) {
      this.malformed = true;
      return undefined;
    }
    this.head(head.status, head.headers);
    return all.subarray(at + DELIMITER.length);
  }

  private head(status: number, own: Record<string, string | string[]>): void {
    if (this.headSent) return;
    this.headSent = true;
    this.res.writeHead(status, { ...this.fixHeaders(own), ...this.extra });
  }

  private badGateway(): void {
    const body = Buffer.from('Internal Server Error');
    this.headSent = true;
    this.res.writeHead(502, { ...this.extra, 'Content-Type': 'text/plain', 'Content-Length': body.length });
    this.res.end(body);
  }
}

/** The prelude's `{statusCode, headers, cookies}` as a status and headers; undefined when it is not one. */
function preludeHead(json: Buffer): { status: number; headers: Record<string, string | string[]> } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(json.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const p = v as Record<string, unknown>;
  const status = p['statusCode'] ?? 200;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) return undefined;
  const headers: Record<string, string | string[]> = { 'content-type': 'application/octet-stream' };
  if (p['headers'] !== undefined && p['headers'] !== null) {
    if (typeof p['headers'] !== 'object' || Array.isArray(p['headers'])) return undefined;
    for (const [k, raw] of Object.entries(p['headers'] as Record<string, unknown>)) {
      const val = typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : undefined;
      if (val !== undefined && !DROPPED.has(k.toLowerCase())) headers[k.toLowerCase()] = val;
    }
  }
  const cookies = p['cookies'];
  if (cookies !== undefined && cookies !== null) {
    if (!Array.isArray(cookies) || cookies.some((c) => typeof c !== 'string')) return undefined;
    headers['set-cookie'] = cookies as string[];
  }
  // Node refuses to send a bad name or a CR/LF in a value: such a prelude is malformed.
  for (const [k, val] of Object.entries(headers)) for (const x of Array.isArray(val) ? val : [val]) if (!sendable(k, x)) return undefined;
  return { status, headers };
}

function sendable(name: string, value: string): boolean {
  try {
    http.validateHeaderName(name);
    http.validateHeaderValue(name, value);
    return true;
  } catch {
    return false;
  }
}
