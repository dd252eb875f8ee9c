/**
 * GetObject/HeadObject preconditions (RFC 7232 as S3 applies them): If-Match and
 * If-Unmodified-Since fail with 412, If-None-Match and If-Modified-Since with 304; If-Match
 * wins over If-Unmodified-Since and If-None-Match over If-Modified-Since. And Range (one range).
 */
import { S3Error } from '../errors.js';
import type { ObjectRecord } from '../types.js';
import { header, type S3Request } from './request.js';

const etagMatches = (list: string, etag: string): boolean =>
  list.split(',').map((s) => s.trim()).some((t) => t === '*' || t === etag || `"${t}"` === etag || t.replace(/^W\//, '') === etag);

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** 'not-modified' (304) or undefined (go ahead); throws PreconditionFailed. */
export function checkConditions(r: S3Request, o: ObjectRecord): 'not-modified' | undefined {
  const ifMatch = header(r, 'if-match');
  const ifNone = header(r, 'if-none-match');
  const ifModified = Date.parse(header(r, 'if-modified-since') ?? '');
  const ifUnmodified = Date.parse(header(r, 'if-unmodified-since') ?? '');
  const modified = seconds(o.lastModified);
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, o.etag)) throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-Match' });
  } else if (!Number.isNaN(ifUnmodified) && modified > seconds(ifUnmodified)) {
    throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-Unmodified-Since' });
  }
  if (ifNone !== undefined) {
    if (etagMatches(ifNone, o.etag)) return 'not-modified';
  } else if (!Number.isNaN(ifModified) && modified <= seconds(ifModified)) {
    return 'not-modified';
  }
  return undefined;
}

/** The byte range asked for, or undefined for the whole object; InvalidRange (416) when unsatisfiable. A malformed Range is ignored, as S3 does. */
export function rangeOf(r: S3Request, size: number): { start: number; end: number } | undefined {
  const h = header(r, 'range');
  if (h === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(h.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) throw invalidRange(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
  }
  if (start >= size || size === 0) throw invalidRange(size);
  return { start, end };
}

const invalidRange = (size: number): S3Error => new S3Error('InvalidRange', undefined, { RangeRequested: '', ActualObjectSize: String(size) });
