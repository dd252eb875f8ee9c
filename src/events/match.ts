/**
 * Runs compiled rules (rules.ts) against an event given as plain values (`parseJsonValue` output,
 * or objects built in code). Semantics, with their sources:
 *
 * - A rule matches when every field matches; a field matches when one of the event's values at
 *   its path satisfies one of its matchers. Values inside arrays are each a value of the field
 *   (EventBridge "Arrays in event patterns").
 * - Only leaves (strings, numbers, booleans, null) are values: an object or an empty array at the
 *   path is "not there", so `exists: true` fails and `exists: false` holds (EventBridge "Exists
 *   matching only works on leaf nodes"; `"resources": []` fails `exists: true`, AWS-verified).
 * - Array consistency (event-ruler's `rulesForJSONEvent`): two fields may not be satisfied by
 *   values in different elements of the same array, so `{"employees": {"first": ["Anna"],
 *   "last": ["Jones"]}}` does not match Anna Smith and Peter Jones.
 * - `anything-but` (every form) matches any present value not excluded — also null, booleans and
 *   values of the other type — and never a missing field (AWS-verified cases).
 * - Exact numbers compare by value when the pattern number is exactly representable (event-ruler
 *   inserts a numeric-equality matcher next to the literal), otherwise by literal text.
 */
import { RawNumber } from './json.js';
import { inRange, parseIp, sameIp } from './ip.js';
import type { Matcher } from './matchers.js';
import type { Rule } from './rules.js';
import { endsWithIgnoreCase, equalsIgnoreCase, startsWithIgnoreCase, wildcardMatches } from './strings.js';

/** A field still to be satisfied below the current node: the rest of its path, or null once at its leaf. */
interface Pending {
  readonly rest: string | null;
  readonly matchers: readonly Matcher[];
}

type Obj = Readonly<Record<string, unknown>>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RawNumber);

/** True when one of the alternative rules matches the event. */
export function matchesRules(rules: readonly Rule[], event: unknown): boolean {
  let leafPaths: Set<string> | undefined;
  const present = (path: string): boolean => (leafPaths ??= collectLeafPaths(event)).has(path);
  return rules.some((rule) => matchesRule(rule, event, present));
}

function matchesRule(rule: Rule, event: unknown, present: (path: string) => boolean): boolean {
  const pending: Pending[] = [];
  for (const field of rule.values()) {
    const positive = field.matchers.filter((m) => !(m.k === 'exists' && !m.v));
    // `exists: false` is judged over the whole event: no value anywhere at the path.
    if (positive.length < field.matchers.length && !present(field.path)) continue;
    if (positive.length === 0) return false;
    pending.push({ rest: field.path, matchers: positive });
  }
  return satisfy(pending, event);
}

function satisfy(fields: readonly Pending[], node: unknown): boolean {
  if (fields.length === 0) return true;
  if (node === undefined) return false;
  // Every pending field must be satisfied inside one element: that is array consistency.
  if (Array.isArray(node)) return node.some((el) => satisfy(fields, el));
  if (isObj(node)) return fields.every((f) => f.rest !== null) && descend(fields, node);
  return fields.every((f) => f.rest === null && f.matchers.some((m) => test(m, node)));
}

/** The keys of `obj` a path can continue through: the whole rest, or any dotted prefix of it. */
function keysFor(rest: string, obj: Obj): string[] {
  const out: string[] = [];
  for (let dot = rest.indexOf('.'); dot >= 0; dot = rest.indexOf('.', dot + 1)) {
    const k = rest.slice(0, dot);
    if (Object.hasOwn(obj, k) && obj[k] !== undefined) out.push(k);
  }
  if (Object.hasOwn(obj, rest) && obj[rest] !== undefined) out.push(rest);
  return out;
}

function descend(fields: readonly Pending[], obj: Obj): boolean {
  const options = fields.map((f) => keysFor(f.rest!, obj));
  if (options.some((o) => o.length === 0)) return false;
  const chosen: string[] = [];
  // A field has several options only when the event uses dotted keys; try each assignment.
  const attempt = (i: number): boolean => {
    if (i === fields.length) {
      const groups = new Map<string, Pending[]>();
      fields.forEach((f, j) => {
        const k = chosen[j]!;
        const rest = f.rest === k ? null : f.rest!.slice(k.length + 1);
        groups.set(k, [...(groups.get(k) ?? []), { rest, matchers: f.matchers }]);
      });
      for (const [k, group] of groups) if (!satisfy(group, obj[k])) return false;
      return true;
    }
    for (const k of options[i]!) {
      chosen[i] = k;
      if (attempt(i + 1)) return true;
    }
    return false;
  };
  return attempt(0);
}

/** Dotted paths that hold at least one leaf value. */
export function collectLeafPaths(event: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown, path: string | undefined): void => {
    if (Array.isArray(node)) node.forEach((el) => walk(el, path));
    else if (isObj(node)) {
      for (const [k, v] of Object.entries(node)) if (v !== undefined) walk(v, path === undefined ? k : `${path}.${k}`);
    } else out.add(path ?? '');
  };
  walk(event, undefined);
  return out;
}

/** Does one leaf value satisfy one matcher? */
export function test(m: Matcher, v: unknown): boolean {
  const s = typeof v === 'string' ? v : undefined;
  switch (m.k) {
    case 'string': {
      if (s === undefined) return false;
      if (s === m.v) return true;
      const ip = m.ip && parseIp(s);
      return ip !== undefined && sameIp(ip, m.ip!);
    }
    case 'number':
      return (typeof v === 'number' && v === m.n) || (v instanceof RawNumber && v.raw === m.raw);
    case 'literal':
      return v === m.v;
    case 'prefix':
      return s !== undefined && (m.ci ? startsWithIgnoreCase(s, m.v) : s.startsWith(m.v));
    case 'suffix':
      return s !== undefined && (m.ci ? endsWithIgnoreCase(s, m.v) : s.endsWith(m.v));
    case 'equals-ignore-case':
      return s !== undefined && equalsIgnoreCase(s, m.v);
    case 'wildcard':
      return s !== undefined && wildcardMatches(m.parts, s);
    case 'numeric':
      return typeof v === 'number' && (m.loOpen ? v > m.lo : v >= m.lo) && (m.hiOpen ? v < m.hi : v <= m.hi);
    case 'exists':
      return m.v;
    case 'cidr': {
      const ip = s === undefined ? undefined : parseIp(s);
      return ip !== undefined && inRange(ip, m.range);
    }
    case 'anything-but':
      if (s !== undefined) return m.numeric || !m.strings.has(s);
      if (typeof v === 'number') return !m.numeric || !m.numbers.includes(v);
      return true;
    case 'anything-but-set':
      return s === undefined || !m.values.some((p, i) => excludedBy(m.op, p, m.wildcards[i], s));
  }
}

function excludedBy(op: string, p: string, parts: readonly string[] | undefined, s: string): boolean {
  switch (op) {
    case 'prefix':
      return s.startsWith(p);
    case 'suffix':
      return s.endsWith(p);
    case 'equals-ignore-case':
      return equalsIgnoreCase(s, p);
    default:
      return wildcardMatches(parts ?? [p], s);
  }
}
