/**
 * CloudWatch Logs filter patterns (FilterAndPatternSyntax), the part teams type into
 * `aws logs tail --filter-pattern`: terms and quoted phrases that must all appear (case
 * sensitive), `-term` that must not, `?a ?b` of which one must, and JSON patterns
 * `{ $.level = "ERROR" && $.latency > 100 }` over events that are JSON objects (selectors with
 * member and index steps; `=`, `!=` with `*` wildcards for strings; `<`, `>`, `<=`, `>=` for
 * numbers; `IS TRUE`/`FALSE`/`NULL`, `EXISTS`, `NOT EXISTS`; `&&`, `||`, parentheses). Space-
 * delimited `[a, b]` patterns and `%regex%` are refused as invalid rather than matched wrongly.
 */
import { invalidParameter, type LogsError } from './errors.js';

export type Matcher = (message: string) => boolean;

const invalid = (detail: string): LogsError => invalidParameter(`Invalid filter pattern: ${detail}`);

export function compilePattern(pattern: string | undefined): Matcher {
  const p = (pattern ?? '').trim();
  if (p === '') return () => true;
  if (p.startsWith('{')) return jsonMatcher(p);
  if (p.startsWith('[') || p.startsWith('%')) throw invalid('space-delimited and regular-expression patterns are not supported by Nimbus.');
  return termMatcher(p);
}

function termMatcher(p: string): Matcher {
  const required: string[] = [];
  const excluded: string[] = [];
  const optional: string[] = [];
  let i = 0;
  while (i < p.length) {
    if (/\s/.test(p[i]!)) {
      i++;
      continue;
    }
    let list = required;
    if (p[i] === '-' || p[i] === '?') {
      list = p[i] === '-' ? excluded : optional;
      i++;
    }
    let term = '';
    if (p[i] === '"') {
      i++;
      while (i < p.length && p[i] !== '"') {
        if (p[i] === '\\' && i + 1 < p.length) i++;
        term += p[i++];
      }
      if (p[i] !== '"') throw invalid('an unterminated quoted term.');
      i++;
    } else {
      while (i < p.length && !/\s/.test(p[i]!)) term += p[i++];
    }
    if (term === '') throw invalid('an empty term.');
    list.push(term);
  }
  return (m) => required.every((t) => m.includes(t)) && !excluded.some((t) => m.includes(t)) && (optional.length === 0 || optional.some((t) => m.includes(t)));
}

// --- JSON patterns -------------------------------------------------------------------------

type Cond = (doc: unknown) => boolean;

interface Tok {
  kind: 'sel' | 'str' | 'num' | 'op' | 'word' | '(' | ')';
  text: string;
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '(' || c === ')') out.push({ kind: c, text: c }), i++;
    else if (c === '$') {
      let j = i + 1;
      while (j < src.length && /[\w.[\]\-]/.test(src[j]!)) j++;
      out.push({ kind: 'sel', text: src.slice(i, j) });
      i = j;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        s += src[j++];
      }
      if (src[j] !== '"') throw invalid('an unterminated string.');
      out.push({ kind: 'str', text: s });
      i = j + 1;
    } else if (/[=!<>&|]/.test(c)) {
      const two = src.slice(i, i + 2);
      const op = ['&&', '||', '!=', '<=', '>=', '=='].includes(two) ? two : c;
      if (op === '&' || op === '|' || op === '!') throw invalid(`unexpected '${c}'.`);
      out.push({ kind: 'op', text: op === '==' ? '=' : op });
      i += op.length;
    } else {
      let j = i;
      while (j < src.length && /[^\s()=!<>&|"]/.test(src[j]!)) j++;
      const w = src.slice(i, j);
      out.push({ kind: /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(w) ? 'num' : 'word', text: w });
      i = j;
    }
  }
  return out;
}

