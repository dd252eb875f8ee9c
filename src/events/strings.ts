/**
 * String comparisons of the filter engines: `wildcard` patterns and case-insensitive matching.
 *
 * Wildcards (EventBridge "Matching using wildcards"): `*` stands for zero or more characters;
 * `\*` is a literal star and `\\` a literal backslash; any other escape, and two stars in a row,
 * are refused with event-ruler's messages. Positions in those messages count UTF-8 bytes of the
 * value with its JSON opening quote, which is what AWS reports ("Consecutive wildcard characters
 * at pos 26" for `arn:aws:events:us-east-1:**:...`).
 *
 * Ignore-case (event-ruler's EqualsIgnoreCaseParser): each UTF-16 unit of the pattern accepts its
 * own lower-case or upper-case form (either may be several characters, as "ß" -> "SS").
 */

export type WildcardResult = { ok: true; parts: string[] } | { ok: false; reason: string };

/** Split a wildcard pattern into the literal pieces between its stars. */
export function parseWildcard(pattern: string): WildcardResult {
  const parts: string[] = [];
  let cur = '';
  let bytePos = 1; // the opening quote event-ruler puts in front of the value
  for (let i = 0; i < pattern.length; ) {
    const cp = pattern.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (ch === '*') {
      if (pattern[i + 1] === '*') return { ok: false, reason: `Consecutive wildcard characters at pos ${bytePos}` };
      parts.push(cur);
      cur = '';
    } else if (ch === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') return { ok: false, reason: `Invalid escape character at pos ${bytePos}` };
      cur += next;
      i += 2;
      bytePos += 2;
      continue;
    } else {
      cur += ch;
    }
    i += ch.length;
    bytePos += Buffer.byteLength(ch, 'utf8');
  }
  parts.push(cur);
  return { ok: true, parts };
}

/** `parts` from `parseWildcard`: the first must be a prefix, the last a suffix, the rest appear in order. */
export function wildcardMatches(parts: readonly string[], value: string): boolean {
  if (parts.length === 1) return value === parts[0];
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (let k = 1; k < parts.length - 1; k++) {
    const p = parts[k]!;
    const found = value.indexOf(p, at);
    if (found < 0 || found + p.length > end) return false;
    at = found + p.length;
  }
  return true;
}

function variants(unit: string): string[] {
  const lo = unit.toLowerCase();
  const up = unit.toUpperCase();
  return lo === up ? [lo] : [lo, up];
}

/**
 * Positions in `value` at which a case-insensitive copy of `pattern` can end, when it starts at
 * `start`. A set because a unit's two forms may differ in length.
 */
function ends(pattern: string, value: string, start: number): Set<number> {
  let at = new Set([start]);
  for (let k = 0; k < pattern.length && at.size > 0; k++) {
    const next = new Set<number>();
    for (const form of variants(pattern[k]!)) {
      for (const p of at) if (value.startsWith(form, p)) next.add(p + form.length);
    }
    at = next;
  }
  return at;
}

export function equalsIgnoreCase(value: string, pattern: string): boolean {
  return ends(pattern, value, 0).has(value.length);
}

export function startsWithIgnoreCase(value: string, prefix: string): boolean {
  return ends(prefix, value, 0).size > 0;
}

export function endsWithIgnoreCase(value: string, suffix: string): boolean {
  // Try every start that leaves room for the shortest and longest forms of the suffix.
  for (let s = Math.max(0, value.length - 3 * suffix.length); s <= value.length; s++) {
    if (ends(suffix, value, s).has(value.length)) return true;
  }
  return false;
}
