/**
 * Start-up cleanup: removes what an earlier Nimbus on the same data directory left when it died
 * without disposing its sandboxes (SIGKILL, power loss, OOM). With `--die-with-parent` the
 * sandboxes themselves are already gone within milliseconds of the crash; what remains are
 * cgroup directories, veth links, scratch directories and, if Nimbus was frozen rather than
 * killed, processes. Records name them exactly (records.ts); cgroups under this instance's tag
 * that lack a record are swept too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupManager } from './cgroup.js';
import { deleteLink, run } from './network.js';
import { alive, listScratch, removeScratch, self } from './records.js';

export interface StaleReport {
  /** Sandboxes whose leftovers were removed. */
  sandboxes: string[];
  /** Processes that were still running and got SIGKILL. */
  killed: number;
  unmounted: string[];
}

export interface StaleInput {
  scratchRoot: string;
  cgroups: CgroupManager;
  /** Ids of sandboxes this process runs now: never touched. */
  live: ReadonlySet<string>;
  ip: string;
}

export async function cleanupStale(input: StaleInput): Promise<StaleReport> {
  const me = self();
  const report: StaleReport = { sandboxes: [], killed: 0, unmounted: [] };
  const handled = new Set<string>();
  for (const { dir, record } of listScratch(input.scratchRoot)) {
    const id = record?.id ?? dir.slice(dir.lastIndexOf('/') + 1);
    if (input.live.has(id)) continue;
    // Another Nimbus that is still running owns it: two servers on one data directory is a
    // configuration error, but never one that should kill the other's functions.
    if (record && record.owner.pid !== me.pid && alive(record.owner)) continue;
    handled.add(id);
    if (record?.bwrap && alive(record.bwrap)) {
      process.kill(record.bwrap.pid, 'SIGKILL');
      report.killed++;
    }
    const cg = input.cgroups.open(record?.cgroups.length ? record.cgroups : input.cgroups.dirsFor(id));
    report.killed += cg.pids().length;
    cg.killAll();
    await cg.remove();
    if (record?.veth) await deleteLink(input.ip, record.veth);
    for (const m of mountsUnder(dir)) {
      await run('/usr/bin/umount', ['-l', m]).catch(() => undefined);
      report.unmounted.push(m);
    }
    removeScratch(dir);
    if (record?.apiDir) removeScratch(record.apiDir);
    report.sandboxes.push(id);
  }
  // Cgroups under this instance's tag without a scratch directory (a crash between mkdir and record).
  for (const name of input.cgroups.list()) {
    if (input.live.has(name) || handled.has(name)) continue;
    const cg = input.cgroups.open(input.cgroups.dirsFor(name));
    report.killed += cg.pids().length;
    cg.killAll();
    await cg.remove();
    report.sandboxes.push(name);
  }
  if (input.live.size === 0) input.cgroups.pruneParents();
  return report;
}

/** Mount points at or below `dir`, deepest first (proc(5) mountinfo field 5). */
function mountsUnder(dir: string): string[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const prefix = join(dir, '/');
  return text
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === dir || m.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}