function jsonMatcher(p: string): Matcher {
  if (!p.endsWith('}')) throw invalid('a JSON pattern ends with }.');
  const toks = tokenize(p.slice(1, -1));
  let at = 0;
  const peek = (): Tok | undefined => toks[at];
  const next = (): Tok => {
    const t = toks[at++];
    if (!t) throw invalid('the pattern ends too early.');
    return t;
  };
  const orExpr = (): Cond => {
    let left = andExpr();
    while (peek()?.text === '||') {
      at++;
      const l = left;
      const r = andExpr();
      left = (d) => l(d) || r(d);
    }
    return left;
  };
  const andExpr = (): Cond => {
    let left = primary();
    while (peek()?.text === '&&') {
      at++;
      const l = left;
      const r = primary();
      left = (d) => l(d) && r(d);
    }
    return left;
  };
  const primary = (): Cond => {
    const t = next();
    if (t.kind === '(') {
      const c = orExpr();
      if (next().kind !== ')') throw invalid("a ')' is missing.");
      return c;
    }
    if (t.kind !== 'sel') throw invalid(`expected a selector ($.name), found '${t.text}'.`);
    return comparison(selector(t.text), next, peek, () => at++);
  };
  const cond = orExpr();
  if (at !== toks.length) throw invalid(`unexpected '${toks[at]!.text}'.`);
  return (m) => {
    if (!m.trimStart().startsWith('{')) return false;
    let doc: unknown;
    try {
      doc = JSON.parse(m);
    } catch {
      return false;
    }
    return cond(doc);
  };
}

type Select = (doc: unknown) => { found: boolean; value: unknown };

/** `$.a.b[0].c` as a lookup; `$.*`-style wildcards are not supported. */
function selector(text: string): Select {
  if (!/^\$(\.[\w\-]+|\[\d+\])*$/.test(text)) throw invalid(`unsupported selector '${text}'.`);
  const steps = [...text.slice(1).matchAll(/\.([\w\-]+)|\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? m[1] : Number(m[2])));
  return (doc) => {
    let v: unknown = doc;
    for (const s of steps) {
      if (typeof s === 'number' ? !Array.isArray(v) || s >= v.length : v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, s)) return { found: false, value: undefined };
      v = (v as Record<string | number, unknown>)[s];
    }
    return { found: true, value: v };
  };
}

function comparison(sel: Select, next: () => Tok, peek: () => Tok | undefined, skip: () => void): Cond {
  const t = next();
  if (t.kind === 'word') {
    const w = t.text.toUpperCase();
    if (w === 'EXISTS') return (d) => sel(d).found;
    if (w === 'NOT' && peek()?.text.toUpperCase() === 'EXISTS') {
      skip();
      return (d) => !sel(d).found;
    }
    if (w === 'IS') {
      const what = next().text.toUpperCase();
      if (what === 'TRUE') return (d) => sel(d).value === true;
      if (what === 'FALSE') return (d) => sel(d).value === false;
      if (what === 'NULL') return (d) => sel(d).found && sel(d).value === null;
      throw invalid(`IS ${what}: expected TRUE, FALSE or NULL.`);
    }
    throw invalid(`unexpected '${t.text}'.`);
  }
  if (t.kind !== 'op' || !['=', '!=', '<', '>', '<=', '>='].includes(t.text)) throw invalid(`expected a comparison after a selector, found '${t.text}'.`);
  const op = t.text;
  const v = next();
  if (v.kind === 'num') {
    const n = Number(v.text);
    const cmp = (x: number): boolean => (op === '=' ? x === n : op === '!=' ? x !== n : op === '<' ? x < n : op === '>' ? x > n : op === '<=' ? x <= n : x >= n);
    return (d) => {
      const x = sel(d).value;
      return typeof x === 'number' && cmp(x);
    };
  }
  if (op !== '=' && op !== '!=') throw invalid(`'${op}' compares numbers only.`);
  if (v.kind !== 'str' && v.kind !== 'word') throw invalid(`expected a value after '${op}', found '${v.text}'.`);
  const re = new RegExp(`^${v.text.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
  const eq = (x: unknown): boolean => (typeof x === 'string' ? re.test(x) : typeof x === 'boolean' || typeof x === 'number' ? re.test(String(x)) : false);
  return op === '=' ? (d) => eq(sel(d).value) : (d) => {
    const s = sel(d);
    return s.found && !eq(s.value);
  };
}
