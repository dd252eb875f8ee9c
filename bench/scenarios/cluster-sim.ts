/**
 * cluster-sim: the routing and claim algorithms at 1,000 nodes in simulation (src/sim/cluster.ts),
 * Nimbus's rendezvous + bounded load next to the peers' placements (random: OpenFaaS; hash % N
 * with a walk: OpenWhisk's home invoker) and the ideal of one pooled node. Also a join (cold
 * starts it causes, target <= 1/N + 5%) and a death (async redelivery, target <= TTL + 2 s).
 */
import { CLUSTER_SIM_DEFAULTS, simulateCluster, type ClusterSimOptions, type ClusterSimReport } from '../../src/sim/cluster.js';
import { fmt, type Section } from '../lib/report.js';

const pct = (x: number | undefined): string => (x === undefined ? 'n/a' : `${fmt(100 * x, 1)}%`);

export function clusterSim(o: { nodes: number }): Section {
  const base: ClusterSimOptions = { ...CLUSTER_SIM_DEFAULTS, nodes: o.nodes, durationMs: 10_000, measureFromMs: 5_000, idlePerNode: 256 };
  const rows: string[][] = [];
  const run = (label: string, opts: ClusterSimOptions): ClusterSimReport => {
    process.stderr.write(`  cluster-sim: ${label}...\n`);
    const r = simulateCluster(opts);
    rows.push([label, String(opts.nodes), String(r.invocations), pct(r.warmHitRatio), fmt(r.busySpread, 2), String(r.rejected)]);
    return r;
  };
  const nimbus = run('nimbus (HRW + bounded load 1.25)', base);
  const random = run('random (OpenFaaS)', { ...base, router: 'random' });
  run('hash % N + walk (OpenWhisk)', { ...base, router: 'mod-n' });
  const ideal = run('ideal: one pooled node', { ...base, nodes: 1, slots: base.slots * o.nodes, idlePerNode: base.idlePerNode * o.nodes });
  const join = run('nimbus, one node joins at 6 s', { ...base, joinAtMs: 6_000 });
  const control = run('nimbus, same run without the join', { ...base, joinAtMs: 6_000, joinNode: false });
  const kill = run('nimbus, busiest node killed at 6 s', { ...base, killAtMs: 6_000, asyncShare: 0.3 });
  const excess = (join.coldKeysAfterJoin ?? 0) - (control.coldKeysAfterJoin ?? 0);
  const bound = 1 / (o.nodes + 1) + 0.05;
  return {
    scenario: 'cluster-sim',
    description: `Simulated cluster: ${o.nodes} nodes x ${base.slots} slots, ${base.functions} Zipf(${base.zipf}) functions, ${base.utilisation * 100}% offered load, ${base.meanMs} ms mean run, ${base.coldMs} ms cold start, ${base.keepAliveMs / 1000} s keep-alive, at most ${base.idlePerNode} idle sandboxes a node.`,
    table: { header: ['router', 'nodes', 'invocations', 'warm hits', 'busy max/avg', 'rejected (429)'], rows },
    notes: [
      `warm-hit ratio: nimbus ${pct(nimbus.warmHitRatio)} = ${fmt(nimbus.warmHitRatio / ideal.warmHitRatio, 2)} x the pooled ideal, ${fmt(nimbus.warmHitRatio / random.warmHitRatio, 2)} x random`,
      `join: ${pct(join.movedKeys)} of functions changed home (1/(N+1) = ${pct(1 / (o.nodes + 1))}); functions with a cold start in the 4 s after: ${pct(join.coldKeysAfterJoin)} vs ${pct(control.coldKeysAfterJoin)} in the same window without the join; excess ${pct(excess)} (target <= ${pct(bound)}: ${excess <= bound ? 'met' : 'MISSED'})`,
      `death: ${kill.redeliveredJobs ?? 0} leased async jobs redelivered, the last ${fmt(kill.redeliveryMaxMs ?? NaN)} ms after the kill (TTL ${base.leaseTtlMs} ms + 2 s = ${base.leaseTtlMs + 2000} ms: ${(kill.redeliveryMaxMs ?? 0) <= base.leaseTtlMs + 2000 ? 'met' : 'MISSED'}); ${kill.syncLostInFlight ?? 0} sync invocations in flight on it failed (Lambda does not retry sync)`,
      'busy max/avg: the busiest node\'s busy time over the average; the bound applies to in-flight counts, and with ~4 in flight a node ceil() rounding lets it reach ~1.5 x',
    ],
  };
}
