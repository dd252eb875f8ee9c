/**
 * The small pieces of HTTP the Runtime API server (runtime-api.ts) needs: reading a capped body,
 * answering in the RIE's JSON shapes, and reading the request id and error type it is given.
 */
import type http from 'node:http';

const OK = Buffer.from('{"status":"OK"}');

/** A request id from the path; a malformed escape is kept as sent (it then matches no invocation). */
export function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function errorTypeHeader(req: http.IncomingMessage): string | undefined {
  const header = req.headers['lambda-runtime-function-error-type'];
  return typeof header === 'string' ? header : undefined;
}

/**
 * Reads a request body of at most `limit` bytes; calls back with null when it is larger, as soon
 * as it passes the limit: a body that never ends (a chunked response streamed forever) is cut
 * there, not waited for until the function times out.
 */
export function readCapped(req: http.IncomingMessage, limit: number, done: (body: Buffer | null) => void): void {
  const declared = Number(req.headers['content-length'] ?? -1);
  if (declared > limit) {
    req.resume();
    return done(null);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const onData = (c: Buffer): void => {
    size += c.length;
    if (size <= limit) return void chunks.push(c);
    settled = true;
    chunks.length = 0;
    req.off('data', onData);
    // The rest is discarded as it comes; the caller answers 413 and the connection is closed after.
    req.resume();
    done(null);
  };
  req.on('data', onData);
  req.on('end', () => {
    if (!settled) done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
  });
  req.on('error', () => undefined);
}

export function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const buf = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': buf.length });
  res.end(buf);
}

/** RIE `RenderAccepted`: `202 {"status":"OK"}`. */
export function accepted(res: http.ServerResponse): void {
  res.writeHead(202, { 'Content-Type': 'application/json', 'Content-Length': OK.length });
  res.end(OK);
}
