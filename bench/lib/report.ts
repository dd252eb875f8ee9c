/** Tables for the terminal and for bench/RESULTS.md. */

export interface Section {
  scenario: string;
  description: string;
  table: { header: string[]; rows: string[][] };
  /** Ratios and target checks, one line each. */
  notes: string[];
}

export function markdownTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function textTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const w = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((v, i) => v.padEnd(w[i]!)).join('  ').trimEnd()).join('\n');
}

export const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
