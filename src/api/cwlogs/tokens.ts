/**
 * Paging tokens. FilterLogEvents' and the Describe operations' are opaque (base64url JSON);
 * GetLogEvents' are `f/<key>` and `b/<key>` as AWS's look, a key being an event's place: its
 * entry's id and its index in the entry, as 26 digits (the event id).
 */
import { badToken } from './errors.js';

export function encode(v: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

export function decode(token: string | undefined, fields: readonly string[]): Record<string, string | number> | undefined {
  if (token === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof v === 'object' && v !== null && fields.every((f) => ['string', 'number'].includes(typeof (v as Record<string, unknown>)[f]))) {
      const r = v as Record<string, string | number>;
      if (fields.every((f) => typeof r[f] !== 'number' || (Number.isSafeInteger(r[f]) && (r[f] as number) >= 0))) return r;
    }
  } catch {
    // falls through to the refusal
  }
  throw badToken();
}

/** An event's place: its entry's id and its index there. */
export interface Key {
  entry: number;
  index: number;
}

export const keyText = (k: Key): string => `${String(k.entry).padStart(20, '0')}${String(k.index).padStart(6, '0')}`;

export function compareKeys(a: Key, b: Key): number {
  return a.entry !== b.entry ? a.entry - b.entry : a.index - b.index;
}

export function parseStreamToken(token: string): { dir: 'f' | 'b'; key: Key } {
  const m = /^([fb])\/(\d{20})(\d{6})$/.exec(token);
  if (!m) throw badToken();
  const entry = Number(m[2]);
  if (!Number.isSafeInteger(entry)) throw badToken();
  return { dir: m[1] as 'f' | 'b', key: { entry, index: Number(m[3]) } };
}
