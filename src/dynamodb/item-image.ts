/**
 * Items in DynamoDB JSON as streams see them: the key of an item, whether two images are the
 * same item (a write that changes nothing writes no stream record), and an item's size as
 * DynamoDB counts it ("Item sizes and formats": attribute names and values in bytes), which is
 * what a record's SizeBytes adds up.
 */
import type { Item } from './streams-store.js';

export type KeySchema = ReadonlyArray<{ AttributeName: string; KeyType: string }>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The key attributes of an item (or a Key), undefined when one is missing. */
export function keyOf(item: unknown, schema: KeySchema): Item | undefined {
  if (!isObject(item)) return undefined;
  const out: Item = {};
  for (const k of schema) {
    const v = item[k.AttributeName];
    if (!isObject(v)) return undefined;
    out[k.AttributeName] = v;
  }
  return out;
}

/** JSON with object keys and set members sorted: equal items give equal text. */
function canonical(v: unknown, type?: string): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => canonical(x));
    if (type === 'SS' || type === 'NS' || type === 'BS') return items.map((x) => (type === 'NS' ? String(Number(x)) : String(x))).sort();
    return items;
  }
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = canonical(v[k], k);
    return out;
  }
  return v;
}

export function sameItem(a: Item | undefined, b: Item | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Bytes of one attribute value. */
function valueSize(v: unknown): number {
  if (!isObject(v)) return 0;
  const [type, x] = Object.entries(v)[0] ?? ['', undefined];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(x));
    case 'N':
      return numberSize(String(x));
    case 'B':
      return Buffer.from(String(x), 'base64').length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return Array.isArray(x) ? x.reduce((n: number, s) => n + Buffer.byteLength(String(s)), 0) : 0;
    case 'NS':
      return Array.isArray(x) ? x.reduce((n: number, s) => n + numberSize(String(s)), 0) : 0;
    case 'BS':
      return Array.isArray(x) ? x.reduce((n: number, s) => n + Buffer.from(String(s), 'base64').length, 0) : 0;
    case 'L':
      return 3 + (Array.isArray(x) ? x.reduce((n: number, e) => n + 1 + valueSize(e), 0) : 0);
    case 'M':
      return 3 + (isObject(x) ? Object.entries(x).reduce((n, [k, e]) => n + 1 + Buffer.byteLength(k) + valueSize(e), 0) : 0);
    default:
      return 0;
  }
}

/** Numbers take about one byte per two significant digits, plus one. */
function numberSize(n: string): number {
  const digits = n.replace(/^[-+]?0*/, '').replace(/[eE].*$/, '').replace('.', '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  let n = 0;
  for (const [k, v] of Object.entries(item)) n += Buffer.byteLength(k) + valueSize(v);
  return n;
}
