/**
 * Amazon EventBridge event patterns: compile once (validating with `InvalidEventPatternException`
 * texts), match many. The operator set is EventBridge's ("Comparison operators for use in event
 * patterns"): exact values, null and "", arrays of alternatives, nested objects, `prefix`,
 * `suffix` (both also with `equals-ignore-case`), `equals-ignore-case`, `wildcard`,
 * `anything-but` (values, lists, and prefix/suffix/equals-ignore-case/wildcard forms), `numeric`,
 * `exists`, `cidr` and `$or`. The same engine serves Lambda filters (filter-criteria.ts) and, with a
 * narrower dialect, SNS filter policies (sns-filter.ts).
 *
 * Messages are AWS's first line ("Event pattern is not valid. Reason: ..."); AWS appends Jackson's
 * position ("\n at [Source: ...; line: 1, column: N]"), which is not reproduced.
 */
import { JsonSyntaxError, parseJson, parseJsonValue } from './json.js';
import { matchesRules } from './match.js';
import type { Dialect } from './matchers.js';
import { compileRules, type Rule } from './rules.js';

/** Default quota: "Event pattern: 2048 characters maximum" (EventBridge quotas). */
export const EVENT_PATTERN_MAX_LENGTH = 2048;
/** The quota can be raised to the API's own limit (`EventPattern`: max length 4096). */
export const EVENT_PATTERN_MAX_LENGTH_LIMIT = 4096;

export const EVENTBRIDGE_DIALECT: Dialect = {
  anythingButOps: new Set(['equals-ignore-case', 'prefix', 'suffix', 'wildcard']),
  anythingButLists: true,
  ignoreCaseAffixes: true,
  wildcard: true,
  anythingButAffixTypeError: 'prefix/suffix match pattern must be a string',
};

export interface EventPattern {
  readonly source: string;
  /** Alternatives: more than one only when the pattern uses `$or`. */
  readonly rules: readonly Rule[];
}

export interface EventPatternError {
  readonly code: 'InvalidEventPatternException';
  readonly message: string;
}

export type EventPatternResult = { ok: true; pattern: EventPattern } | { ok: false; error: EventPatternError };

export interface CompileOptions {
  /** Characters allowed (default 2048, the default quota). */
  readonly maxLength?: number;
  readonly dialect?: Dialect;
}

const invalid = (reason: string): EventPatternResult => ({
  ok: false,
  error: { code: 'InvalidEventPatternException', message: `Event pattern is not valid. Reason: ${reason}` },
});

export function compileEventPattern(text: string, options: CompileOptions = {}): EventPatternResult {
  const maxLength = options.maxLength ?? EVENT_PATTERN_MAX_LENGTH;
  if (text.length > maxLength) {
    // AWS's wording for an over-long pattern was not found; this one is Nimbus's.
    return invalid(`Event pattern is longer than the maximum of ${maxLength} characters`);
  }
  let root;
  try {
    root = parseJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) {
      // An empty or blank pattern gives Jackson no token at all, which event-ruler reports as this.
      return invalid(text.trim() === '' ? 'Filter is not an object' : e.message);
    }
    throw e;
  }
  const compiled = compileRules(root, options.dialect ?? EVENTBRIDGE_DIALECT);
  return compiled.ok ? { ok: true, pattern: { source: text, rules: compiled.rules } } : invalid(compiled.reason);
}

/** Does the event (plain values; parse JSON text with `parseJsonValue`) match the pattern? */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return matchesRules(pattern.rules, event);
}

/** The fields `TestEventPattern` requires in its event (AWS refuses an event without them). */
export const TEST_EVENT_REQUIRED_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'] as const;

/**
 * `TestEventPattern`'s check of its `Event`: a JSON object carrying the required envelope fields,
 * else `ValidationException` "Parameter Event is not valid." (recorded against AWS for a plain
 * string, an array, and an object missing the fields). Returns the event's values when valid.
 */
export function parseTestEvent(text: string): { ok: true; event: unknown } | { ok: false; error: { code: 'ValidationException'; message: string } } {
  const invalid = { ok: false as const, error: { code: 'ValidationException' as const, message: 'Parameter Event is not valid.' } };
  let event: unknown;
  try {
    event = parseJsonValue(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return invalid;
    throw e;
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return invalid;
  return TEST_EVENT_REQUIRED_FIELDS.every((f) => Object.hasOwn(event as object, f)) ? { ok: true, event } : invalid;
}
