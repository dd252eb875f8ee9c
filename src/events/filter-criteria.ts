/**
 * Lambda event-source-mapping `FilterCriteria` (`{"Filters":[{"Pattern":"<json>"}]}`) for SQS
 * records. Lambda "supports the same set of syntax and rules as Amazon EventBridge" (Lambda
 * event filtering), so patterns compile with the EventBridge engine; a record passes when any
 * filter matches (up to five filters by default, ten with a quota increase).
 *
 * The SQS `body` rules ("Properly filtering Amazon SQS messages"): Lambda parses a body that is
 * valid JSON and matches the pattern's `body` object against it; a body that is not JSON can only
 * be matched by a pattern on `body` as a plain value (`{"body": ["text"]}` or `[{"prefix": ..}]`).
 * A JSON body against a plain-value `body` pattern, or a plain body against a `body` object, drops
 * the record. A filter that does not mention `body` skips the check and sees the other fields of
 * the record (its metadata) as they are.
 *
 * Errors are Lambda's: any bad pattern is `InvalidParameterValueException` "Invalid filter pattern
 * definition." (recorded against AWS for `null`, a plain string, and non-array values).
 */
import { JsonSyntaxError, parseJsonValue } from './json.js';
import { matchesRules } from './match.js';
import { compileEventPattern, EVENT_PATTERN_MAX_LENGTH_LIMIT } from './pattern.js';
import type { Rule } from './rules.js';

export interface FilterCriteria {
  readonly Filters?: ReadonlyArray<{ readonly Pattern?: string }>;
}

/** Lambda's default quota; it can be raised to 10 (Lambda event filtering). */
export const MAX_FILTERS = 5;
export const MAX_FILTERS_LIMIT = 10;
/** The API's `Filter.Pattern` length limit. */
export const FILTER_PATTERN_MAX_LENGTH = EVENT_PATTERN_MAX_LENGTH_LIMIT;

export interface LambdaFilterError {
  readonly code: 'InvalidParameterValueException' | 'ValidationException';
  readonly message: string;
}

interface CompiledFilter {
  readonly rule: Rule;
  /** How the rule reads `body`: a plain value, a JSON object, or not at all. */
  readonly body: 'plain' | 'json' | 'none' | 'both';
}

export interface CompiledFilterCriteria {
  /** Empty means no filtering: every record passes. */
  readonly filters: readonly CompiledFilter[];
}

export type FilterCriteriaResult = { ok: true; criteria: CompiledFilterCriteria } | { ok: false; error: LambdaFilterError };

export const INVALID_FILTER_PATTERN = 'Invalid filter pattern definition.';

export function compileFilterCriteria(criteria: FilterCriteria | undefined, maxFilters = MAX_FILTERS): FilterCriteriaResult {
  const filters = criteria?.Filters ?? [];
  if (filters.length > maxFilters) {
    // Lambda refuses more filters than the quota; its exact wording was not found, this is Nimbus's.
    return { ok: false, error: { code: 'InvalidParameterValueException', message: `The number of filters (${filters.length}) exceeds the limit of ${maxFilters}.` } };
  }
  const out: CompiledFilter[] = [];
  for (const [i, filter] of filters.entries()) {
    const text = filter.Pattern ?? '';
    if (text.length > FILTER_PATTERN_MAX_LENGTH) {
      // The model constraint on Filter.Pattern, in AWS's usual validation wording.
      return {
        ok: false,
        error: {
          code: 'ValidationException',
          message: `1 validation error detected: Value '${text}' at 'filterCriteria.filters.${i + 1}.member.pattern' failed to satisfy constraint: Member must have length less than or equal to ${FILTER_PATTERN_MAX_LENGTH}`,
        },
      };
    }
    const compiled = compileEventPattern(text, { maxLength: FILTER_PATTERN_MAX_LENGTH });
    if (!compiled.ok) return { ok: false, error: { code: 'InvalidParameterValueException', message: INVALID_FILTER_PATTERN } };
    for (const rule of compiled.pattern.rules) out.push({ rule, body: bodyShape(rule) });
  }
  return { ok: true, criteria: { filters: out } };
}

function bodyShape(rule: Rule): CompiledFilter['body'] {
  const plain = rule.has('body');
  const json = [...rule.keys()].some((p) => p.startsWith('body.'));
  return plain && json ? 'both' : plain ? 'plain' : json ? 'json' : 'none';
}

/** An SQS record as Lambda delivers it (`messageId`, `body`, `attributes`, `messageAttributes`, ...). */
export interface SqsRecordLike {
  readonly body: string;
  readonly [field: string]: unknown;
}

/** Does the record pass the mapping's filters? */
export function matchesFilterCriteria(criteria: CompiledFilterCriteria, record: SqsRecordLike): boolean {
  if (criteria.filters.length === 0) return true;
  let parsed: { json: boolean; value: unknown } | undefined;
  const body = (): { json: boolean; value: unknown } => {
    if (parsed) return parsed;
    try {
      parsed = { json: true, value: parseJsonValue(record.body) };
    } catch (e) {
      if (!(e instanceof JsonSyntaxError)) throw e;
      parsed = { json: false, value: record.body };
    }
    return parsed;
  };
  return criteria.filters.some((f) => {
    if (f.body === 'none') return matchesRules([f.rule], record);
    const b = body();
    if (f.body === 'both' || (f.body === 'json') !== b.json) return false;
    return matchesRules([f.rule], { ...record, body: b.value });
  });
}
