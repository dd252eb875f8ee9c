/**
 * idle-memory: what a warm, idle Node.js sandbox costs. N sandboxes are started (N concurrent
 * calls) and left idle; then, per sandbox, RSS and USS (private pages: smaps_rollup's
 * Private_Clean + Private_Dirty) of every process in it, and the machine's MemAvailable drop
 * divided by N (which also counts kernel memory and page tables).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { zipFolder } from '../../src/cli/zip-folder.js';
import { FIXTURES } from '../lib/paths.js';
import { fmt, type Section } from '../lib/report.js';
import { startNimbus } from '../targets/nimbus.js';

const memAvailableKb = (): number => Number(/MemAvailable:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);

/** Processes in sandbox cgroups (namespace isolation), grouped by sandbox cgroup. */
function sandboxProcesses(): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let cg: string;
    try {
      cg = readFileSync(`/proc/${d}/cgroup`, 'utf8');
    } catch {
      continue;
    }
    const m = /:memory:(\/.*\/nimbus\/[^/]+\/[^/\n]+)/.exec(cg);
    if (!m) continue;
    const list = groups.get(m[1]!) ?? [];
    list.push(Number(d));
    groups.set(m[1]!, list);
  }
  return groups;
}

function rollup(pid: number): { rss: number; uss: number } {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(t)?.[1] ?? 0);
    return { rss: kb('Rss'), uss: kb('Private_Clean') + kb('Private_Dirty') };
  } catch {
    return { rss: 0, uss: 0 };
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;

export async function idleMemory(o: { sandboxes: number }): Promise<Section> {
  // A waiting stem cell would count as one more sandbox; its own cost is in docs/sandbox-lifecycle.md.
  const target = await startNimbus({ args: ['--stem-cells', '0'] });
  try {
    const deploy = await fetch(`${target.url}/2015-03-31/functions`, {
      method: 'POST',
      body: JSON.stringify({
        FunctionName: 'idle',
        Runtime: 'nodejs20.x',
        Handler: 'sleep.handler',
        Role: 'arn:aws:iam::000000000000:role/bench',
        MemorySize: 256,
        Code: { ZipFile: (await zipFolder(`${FIXTURES}sleep`)).toString('base64') },
      }),
    });
    if (deploy.status !== 201) throw new Error(`deploy: ${deploy.status}`);
    await new Promise((r) => setTimeout(r, 1000));
    const before = memAvailableKb();
    // Concurrent 300 ms calls: each needs its own sandbox.
    await Promise.all(
      Array.from({ length: o.sandboxes }, () => fetch(`${target.url}/2015-03-31/functions/idle/invocations`, { method: 'POST', body: '{"ms":300}' }).then((r) => r.arrayBuffer())),
    );
    await new Promise((r) => setTimeout(r, 2000));
    const after = memAvailableKb();
    const groups = sandboxProcesses();
    const rss: number[] = [];
    const uss: number[] = [];
    for (const pids of groups.values()) {
      const sums = pids.map(rollup).reduce((a, b) => ({ rss: a.rss + b.rss, uss: a.uss + b.uss }), { rss: 0, uss: 0 });
      rss.push(sums.rss / 1024);
      uss.push(sums.uss / 1024);
    }
    const perSandboxAvail = (before - after) / 1024 / o.sandboxes;
    return {
      scenario: 'idle-memory',
      description: `${o.sandboxes} idle Node.js sandboxes (256 MB functions, default isolation): memory per sandbox, in MiB.`,
      table: {
        header: ['sandboxes found', 'RSS p50 MiB', 'USS p50 MiB', 'MemAvailable drop / sandbox MiB'],
        rows: [[String(groups.size), fmt(median(rss), 1), fmt(median(uss), 1), fmt(perSandboxAvail, 1)]],
      },
      notes: [
        `Target for the warm-pool issue: USS <= 15 MiB per idle Node sandbox (${median(uss) <= 15 ? 'met' : 'not met'}).`,
        groups.size === 0 ? 'No sandbox cgroups found: this scenario measures namespace isolation only.' : 'RSS counts shared library pages in every sandbox; USS only what the sandbox alone holds.',
      ],
    };
  } finally {
    await target.stop();
  }
}
