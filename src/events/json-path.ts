/**
 * The JSONPath subset EventBridge evaluates for `InputPath` and `InputPathsMap` ("Amazon
 * EventBridge input transformation": dot notation, dashes, underscores, alphanumerics, forward
 * slashes, array indices and `*` wildcards; `InputPath` also takes bracket notation). A path with
 * a wildcard yields the list of everything it reaches, like the Jayway JsonPath library AWS's
 * Java services use; a definite path yields one value or nothing.
 */
import { RawNumber } from './json.js';

type Step = { readonly kind: 'key'; readonly key: string } | { readonly kind: 'index'; readonly index: number } | { readonly kind: 'all' };

export interface JsonPath {
  readonly steps: readonly Step[];
  /** True when the path has a wildcard, so its result is a list. */
  readonly indefinite: boolean;
}

/** Parse `$.a.b[0]['c d'].*`; undefined when the text is not such a path. */
export function parseJsonPath(text: string): JsonPath | undefined {
  if (!text.startsWith('$')) return undefined;
  const steps: Step[] = [];
  let i = 1;
  while (i < text.length) {
    if (text[i] === '.') {
      const m = /^[^.[\]]+/.exec(text.slice(i + 1));
      if (!m) return undefined;
      steps.push(m[0] === '*' ? { kind: 'all' } : { kind: 'key', key: m[0] });
      i += 1 + m[0].length;
    } else if (text[i] === '[') {
      const rest = text.slice(i);
      const m = /^\[(?:(\d+)|(\*)|'([^']*)'|"([^"]*)")\]/.exec(rest);
      if (!m) return undefined;
      if (m[1] !== undefined) steps.push({ kind: 'index', index: Number(m[1]) });
      else if (m[2] !== undefined) steps.push({ kind: 'all' });
      else steps.push({ kind: 'key', key: m[3] ?? m[4] ?? '' });
      i += m[0].length;
    } else {
      return undefined;
    }
  }
  return { steps, indefinite: steps.some((s) => s.kind === 'all') };
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RawNumber);

/** `{ found: false }` when a definite path reaches nothing. */
export function evaluateJsonPath(path: JsonPath, root: unknown): { found: true; value: unknown } | { found: false } {
  let current: unknown[] = [root];
  for (const step of path.steps) {
    const next: unknown[] = [];
    for (const node of current) {
      if (step.kind === 'key') {
        if (isObj(node) && Object.hasOwn(node, step.key) && node[step.key] !== undefined) next.push(node[step.key]);
      } else if (step.kind === 'index') {
        if (Array.isArray(node) && step.index < node.length) next.push(node[step.index]);
      } else if (Array.isArray(node)) {
        next.push(...node);
      } else if (isObj(node)) {
        next.push(...Object.values(node).filter((v) => v !== undefined));
      }
    }
    current = next;
  }
  if (path.indefinite) return { found: true, value: current };
  return current.length === 0 ? { found: false } : { found: true, value: current[0] };
}
