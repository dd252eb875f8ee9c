/**
 * A small lossless JSON reader for the filter engines. `JSON.parse` would do for most input, but
 * AWS's matcher (event-ruler, the library behind EventBridge) decides things from a number's
 * source text: a pattern number that a double cannot hold exactly is refused
 * ("Cannot compare number : ..."), and an event number that a double cannot hold exactly (a
 * 20-digit id) only ever matches the same literal. So numbers keep their text here.
 *
 * `parseJson` gives a syntax tree (patterns are compiled from it); `parseJsonValue` gives plain
 * values in which exactly-representable numbers are `number` and the rest are `RawNumber`.
 */

export type JsonNode =
  | { readonly t: 'obj'; readonly entries: ReadonlyArray<readonly [string, JsonNode]> }
  | { readonly t: 'arr'; readonly items: readonly JsonNode[] }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'num'; readonly raw: string }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'null' };

/** A JSON number that no double represents exactly; it keeps its source text. */
export class RawNumber {
  constructor(readonly raw: string) {}
}

export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

/** Jackson (the parser behind AWS's services) refuses documents nested deeper than this. */
const MAX_DEPTH = 1000;
const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
/** What Jackson reads as one token when it reports an unrecognised word (Java identifier characters). */
const WORD_RE = /[\p{L}\p{N}_$]+/uy;
const SHORT_INT_RE = /^-?\d{1,15}$/;
/** A run of string characters that need no attention. */
const PLAIN_RE = /[^"\\\u0000-\u001f]*/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export function parseJson(text: string): JsonNode {
  let i = 0;
  const fail = (what: string): never => {
    const ch = text[i];
    throw new JsonSyntaxError(ch === undefined ? `Unexpected end-of-input: ${what}` : `Unexpected character ('${ch}' (code ${ch.codePointAt(0)})): ${what}`, i);
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      PLAIN_RE.lastIndex = i;
      const run = PLAIN_RE.exec(text)![0];
      out += run;
      i += run.length;
      const ch = text[i];
      if (ch === undefined) fail('was expecting closing quote for a string value');
      if (ch === '"') break;
      if (ch! < ' ') fail('control characters must be escaped in a string value');
      if (ch === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('expected a hex-digit for character escape sequence');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
          continue;
        }
        const mapped = e === undefined ? undefined : ESCAPES[e];
        if (mapped === undefined) fail('unrecognized character escape');
        out += mapped;
        i += 2;
        continue;
      }
      out += ch;
      i++;
    }
    i++;
    return out;
  };
  const wordAt = (at: number): string | undefined => {
    WORD_RE.lastIndex = at;
    return WORD_RE.exec(text)?.[0];
  };
  const value = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) throw new JsonSyntaxError(`Document nesting depth (${depth}) exceeds the maximum allowed (${MAX_DEPTH})`, i);
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      const entries: Array<readonly [string, JsonNode]> = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { t: 'obj', entries };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('was expecting double-quote to start field name');
        const key = str();
        ws();
        if (text[i] !== ':') fail("was expecting a colon to separate field name and value");
        i++;
        entries.push([key, value(depth + 1)]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { t: 'obj', entries };
        }
        fail("was expecting comma to separate Object entries");
      }
    }
    if (ch === '[') {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { t: 'arr', items };
      }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { t: 'arr', items };
        }
        fail('was expecting comma to separate Array entries');
      }
    }
    if (ch === '"') return { t: 'str', v: str() };
    const word = ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9') ? undefined : wordAt(i);
    if (word !== undefined) {
      if (word === 'true' || word === 'false') {
        i += word.length;
        return { t: 'bool', v: word === 'true' };
      }
      if (word === 'null') {
        i += 4;
        return { t: 'null' };
      }
      throw new JsonSyntaxError(`Unrecognized token '${word}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')`, i);
    }
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(text);
    if (!m) return fail("expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')");
    i += m[0].length;
    return { t: 'num', raw: m[0] };
  };
  const root = value(1);
  ws();
  if (i < text.length) fail('expected end of input');
  return root;
}

/** Plain values: objects, arrays, strings, booleans, null, `number` and `RawNumber`. */
export function parseJsonValue(text: string): unknown {
  return nodeToValue(parseJson(text));
}

export function nodeToValue(node: JsonNode): unknown {
  switch (node.t) {
    case 'obj': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of node.entries) {
        // Assignment to "__proto__" would set the prototype; define it as a plain own key instead.
        if (k === '__proto__') Object.defineProperty(out, k, { value: nodeToValue(v), enumerable: true, writable: true, configurable: true });
        else out[k] = nodeToValue(v);
      }
      return out;
    }
    case 'arr':
      return node.items.map(nodeToValue);
    case 'str':
    case 'bool':
      return node.v;
    case 'null':
      return null;
    case 'num':
      return isComparable(node.raw) ? Number(node.raw) : new RawNumber(node.raw);
  }
}

/**
 * True when the double nearest to `raw` has the same decimal value as `raw` — event-ruler's test
 * (`BigDecimal.valueOf(double).compareTo(new BigDecimal(raw)) == 0`). `String(n)` is the shortest
 * decimal that reads back as `n`, like Java's `Double.toString`.
 */
export function isComparable(raw: string): boolean {
  // Fast paths: integers of up to 15 digits are exact, and so is text that is already shortest.
  if (SHORT_INT_RE.test(raw)) return true;
  const n = Number(raw);
  if (!Number.isFinite(n)) return false;
  if (String(n) === raw) return true;
  const a = decimalKey(raw);
  const b = decimalKey(String(n));
  return a === b;
}

/** A canonical form of a decimal literal: sign, significant digits and exponent. */
function decimalKey(lit: string): string {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(lit);
  if (!m) return lit;
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  let digits = int + frac;
  let exp = Number(m[4] ?? '0') + int.length;
  const lead = /^0*/.exec(digits)![0].length;
  digits = digits.slice(lead);
  exp -= lead;
  digits = digits.replace(/0+$/, '');
  if (digits === '') return '0';
  return `${m[1]}${digits}e${exp}`;
}

/** Minified text of a tree, keeping each number's source text. */
export function stringifyNode(node: JsonNode): string {
  switch (node.t) {
    case 'obj':
      return `{${node.entries.map(([k, v]) => `${JSON.stringify(k)}:${stringifyNode(v)}`).join(',')}}`;
    case 'arr':
      return `[${node.items.map(stringifyNode).join(',')}]`;
    case 'str':
      return JSON.stringify(node.v);
    case 'num':
      return node.raw;
    case 'bool':
      return String(node.v);
    case 'null':
      return 'null';
  }
}

/** Serialise plain values (as `parseJsonValue` returns them) back to minified JSON text. */
export function stringifyJson(v: unknown): string {
  if (v instanceof RawNumber) return v.raw;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stringifyJson).join(',')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${stringifyJson(x)}`).join(',')}}`;
  }
  return 'null';
}
