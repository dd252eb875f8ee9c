/**
 * cluster: 1, 2, 3 and 4 Nimbus nodes in the one-box lab (deploy/lab), each capped at the same CPU
 * quota, under the same per-node concurrency of the witness function, which sleeps 20 ms (I/O bound, so slots
 * and not the 2 shared cores limit it, as scale-out.md §5.6 advises for one box). Reports
 * throughput against N x one node (target >= 0.8). Warm-hit ratio, cold starts after a join and
 * the routing hop's p50 come from the nodes' cluster statistics, so they need cluster mode
 * (`serve --cluster`); until the checkout has it this section says so and measures nothing.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labConfig } from '../../deploy/lab/cli.js';
import { addNode, clusterModeAvailable, down, ns, nodeAddr, upInfra } from '../../deploy/lab/lab.js';
import { deployFunction, waitHealthy } from '../../deploy/lab/run.js';
import { parseJsonl } from '../../src/cluster/checker.js';
import { fmt, type Section } from '../lib/report.js';

const DESCRIPTION = 'Cluster scaling in the one-box lab: 1-4 nodes, each capped at the same CPU quota, same per-node concurrency.';

function unavailable(why: string): Section {
  return {
    scenario: 'cluster',
    description: DESCRIPTION,
    table: { header: ['nodes', 'result'], rows: [['1-4', 'not run']] },
    notes: [`cluster mode not available: ${why}`],
  };
}

/**
 * `plain`: run the same measurement on independent single nodes (the client spreads the load),
 * which checks the lab's per-node CPU caps and the load path before cluster mode exists.
 */
export async function clusterBench(o: { durationS: number; perNode: number; plain: boolean }): Promise<Section> {
  const c = labConfig({ ...process.env, NIMBUS_LAB_PREFIX: 'nbench', NIMBUS_LAB_SUBNET: '10.199.0', NIMBUS_LAB_DIR: `/tmp/nimbus-lab-bench-${process.pid}` });
  if (!o.plain && !clusterModeAvailable(c.root)) return unavailable('this checkout\'s `nimbus serve` has no --cluster flag yet (issue #19 items 1-5)');
  if (process.getuid?.() !== 0) return unavailable('the lab needs root (network namespaces, cgroups)');
  const rows: string[][] = [];
  let one = 0;
  for (const n of [1, 2, 3, 4]) {
    upInfra(c);
    try {
      for (let k = 1; k <= n; k++) addNode(c, k);
      for (let k = 1; k <= n; k++) await waitHealthy(c, k);
      for (let k = 1; k <= (o.plain ? n : 1); k++) await deployFunction(c, k);
      const out = join(c.dir, 'requests.jsonl');
      const urls = Array.from({ length: n }, (_, i) => `http://${nodeAddr(c, i + 1)}:9000`);
      const script = new URL('../../deploy/lab/client.js', import.meta.url).pathname;
      spawnSync('ip', ['netns', 'exec', ns(c, 'client'), process.execPath, script, 'load', out, String(o.durationS), String(o.perNode * n), '0', ...urls], { stdio: 'inherit' });
      const recs = parseJsonl<{ outcome: string }>(readFileSync(out, 'utf8'));
      const ok = recs.filter((r) => r.outcome === 'ok').length / o.durationS;
      if (n === 1) one = ok;
      rows.push([String(n), fmt(ok), fmt(ok / (n * one), 2), String(recs.length - recs.filter((r) => r.outcome === 'ok').length)]);
    } finally {
      down(c);
    }
  }
  return {
    scenario: 'cluster',
    description: o.plain ? `${DESCRIPTION} PLAIN: independent single nodes, the client spreads the load (not cluster mode).` : DESCRIPTION,
    table: { header: ['nodes', 'invocations/s', 'x (N x one node)', 'not ok'], rows },
    notes: [
      'target: >= 0.8 x N x one node for N = 2..4',
      'warm-hit ratio, cold starts after a join and routing hop p50 need the nodes\' cluster statistics, not yet exposed by cluster mode',
    ],
  };
}
