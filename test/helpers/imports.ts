/**
 * Reads the import graph of `src/` (static imports, re-exports and literal dynamic imports, type-only
 * ones included: a type names a dependency too) and checks it against a table of allowed arrows
 * between rooms, and for cycles between files. Used by test/unit/architecture.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface Graph {
  /** File (relative to src/, with `/`) -> files it imports. */
  edges: Map<string, Set<string>>;
}

const SPEC = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|^import\s+['"](\.{1,2}\/[^'"]+)['"]/gm;

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The import graph of every `.ts` file under `srcDir`. */
export function readGraph(srcDir: string): Graph {
  const edges = new Map<string, Set<string>>();
  const rel = (p: string): string => relative(srcDir, p).split(sep).join('/');
  for (const file of walk(srcDir)) {
    const text = readFileSync(file, 'utf8');
    const to = new Set<string>();
    for (const m of text.matchAll(SPEC)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec) continue;
      to.add(rel(resolve(dirname(file), spec).replace(/\.js$/, '.ts')));
    }
    edges.set(rel(file), to);
  }
  return { edges };
}

/** A file's room: its top folder under src/ (`api`, `pool`, ...), or the file itself at the top (`app`). */
export function roomOf(file: string): string {
  const parts = file.split('/');
  return parts.length === 1 ? parts[0]!.replace(/\.ts$/, '') : parts[0]!;
}

export interface Violation {
  from: string;
  to: string;
  rule: string;
}

/**
 * Arrows that break the table (`room -> rooms it may import`; a room may always import itself),
 * plus any import of a file outside `src/` or of a room the table does not name.
 */
export function violations(graph: Graph, allowed: Readonly<Record<string, readonly string[]>>, extra: (from: string, to: string) => string | undefined = () => undefined): Violation[] {
  const out: Violation[] = [];
  for (const [from, tos] of graph.edges) {
    const a = roomOf(from);
    for (const to of tos) {
      if (to.startsWith('..')) {
        out.push({ from, to, rule: 'src/ never imports outside src/' });
        continue;
      }
      const b = roomOf(to);
      const own = extra(from, to);
      if (own) out.push({ from, to, rule: own });
      else if (!(a in allowed)) out.push({ from, to, rule: `room ${a} is not in the table` });
      else if (a !== b && !allowed[a]!.includes(b)) out.push({ from, to, rule: `${a} may import ${allowed[a]!.join(', ') || 'nothing'}, not ${b}` });
    }
  }
  return out;
}

/** Every cycle between files (strongly connected components of more than one file, or a self-import). */
export function cycles(graph: Graph): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.edges.get(v) ?? []) {
      if (!graph.edges.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.edges.get(v)?.has(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.edges.keys()) if (!idx.has(v)) visit(v);
  return out;
}
