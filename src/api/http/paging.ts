/** Marker/MaxItems pagination shared by the List* operations (docs/reference/lambda-api.md §1.4.2). */
import { invalidParameter, validationError } from '../../core/errors.js';

/** The page size: MaxItems (1..10000) capped at `cap`, AWS's own page limit. */
export function pageSize(maxItems: string | undefined, cap: number): number {
  if (maxItems === undefined) return cap;
  const n = Number(maxItems);
  if (!Number.isInteger(n)) throw validationError(maxItems, 'maxItems', 'Member must be an integer');
  if (n < 1) throw validationError(maxItems, 'maxItems', 'Member must have value greater than or equal to 1');
  if (n > 10000) throw validationError(maxItems, 'maxItems', 'Member must have value less than or equal to 10000');
  return Math.min(n, cap);
}

/** Markers are opaque to clients: the last key of the previous page, base64url-encoded. */
export const encodeMarker = (key: string): string => Buffer.from(key).toString('base64url');

export function decodeMarker(marker: string | undefined, pattern: RegExp): string | undefined {
  if (!marker) return undefined;
  const key = Buffer.from(marker, 'base64url').toString('utf8');
  if (!pattern.test(key)) throw invalidParameter('Invalid Marker');
  return key;
}
