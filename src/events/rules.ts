/**
 * Compiles an event pattern (EventBridge rule, Lambda filter, SNS filter policy) into the form the
 * matcher runs: a list of alternative rules (more than one only with `$or`), each a map from a
 * dotted field path to the matchers any one of which the field's value must satisfy.
 *
 * Structure checks and messages follow event-ruler's JsonRuleCompiler, in document order so the
 * first error reported is the one AWS reports. Paths are the field names joined with "." — as in
 * event-ruler, `{"a": {"b": [..]}}` and `{"a.b": [..]}` are the same path (AWS-verified quirk).
 * A key given twice keeps its last value, as EventBridge documents.
 */
import type { JsonNode } from './json.js';
import { expressionMatcher, literalMatcher, PatternSyntaxError, type Dialect, type Matcher } from './matchers.js';

export interface Field {
  readonly path: string;
  /** How many objects deep the field sits; SNS counts it in a policy's complexity. */
  readonly depth: number;
  readonly matchers: readonly Matcher[];
}

/** All fields must match (AND). */
export type Rule = ReadonlyMap<string, Field>;

export type CompileResult = { ok: true; rules: readonly Rule[] } | { ok: false; reason: string };

const OR = '$or';

/** Operator names event-ruler refuses as field names inside `$or` (its RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP). */
const RESERVED_IN_OR = new Set([
  'exactly', 'equals-ignore-case', 'prefix', 'suffix', 'anything-but', 'exists', 'wildcard', 'numeric', 'cidr',
  '=', '<', '<=', '>', '>=', 'regex', 'not-wildcard', 'not-equals-ignore-case',
  'date-after', 'date-on-or-after', 'date-before', 'date-on-or-before', 'in-date-range',
  'ip-address-in-range', 'ip-address-not-in-range',
]);

/**
 * `$or` multiplies alternatives; past this many the pattern is refused rather than expanded.
 * AWS documents no such number for EventBridge (its own guard is unknown); SNS's 150-combination
 * limit is far below it.
 */
export const MAX_ALTERNATIVES = 1024;
export const TOO_MANY_ALTERNATIVES = `Event pattern is too complex: $or expands to more than ${MAX_ALTERNATIVES} alternatives`;

export function compileRules(root: JsonNode, dialect: Dialect): CompileResult {
  try {
    if (root.t !== 'obj') throw new PatternSyntaxError('Filter is not an object');
    const rules = compileObject(root.entries, [], [new Map()], false, dialect);
    return { ok: true, rules };
  } catch (e) {
    if (e instanceof PatternSyntaxError) return { ok: false, reason: e.message };
    throw e;
  }
}

function compileObject(
  entries: ReadonlyArray<readonly [string, JsonNode]>,
  prefix: readonly string[],
  rules: Map<string, Field>[],
  inOr: boolean,
  d: Dialect,
): Map<string, Field>[] {
  if (entries.length === 0) throw new PatternSyntaxError('Empty objects are not allowed');
  for (const [key, val] of entries) {
    if (key === OR) {
      rules = compileOr(val, prefix, rules, d);
      continue;
    }
    if (inOr && RESERVED_IN_OR.has(key)) {
      throw new PatternSyntaxError(`${key} is Ruler reserved fieldName which cannot be used inside ${OR}.`);
    }
    const segments = [...prefix, key];
    if (val.t === 'obj') {
      rules = compileObject(val.entries, segments, rules, inOr, d);
    } else if (val.t === 'arr') {
      const field = compileField(val.items, segments, d);
      for (const rule of rules) rule.set(field.path, field);
    } else {
      throw new PatternSyntaxError(`"${key}" must be an object or an array`);
    }
  }
  return rules;
}

function compileOr(val: JsonNode, prefix: readonly string[], rules: Map<string, Field>[], d: Dialect): Map<string, Field>[] {
  if (val.t !== 'arr') throw new PatternSyntaxError(`It must be an Array followed with ${OR}.`);
  const out: Map<string, Field>[] = [];
  for (const branch of val.items) {
    if (branch.t !== 'obj') throw new PatternSyntaxError(`Only JSON object is allowed in array of ${OR} relationship.`);
    out.push(...compileObject(branch.entries, prefix, rules.map((r) => new Map(r)), true, d));
    if (out.length > MAX_ALTERNATIVES) throw new PatternSyntaxError(TOO_MANY_ALTERNATIVES);
  }
  if (val.items.length < 2) throw new PatternSyntaxError(`There must have at least 2 Objects in ${OR} relationship.`);
  return out;
}

function compileField(items: readonly JsonNode[], segments: readonly string[], d: Dialect): Field {
  const matchers: Matcher[] = [];
  for (const item of items) {
    matchers.push(item.t === 'obj' ? expressionMatcher(item.entries, d) : literalMatcher(item));
  }
  if (matchers.length === 0) throw new PatternSyntaxError('Empty arrays are not allowed');
  return { path: segments.join('.'), depth: segments.length, matchers };
}
