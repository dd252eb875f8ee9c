/**
 * Reading request bodies with a limit. Beyond the limit the client gets Lambda's 413; the rest of
 * a moderately oversized body whose size was declared is drained so the client can read that
 * answer. A gigantic declared body, or a chunked one that runs past the limit (its end is unknown:
 * 300 MB of it used to be read to the end), is not read further: the 413 goes out with
 * `Connection: close` and the connection is closed.
 */
import type http from 'node:http';
import { NimbusError } from '../../core/errors.js';
import { LeanRequest } from './lean.js';

/** Oversized bodies up to this size are drained so the 413 reaches the client intact. */
const DRAIN_LIMIT = 128 * 1024 * 1024;

export function tooLarge(limit: number, operation: string): NimbusError {
  return new NimbusError('ERR_REQUEST_TOO_LARGE', `Request must be smaller than ${limit} bytes for the ${operation} operation`);
}

/** Requests whose connection closes after the response (their body was not read to the end). */
export const closeAfterResponse = new WeakSet<http.IncomingMessage>();

export function readBody(req: http.IncomingMessage, limit: number, operation: string): Promise<Buffer> {
  // The lean front end reads the whole body before dispatching (its Content-Length is declared and within 6 MB).
  if (req instanceof LeanRequest) {
    req.complete = true;
    return req.body.length > limit ? Promise.reject(tooLarge(limit, operation)) : Promise.resolve(req.body);
  }
  return new Promise<Buffer>((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    const overflow = (): void => {
      if (!(declared <= DRAIN_LIMIT)) {
        // Not drained: stop reading (TCP back-pressure holds the sender) and close after the 413.
        req.pause();
        closeAfterResponse.add(req);
      }
      reject(tooLarge(limit, operation));
    };
    if (declared > limit) {
      if (declared <= DRAIN_LIMIT) req.resume();
      return overflow();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        overflow();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', (e) => {
      if (!over) reject(e);
    });
  });
}

/**
 * Drops a body no handler reads. A small declared one is drained, so the connection stays alive;
 * a chunked one (its end is unknown) or a large one is not read at all, and the connection closes
 * after the response.
 */
export function discardBody(req: http.IncomingMessage, limit: number): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (req.headers['transfer-encoding'] !== undefined || !(declared <= limit)) {
    req.pause();
    closeAfterResponse.add(req);
  } else req.resume();
}
