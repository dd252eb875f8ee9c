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

/** Reads a request body of at most `limit` bytes; calls back with null when it is larger. */
export function readCapped(req: http.IncomingMessage, limit: number, done: (body: Buffer | null) => void): void {
  const declared = Number(req.headers['content-length'] ?? -1);
  if (declared > limit) {
    req.resume();
    return done(null);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (c: Buffer) => {
    if (over) return;
    size += c.length;
    if (size > limit) over = true;
    else chunks.push(c);
  });
  req.on('end', () => done(over ? null : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
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
