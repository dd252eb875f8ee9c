/**
 * bench/RESULTS.md: one section per scenario. A run replaces the sections of the scenarios it ran
 * and keeps every other section as it was, each section saying when it was run and at what load,
 * so that rerunning one scenario never drops the figures of the others.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { markdownTable, type Section } from './report.js';

const TITLE = '# Nimbus benchmark results';

/** The sections of an existing file by heading (without "## "), in file order; the machine section excluded. */
function readSections(file: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(file)) return out;
  const parts = readFileSync(file, 'utf8').split(/^## /m).slice(1);
  for (const p of parts) {
    const name = p.slice(0, p.indexOf('\n')).trim();
    if (name !== 'Machine') out.set(name, `## ${p.trimEnd()}\n`);
  }
  return out;
}

function render(s: Section, command: string, when: Date): string {
  const load = loadavg().map((l) => l.toFixed(1)).join(', ');
  return [
    `## ${s.scenario}`,
    '',
    `_Run by \`${command}\` on ${when.toISOString()}; load average when it ended (1, 5, 15 min): ${load}._`,
    '',
    s.description,
    '',
    markdownTable(s.table.header, s.table.rows),
    '',
    ...s.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

/** Writes `file` with `machine` as its machine section, the scenarios just run, and the others kept. */
export function writeResults(file: string, machine: string, command: string, run: { section: Section; when: Date }[]): void {
  const sections = readSections(file);
  for (const r of run) sections.set(r.section.scenario, render(r.section, command, r.when));
  const md = [TITLE, '', `Each section says when it was last run. The machine:`, '', '## Machine', '', machine, '', ...sections.values()].join('\n');
  writeFileSync(file, md);
}
