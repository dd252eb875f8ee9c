/**
 * Crash records: each namespace sandbox writes what it created (cgroups, network interface,
 * scratch directory, its bwrap pid) to `<scratch>/record.json` before starting anything, so that
 * the next Nimbus on the same data directory can remove exactly what a crashed one left, and
 * nothing that belongs to another live Nimbus.
 */
import { readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SandboxRecord {
  id: string;
  /** The Nimbus that created it: pid plus start time, because pids are reused. */
  owner: { pid: number; start: string };
  /** The host-side bwrap, once spawned. */
  bwrap?: { pid: number; start: string };
  cgroups: string[];
  veth?: string;
  /** Directory of the Runtime API socket when it is not under the scratch directory. */
  apiDir?: string;
}

const FILE = 'record.json';

/** Start time of a process in clock ticks since boot (proc(5) stat field 22), or null when it is gone. */
export function procStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether the process `ref` names still runs (same pid and same start time). */
export function alive(ref: { pid: number; start: string }): boolean {
  return procStart(ref.pid) === ref.start;
}

/** This process, as records name it. */
export function self(): { pid: number; start: string } {
  return { pid: process.pid, start: procStart(process.pid) ?? '0' };
}

/** Writes the record atomically (rename), so a crash never leaves half a file. */
export function writeRecord(scratchDir: string, rec: SandboxRecord): void {
  const tmp = join(scratchDir, `${FILE}.tmp`);
  writeFileSync(tmp, JSON.stringify(rec), { mode: 0o600 });
  renameSync(tmp, join(scratchDir, FILE));
}

/** Every sandbox scratch directory under `root`, with its record when it has a readable one. */
export function listScratch(root: string): { dir: string; record: SandboxRecord | null }[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names.map((name) => {
    const dir = join(root, name);
    try {
      return { dir, record: JSON.parse(readFileSync(join(dir, FILE), 'utf8')) as SandboxRecord };
    } catch {
      return { dir, record: null };
    }
  });
}

export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
