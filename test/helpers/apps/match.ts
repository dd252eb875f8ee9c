/**
 * JSON matching for scenario expectations. `expected` is matched against `actual`: objects by
 * their listed keys (with `exact`, no other key may exist), arrays element by element with the
 * same length, scalars by equality, and `{"$match": "<regex>"}` against a string. Returns the
 * first difference as a path and a reason, or undefined when everything matches.
 */
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mismatch(expected: unknown, actual: unknown, exact = false, path = '$'): string | undefined {
  if (isMap(expected) && typeof expected['$match'] === 'string' && Object.keys(expected).length === 1) {
    if (typeof actual !== 'string') return `${path}: expected a string matching /${expected['$match']}/, got ${JSON.stringify(actual)}`;
    return new RegExp(expected['$match']).test(actual) ? undefined : `${path}: ${JSON.stringify(actual)} does not match /${expected['$match']}/`;
  }
  if (isMap(expected)) {
    if (!isMap(actual)) return `${path}: expected an object, got ${JSON.stringify(actual)}`;
    for (const [k, v] of Object.entries(expected)) {
      if (!(k in actual)) return `${path}.${k}: missing`;
      const m = mismatch(v, actual[k], exact, `${path}.${k}`);
      if (m) return m;
    }
    const extra = exact ? Object.keys(actual).filter((k) => !(k in expected)) : [];
    if (extra.length > 0) return `${path}: unexpected ${extra.join(', ')} in ${JSON.stringify(actual)}`;
    return undefined;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${JSON.stringify(actual)}`;
    if (actual.length !== expected.length) return `${path}: expected ${expected.length} items, got ${actual.length}: ${JSON.stringify(actual)}`;
    for (let i = 0; i < expected.length; i++) {
      const m = mismatch(expected[i], actual[i], exact, `${path}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  return Object.is(expected, actual) ? undefined : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}
