/** What an S3 REST handler gets and returns: the HTTP layer (api/s3) fills one in and writes the other. */
import type http from 'node:http';
import type { Readable } from 'node:stream';
import type { Scope } from '../../core/model.js';
import type { ChunkSigning } from '../chunked.js';

export interface S3Request {
  method: string;
  /** Undefined for the service (ListBuckets). */
  bucket: string | undefined;
  /** Undefined or empty for the bucket itself. */
  key: string | undefined;
  query: URLSearchParams;
  req: http.IncomingMessage;
  scope: Scope;
  /** Set when the request was verified with a known key: aws-chunked chunk signatures are checked against it. */
  signing: ChunkSigning | undefined;
  /** Checks the caller's policies for `s3:<Action>` on `resource` (throws AccessDenied). */
  authorize(action: string, resource: string): void;
  requestId: string;
}

export interface S3Response {
  status: number;
  headers: Record<string, string>;
  body?: string | Buffer | undefined;
  /** A body streamed from a file (GetObject). */
  stream?: Readable | undefined;
  /** Bytes the stream will send (its Content-Length). */
  length?: number | undefined;
}

export const header = (r: S3Request, name: string): string | undefined => {
  const v = r.req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

export const xmlReply = (body: string, status = 200): S3Response => ({ status, headers: { 'Content-Type': 'application/xml' }, body });

/** `arn:aws:s3:::bucket` or `arn:aws:s3:::bucket/key`, the resource policies name. */
export const s3Arn = (bucket: string, key?: string): string => (key ? `arn:aws:s3:::${bucket}/${key}` : `arn:aws:s3:::${bucket}`);

export const httpDate = (ms: number): string => new Date(ms).toUTCString();
export const isoDate = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '.000Z');
