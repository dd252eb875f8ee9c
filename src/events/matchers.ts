/**
 * The value matchers of an event pattern (`"field": [ <matcher>, ... ]`) and their compilation
 * from JSON with the validation messages AWS returns. The messages and the order in which they
 * are checked follow event-ruler's JsonRuleCompiler (AWS's open-source matcher behind
 * EventBridge); most of them were confirmed against AWS by recorded `TestEventPattern` and SNS
 * `SetSubscriptionAttributes` calls. Matching itself lives in match.ts.
 */
import { isComparable, type JsonNode } from './json.js';
import { parseCidr, parseIp, type IpRange } from './ip.js';
import { parseWildcard } from './strings.js';

export type Matcher =
  | { readonly k: 'string'; readonly v: string; readonly ip: Uint8Array | undefined }
  | { readonly k: 'number'; readonly raw: string; readonly n: number | undefined }
  | { readonly k: 'literal'; readonly v: boolean | null }
  | { readonly k: 'prefix' | 'suffix'; readonly v: string; readonly ci: boolean }
  | { readonly k: 'equals-ignore-case'; readonly v: string }
  | { readonly k: 'wildcard'; readonly parts: readonly string[] }
  | { readonly k: 'numeric'; readonly lo: number; readonly loOpen: boolean; readonly hi: number; readonly hiOpen: boolean }
  | { readonly k: 'exists'; readonly v: boolean }
  | { readonly k: 'cidr'; readonly range: IpRange }
  | { readonly k: 'anything-but'; readonly numeric: boolean; readonly strings: ReadonlySet<string>; readonly numbers: readonly number[] }
  | { readonly k: 'anything-but-set'; readonly op: AnythingButOp; readonly values: readonly string[]; readonly wildcards: readonly (readonly string[])[] };

export type AnythingButOp = 'prefix' | 'suffix' | 'equals-ignore-case' | 'wildcard';

/** What a service's pattern language accepts beyond the common core. */
export interface Dialect {
  /** Object forms allowed inside `anything-but`. */
  readonly anythingButOps: ReadonlySet<string>;
  /** Whether `{"anything-but": {"prefix": [..]}}` and friends take lists. */
  readonly anythingButLists: boolean;
  /** `{"prefix": {"equals-ignore-case": ..}}` and the suffix form. */
  readonly ignoreCaseAffixes: boolean;
  readonly wildcard: boolean;
  /** The message for a non-string under `anything-but`'s `prefix`/`suffix`. */
  readonly anythingButAffixTypeError: string;
}

export class PatternSyntaxError extends Error {
  override readonly name = 'PatternSyntaxError';
}

const fail = (reason: string): never => {
  throw new PatternSyntaxError(reason);
};
const ONE_KEY = 'Only one key allowed in match expression';
const TOO_MANY = 'Too many elements in numeric expression';
const NOT_ARRAY_OR_SCALAR = 'Value of anything-but must be an array or single string/number value.';

/** How Jackson prints the token it stopped at. */
function tokenText(n: JsonNode | undefined): string {
  if (!n) return ']';
  switch (n.t) {
    case 'num':
      return n.raw;
    case 'str':
      return n.v;
    case 'bool':
      return String(n.v);
    case 'null':
      return 'null';
    case 'obj':
      return '{';
    case 'arr':
      return '[';
  }
}

/** A pattern number as a double; event-ruler refuses numbers no double holds exactly. */
function comparable(raw: string): number {
  if (!isComparable(raw)) fail(`Cannot compare number : ${raw}`);
  return Number(raw);
}

/** An element of a field's value array that is not an object. */
export function literalMatcher(n: JsonNode): Matcher {
  switch (n.t) {
    case 'str':
      // event-ruler stores an address-looking string as an address, so "2001:db8::1" also
      // matches "2001:0db8:0:0:0:0:0:1".
      return { k: 'string', v: n.v, ip: parseIp(n.v) };
    case 'num':
      return { k: 'number', raw: n.raw, n: isComparable(n.raw) ? Number(n.raw) : undefined };
    case 'bool':
      return { k: 'literal', v: n.v };
    case 'null':
      return { k: 'literal', v: null };
    default:
      return fail('Match value must be String, number, true, false, or null');
  }
}

/** An object element of a field's value array: `{ "<operator>": ... }`. */
export function expressionMatcher(entries: ReadonlyArray<readonly [string, JsonNode]>, d: Dialect): Matcher {
  const first = entries[0];
  if (!first) return fail('Match expression name not found');
  const [name, val] = first;
  const extra = entries.length > 1;
  const str = (msg: string): string => (val.t === 'str' ? val.v : fail(msg));
  switch (name) {
    case 'prefix':
    case 'suffix': {
      if (val.t === 'obj' && d.ignoreCaseAffixes) return ignoreCaseAffix(name, val.entries, extra);
      const v = str(`${name} match pattern must be a string`);
      if (extra) fail(ONE_KEY);
      return { k: name, v, ci: false };
    }
    case 'equals-ignore-case': {
      const v = str('equals-ignore-case match pattern must be a string');
      if (extra) fail(ONE_KEY);
      return { k: name, v };
    }
    case 'wildcard': {
      if (!d.wildcard) break;
      const parsed = parseWildcard(str('wildcard match pattern must be a string'));
      if (!parsed.ok) return fail(parsed.reason);
      if (extra) fail(ONE_KEY);
      return { k: 'wildcard', parts: parsed.parts };
    }
    case 'numeric': {
      if (val.t !== 'arr') fail('Value of numeric must be an array.');
      const m = numeric(val.t === 'arr' ? val.items : []);
      if (extra) fail(TOO_MANY);
      return m;
    }
    case 'exists': {
      if (val.t !== 'bool') fail('exists match pattern must be either true or false.');
      if (extra) fail(ONE_KEY);
      return { k: 'exists', v: val.t === 'bool' && val.v };
    }
    case 'cidr': {
      // Sic: event-ruler reuses the prefix message for a non-string CIDR.
      const parsed = parseCidr(str('prefix match pattern must be a string'));
      if (!parsed.ok) return fail(parsed.reason);
      if (extra) fail(ONE_KEY);
      return { k: 'cidr', range: parsed.range };
    }
    case 'anything-but': {
      const m = anythingBut(val, d);
      if (extra) fail(TOO_MANY);
      return m;
    }
  }
  return fail(`Unrecognized match type ${name}`);
}

