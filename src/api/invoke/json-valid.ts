/**
 * Whether bytes are one JSON text (RFC 8259) that `JSON.parse(bytes.toString('utf8'))` accepts,
 * decided on the bytes without decoding them or building any value. Invoke only checks that its
 * payload is JSON; decoding it and parsing it into objects that are thrown away was 2.8% of the
 * server's main thread per warm invocation at concurrency 64 (docs/performance.md, "Sixth pass").
 *
 * Same answer as JSON.parse after a UTF-8 decode, byte for byte: outside strings only ASCII
 * structure is allowed (a byte >= 0x80 there decodes to a character JSON.parse refuses, a BOM
 * included); inside strings any byte >= 0x80 is accepted (an invalid sequence decodes to U+FFFD,
 * which a string may hold, and the decoder never swallows an ASCII byte after one), control
 * bytes are refused, and escapes are checked. Nesting is counted, not recursed. The caller runs
 * JSON.parse only when this says no, for its error message.
 */

/** The ASCII bytes of JSON's structure. */
const C = {
  Tab: 0x09,
  Lf: 0x0a,
  Cr: 0x0d,
  Space: 0x20,
  Quote: 0x22,
  Plus: 0x2b,
  Minus: 0x2d,
  Comma: 0x2c,
  Dot: 0x2e,
  Zero: 0x30,
  Nine: 0x39,
  Colon: 0x3a,
  OpenBracket: 0x5b,
  Backslash: 0x5c,
  CloseBracket: 0x5d,
  OpenBrace: 0x7b,
  CloseBrace: 0x7d,
} as const;

/** Bytes a backslash may precede: " \ / b f n r t (u is checked on its own). */
const ESCAPES = new Uint8Array(128);
for (const c of '"\\/bfnrt') ESCAPES[c.charCodeAt(0)] = 1;

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** The index after the whitespace at `i`. */
function skipWs(b: Uint8Array, i: number): number {
  for (; i < b.length; i++) {
    const c = b[i]!;
    if (c !== C.Space && c !== C.Lf && c !== C.Cr && c !== C.Tab) break;
  }
  return i;
}

/** The index after the string whose opening quote is at `i`; -1 if it is not one. */
function string(b: Uint8Array, i: number): number {
  for (i++; i < b.length; i++) {
    const c = b[i]!;
    if (c === C.Quote) return i + 1;
    if (c < 0x20) return -1;
    if (c === C.Backslash) {
      const e = b[++i];
      if (e === undefined) return -1;
      if (e === 0x75) {
        if (i + 4 >= b.length || !isHex(b[i + 1]!) || !isHex(b[i + 2]!) || !isHex(b[i + 3]!) || !isHex(b[i + 4]!)) return -1;
        i += 4;
      } else if (e >= 128 || ESCAPES[e] !== 1) return -1;
    }
  }
  return -1;
}

/** The index after the digits at `i` (at least one); -1 if there is none. */
function digits(b: Uint8Array, i: number): number {
  const start = i;
  while (i < b.length && b[i]! >= C.Zero && b[i]! <= C.Nine) i++;
  return i === start ? -1 : i;
}

/** The index after the number at `i`; -1 if it is not one. */
function number(b: Uint8Array, i: number): number {
  if (b[i] === C.Minus) i++;
  if (b[i] === C.Zero) i++;
  else if ((i = digits(b, i)) < 0) return -1;
  if (b[i] === C.Dot && (i = digits(b, i + 1)) < 0) return -1;
  const e = b[i];
  if (e === 0x65 || e === 0x45) {
    i++;
    if (b[i] === C.Plus || b[i] === C.Minus) i++;
    if ((i = digits(b, i)) < 0) return -1;
  }
  return i;
}

/** The index after `word` at `i`; -1 if it is not there. */
function literal(b: Uint8Array, i: number, word: string): number {
  if (i + word.length > b.length) return -1;
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

/** One scalar value (string, number, literal) at `i`: the index after it, or -1. */
function scalar(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c === C.Quote) return string(b, i);
  if (c === C.Minus || (c !== undefined && c >= C.Zero && c <= C.Nine)) return number(b, i);
  if (c === 0x74) return literal(b, i, 'true');
  if (c === 0x66) return literal(b, i, 'false');
  if (c === 0x6e) return literal(b, i, 'null');
  return -1;
}

export function isJsonText(b: Uint8Array): boolean {
  // Open containers, innermost last: true for an object, false for an array.
  const open: boolean[] = [];
  let i = skipWs(b, 0);
  // Expecting a value (after start, ',' or ':' in an array or object).
  for (;;) {
    // A value: a container opens (and may close at once), or a scalar.
    let c = b[i];
    if (c === C.OpenBrace || c === C.OpenBracket) {
      const isObject = c === C.OpenBrace;
      i = skipWs(b, i + 1);
      if (b[i] === (isObject ? C.CloseBrace : C.CloseBracket)) {
        i++;
      } else {
        open.push(isObject);
        if (isObject) {
          if (b[i] !== C.Quote || (i = string(b, i)) < 0) return false;
          i = skipWs(b, i);
          if (b[i] !== C.Colon) return false;
          i = skipWs(b, i + 1);
        }
        continue;
      }
    } else if ((i = scalar(b, i)) < 0) return false;
    // After a value: the end, a ',' before the next one, or the close of its container.
    for (;;) {
      i = skipWs(b, i);
      if (open.length === 0) return i === b.length;
      const isObject = open[open.length - 1]!;
      c = b[i];
      if (c === C.Comma) {
        i = skipWs(b, i + 1);
        if (isObject) {
          if (b[i] !== C.Quote || (i = string(b, i)) < 0) return false;
          i = skipWs(b, i);
          if (b[i] !== C.Colon) return false;
          i = skipWs(b, i + 1);
        }
        break;
      }
      if (c !== (isObject ? C.CloseBrace : C.CloseBracket)) return false;
      open.pop();
      i++;
    }
  }
}
