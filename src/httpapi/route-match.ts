/**
 * Matching a request to API Gateway-style routes: `GET /items/{id}`, greedy `/{proxy+}`,
 * `ANY`, and `$default`. The most specific route wins, as in API Gateway: at each segment a
 * literal beats a `{param}`, which beats a greedy `{param+}`; a route for the exact method beats
 * `ANY`; `$default` only catches what nothing else matched.
 */

type Segment = { kind: 0; text: string } | { kind: 1; name: string } | { kind: 2; name: string };

export interface CompiledRoute<T> {
  method: string;
  path: string;
  segments: Segment[] | null;
  value: T;
}

export interface RouteMatch<T> {
  value: T;
  pathParameters: Record<string, string> | undefined;
  /** `GET /items/{id}`, `ANY /{proxy+}` or `$default`. */
  routeKey: string;
}

const PARAM = /^\{([A-Za-z0-9_.-]+)(\+?)\}$/;

/** Checks a route path; returns an error message or undefined. */
export function checkRoutePath(path: string): string | undefined {
  if (path === '$default') return undefined;
  if (!path.startsWith('/')) return `route path '${path}' must start with '/'`;
  const parts = path.split('/').slice(1);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.includes('{') || p.includes('}')) {
      const m = PARAM.exec(p);
      if (!m) return `route path '${path}': '${p}' is not a valid path parameter (use {name} or {name+})`;
      if (m[2] === '+' && i !== parts.length - 1) return `route path '${path}': a greedy parameter must be the last segment`;
    }
  }
  return undefined;
}

export function compileRoute<T>(method: string, path: string, value: T): CompiledRoute<T> {
  if (path === '$default') return { method: 'ANY', path, segments: null, value };
  const segments: Segment[] = path
    .split('/')
    .slice(1)
    .filter((p, i, all) => p !== '' || i < all.length - 1)
    .map((p) => {
      const m = PARAM.exec(p);
      if (!m) return { kind: 0, text: p };
      return m[2] === '+' ? { kind: 2, name: m[1]! } : { kind: 1, name: m[1]! };
    });
  return { method: method.toUpperCase(), path, segments, value };
}

function matchSegments(segments: Segment[], parts: string[]): { score: number[]; params: Record<string, string> } | undefined {
  const params: Record<string, string> = {};
  const score: number[] = [];
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s.kind === 2) {
      const rest = parts.slice(i);
      if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) return undefined;
      params[s.name] = rest.map(decodeSegment).join('/');
      score.push(2);
      return { score, params };
    }
    const p = parts[i];
    if (p === undefined) return undefined;
    if (s.kind === 0) {
      if (decodeSegment(p) !== s.text) return undefined;
    } else {
      if (p === '') return undefined;
      params[s.name] = decodeSegment(p);
    }
    score.push(s.kind);
  }
  return parts.length === segments.length ? { score, params } : undefined;
}

function decodeSegment(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

/** Lower is more specific. */
function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return b.length - a.length;
}

export function matchRoute<T>(routes: readonly CompiledRoute<T>[], method: string, rawPath: string): RouteMatch<T> | undefined {
  const parts = rawPath.split('/').slice(1);
  // A trailing slash is not a segment of its own: `/items/` matches `/items`.
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  let best: { r: CompiledRoute<T>; score: number[]; params: Record<string, string> } | undefined;
  let fallback: CompiledRoute<T> | undefined;
  for (const r of routes) {
    if (r.method !== 'ANY' && r.method !== method) continue;
    if (r.segments === null) {
      fallback ??= r;
      continue;
    }
    const m = matchSegments(r.segments, parts);
    if (!m) continue;
    const score = [...m.score, r.method === 'ANY' ? 1 : 0];
    if (!best || compare(score, best.score) < 0) best = { r, score, params: m.params };
  }
  if (best) {
    return {
      value: best.r.value,
      pathParameters: Object.keys(best.params).length > 0 ? best.params : undefined,
      routeKey: `${best.r.method} ${best.r.path}`,
    };
  }
  return fallback && { value: fallback.value, pathParameters: undefined, routeKey: '$default' };
}
