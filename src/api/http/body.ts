/**
 * Reading request bodies with a limit. Beyond the limit the client gets Lambda's 413; the
 * rest of a moderately oversized body is drained so the client can read that answer, while a
 * gigantic one closes the connection instead of being read.
 */
import type http from 'node:http';
import { NimbusError } from '../../core/errors.js';

/** Oversized bodies up to this size are drained so the 413 reaches the client intact. */
const DRAIN_LIMIT = 128 * 1024 * 1024;

export function tooLarge(limit: number, operation: string): NimbusError {
  return new NimbusError('ERR_REQUEST_TOO_LARGE', `Request must be smaller than ${limit} bytes for the ${operation} operation`);
}

export function readBody(req: http.IncomingMessage, limit: number, operation: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    const overflow = (): void => {
      if (declared > DRAIN_LIMIT) req.socket.destroySoon?.();
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