function ignoreCaseAffix(kind: 'prefix' | 'suffix', entries: ReadonlyArray<readonly [string, JsonNode]>, outerExtra: boolean): Matcher {
  const first = entries[0];
  const Kind = kind === 'prefix' ? 'Prefix' : 'Suffix';
  if (!first) return fail(`${Kind} expression name not found`);
  if (first[0] !== 'equals-ignore-case') fail(`Unsupported ${kind} pattern: ${first[0]}`);
  if (first[1].t !== 'str') fail('equals-ignore-case match pattern must be a string');
  if (entries.length > 1 || outerExtra) fail(ONE_KEY);
  return { k: kind, v: first[1].t === 'str' ? first[1].v : '', ci: true };
}

function numeric(items: readonly JsonNode[]): Matcher {
  const [t0, t1, t2, t3, t4] = items;
  if (t0?.t !== 'str') return fail(`Invalid member in numeric match: ${tokenText(t0)}`);
  const op = t0.v;
  const num = (n: JsonNode | undefined, label: string): string => (n?.t === 'num' ? n.raw : fail(`Value of ${label} must be numeric`));
  switch (op) {
    case '=': {
      const raw = num(t1, 'equals');
      if (t2) fail(TOO_MANY);
      const v = comparable(raw);
      return { k: 'numeric', lo: v, loOpen: false, hi: v, hiOpen: false };
    }
    case '<':
    case '<=': {
      const raw = num(t1, op);
      if (t2) fail(TOO_MANY);
      return { k: 'numeric', lo: -Infinity, loOpen: true, hi: comparable(raw), hiOpen: op === '<' };
    }
    case '>':
    case '>=': {
      const bottomRaw = num(t1, op);
      if (!t2) return { k: 'numeric', lo: comparable(bottomRaw), loOpen: op === '>', hi: Infinity, hiOpen: true };
      if (t2.t !== 'str') return fail(`Bad value in numeric range: ${tokenText(t2)}`);
      if (t2.v !== '<' && t2.v !== '<=') fail(`Bad numeric range operator: ${t2.v}`);
      const topRaw = num(t3, t2.v);
      if (t4) fail('Too many terms in numeric range expression');
      const lo = comparable(bottomRaw);
      const hi = comparable(topRaw);
      if (!(lo < hi)) fail('Bottom must be less than top');
      return { k: 'numeric', lo, loOpen: op === '>', hi, hiOpen: t2.v === '<' };
    }
  }
  return fail(`Unrecognized numeric range operator: ${op}`);
}

function anythingBut(val: JsonNode, d: Dialect): Matcher {
  if (val.t === 'obj') {
    const first = val.entries[0];
    if (!first) return fail('Anything-But expression name not found');
    const [op, inner] = first;
    if (!d.anythingButOps.has(op)) fail(`Unsupported anything-but pattern: ${op}`);
    const m = anythingButSet(op as AnythingButOp, inner, d);
    if (val.entries.length > 1) fail(TOO_MANY);
    return m;
  }
  if (val.t === 'str') return { k: 'anything-but', numeric: false, strings: new Set([val.v]), numbers: [] };
  if (val.t === 'num') return { k: 'anything-but', numeric: true, strings: new Set(), numbers: [comparable(val.raw)] };
  if (val.t !== 'arr') return fail(NOT_ARRAY_OR_SCALAR);
  const strings = new Set<string>();
  const numbers: number[] = [];
  for (const item of val.items) {
    if (item.t === 'str') strings.add(item.v);
    else if (item.t === 'num') numbers.push(comparable(item.raw));
    else fail('Inside anything but list, start|null|boolean is not supported.');
  }
  if ((strings.size > 0) === (numbers.length > 0)) {
    fail('Inside anything but list, either all values are number or string, mixed type is not supported');
  }
  return { k: 'anything-but', numeric: numbers.length > 0, strings, numbers };
}

function anythingButSet(op: AnythingButOp, inner: JsonNode, d: Dialect): Matcher {
  const typeError =
    op === 'equals-ignore-case'
      ? 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.'
      : op === 'wildcard'
        ? 'wildcard match pattern must be a string'
        : d.anythingButAffixTypeError;
  // Without lists (SNS) only a string is accepted, and anything else gets the type message.
  if (!d.anythingButLists && inner.t !== 'str') fail(typeError);
  if (inner.t !== 'arr' && inner.t !== 'str' && inner.t !== 'num') return fail(NOT_ARRAY_OR_SCALAR);
  const values: string[] = [];
  for (const item of inner.t === 'arr' ? inner.items : [inner]) {
    if (item.t !== 'str') return fail(typeError);
    if ((op === 'prefix' || op === 'suffix') && item.v === '') fail('Null prefix/suffix not allowed');
    values.push(item.v);
  }
  const wildcards = op !== 'wildcard' ? [] : values.map((v) => {
    const parsed = parseWildcard(v);
    return parsed.ok ? parsed.parts : fail(parsed.reason);
  });
  return { k: 'anything-but-set', op, values, wildcards };
}
