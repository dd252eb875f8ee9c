/**
 * Amazon SNS subscription filter policies ("Amazon SNS message filtering" and its sub-pages in the
 * SNS developer guide). A policy is the EventBridge pattern language with a narrower operator set
 * — exact values, `anything-but` (values, lists, and a single `prefix`), `numeric`, `prefix`,
 * `suffix`, `equals-ignore-case`, `exists`, `cidr` and `$or`; no `wildcard`, and
 * `{"anything-but": {"suffix": ..}}` is refused (recorded against AWS) — applied either to the
 * message attributes (`FilterPolicyScope` `MessageAttributes`, the default) or to the JSON body
 * (`MessageBody`, which alone allows nesting).
 *
 * Attribute types: `String` is a string, `String.Array` a JSON array whose elements are each a
 * value, `Number` a number; `Binary` attributes are ignored.
 *
 * Constraints ("Filter policy constraints"): at most five keys (for a nested policy only the
 * top-level keys count), at most 150 combinations — the product of the number of values of each
 * key, each multiplied by how deep the key is nested, summed over `$or` alternatives — and 256 KB.
 * Messages are the ones AWS returns, prefixed as SNS does for `Subscribe` ("Invalid parameter:
 * Attributes Reason: FilterPolicy: ...") or `SetSubscriptionAttributes` ("Invalid parameter:
 * FilterPolicy: ..."); the Jackson position AWS appends to some is not reproduced.
 */
import { JsonSyntaxError, parseJson, parseJsonValue, RawNumber } from './json.js';
import { matchesRules } from './match.js';
import type { Dialect } from './matchers.js';
import { compileRules, type Rule } from './rules.js';

export type FilterPolicyScope = 'MessageAttributes' | 'MessageBody';
export type SnsApiCall = 'Subscribe' | 'SetSubscriptionAttributes';

export const MAX_POLICY_KEYS = 5;
export const MAX_POLICY_COMBINATIONS = 150;
export const MAX_POLICY_BYTES = 256 * 1024;

export const SNS_DIALECT: Dialect = {
  anythingButOps: new Set(['prefix']),
  anythingButLists: false,
  ignoreCaseAffixes: false,
  wildcard: false,
  anythingButAffixTypeError: 'prefix match pattern must be a string',
};

export interface SnsFilterPolicy {
  readonly scope: FilterPolicyScope;
  readonly rules: readonly Rule[];
}

export interface SnsFilterError {
  /** SNS's `InvalidParameterException`, whose wire code is `InvalidParameter` (HTTP 400). */
  readonly code: 'InvalidParameter';
  readonly message: string;
}

/** `null` policy: the attribute was set to "" (SNS removes the policy) — every message passes. */
export type FilterPolicyResult = { ok: true; policy: SnsFilterPolicy | null } | { ok: false; error: SnsFilterError };

const prefixFor = (call: SnsApiCall): string => (call === 'Subscribe' ? 'Invalid parameter: Attributes Reason: ' : 'Invalid parameter: ');

export function validateFilterPolicyScope(value: string): SnsFilterError | undefined {
  if (value === 'MessageAttributes' || value === 'MessageBody') return undefined;
  return { code: 'InvalidParameter', message: `Invalid parameter: FilterPolicyScope: Invalid value [${value}]. Please use either MessageBody or MessageAttributes` };
}

export function compileFilterPolicy(text: string, scope: FilterPolicyScope = 'MessageAttributes', call: SnsApiCall = 'SetSubscriptionAttributes'): FilterPolicyResult {
  const fail = (reason: string): FilterPolicyResult => ({ ok: false, error: { code: 'InvalidParameter', message: prefixFor(call) + reason } });
  if (text === '') return { ok: true, policy: null };
  // The 256 KB limit is documented; the wording of its error was not found, this one is Nimbus's.
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES) return fail(`FilterPolicy: Filter policy is larger than ${MAX_POLICY_BYTES} bytes`);
  let root;
  try {
    root = parseJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return fail(`FilterPolicy: ${e.message}`);
    throw e;
  }
  const compiled = compileRules(root, SNS_DIALECT);
  if (!compiled.ok) return fail(`FilterPolicy: ${compiled.reason}`);
  const rules = compiled.rules;
  const fields = rules.flatMap((r) => [...r.values()]);
  if (scope === 'MessageAttributes' && fields.some((f) => f.depth > 1)) {
    return fail('Filter policy scope MessageAttributes does not support nested filter policy');
  }
  const keys = Math.max(...rules.map((r) => new Set([...r.values()].map((f) => f.path.split('.')[0])).size));
  if (keys > MAX_POLICY_KEYS) return fail(`FilterPolicy: Filter policy can not have more than ${MAX_POLICY_KEYS} keys`);
  if (combinations(rules) > MAX_POLICY_COMBINATIONS) return fail('FilterPolicy: Filter policy is too complex');
  return { ok: true, policy: { scope, rules } };
}

/** The documented complexity: per alternative, the product of (values x nesting depth) of its keys. */
export function combinations(rules: readonly Rule[]): number {
  let total = 0;
  for (const rule of rules) {
    let product = 1;
    for (const f of rule.values()) product *= f.matchers.length * f.depth;
    total += product;
  }
  return total;
}

/** A message attribute as Publish carries it. */
export interface SnsMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: unknown;
}

export interface SnsMessage {
  readonly body?: string;
  readonly attributes?: Readonly<Record<string, SnsMessageAttribute>>;
}

/** Does the subscription take the message? */
export function matchesFilterPolicy(policy: SnsFilterPolicy | null, message: SnsMessage): boolean {
  if (policy === null) return true;
  if (policy.scope === 'MessageAttributes') return matchesRules(policy.rules, attributeValues(message.attributes ?? {}));
  let body: unknown;
  try {
    body = parseJsonValue(message.body ?? '');
  } catch (e) {
    if (e instanceof JsonSyntaxError) return false; // "payload-based policies assume a well-formed JSON object"
    throw e;
  }
  return typeof body === 'object' && body !== null && !Array.isArray(body) && matchesRules(policy.rules, body);
}

/** Attributes as the values the policy is matched against. */
export function attributeValues(attributes: Readonly<Record<string, SnsMessageAttribute>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, attr] of Object.entries(attributes)) {
    const text = attr.StringValue;
    if (text === undefined || attr.DataType.startsWith('Binary')) continue;
    if (attr.DataType.startsWith('String.Array') || attr.DataType.startsWith('Number.Array')) {
      const v = tryParse(text);
      if (Array.isArray(v)) defineValue(out, name, v);
    } else if (attr.DataType.startsWith('Number')) {
      const v = tryParse(text.trim());
      defineValue(out, name, typeof v === 'number' || v instanceof RawNumber ? v : text);
    } else if (attr.DataType.startsWith('String')) {
      defineValue(out, name, text);
    }
  }
  return out;
}

function defineValue(out: Record<string, unknown>, name: string, v: unknown): void {
  // defineProperty keeps an attribute called "__proto__" an ordinary key.
  Object.defineProperty(out, name, { value: v, enumerable: true, writable: true, configurable: true });
}

function tryParse(text: string): unknown {
  try {
    return parseJsonValue(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return undefined;
    throw e;
  }
}
