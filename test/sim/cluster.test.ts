/**
 * The cluster simulation on a small cluster: the real router keeps more invocations warm than
 * random placement, a join moves ~1/(N+1) of homes and adds cold starts within 1/N + 5%, a death
 * redelivers the dead node's leased async jobs within lease TTL + 2 s, and a seed fixes a run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLUSTER_SIM_DEFAULTS, simulateCluster, type ClusterSimOptions } from '../../src/sim/cluster.js';

const small: ClusterSimOptions = { ...CLUSTER_SIM_DEFAULTS, nodes: 40, functions: 800, durationMs: 8000, measureFromMs: 4000, idlePerNode: 128 };

describe('cluster simulation', () => {
  it('rendezvous with bounded load keeps more invocations warm than random placement, without 429s piling up', () => {
    const nimbus = simulateCluster(small);
    const random = simulateCluster({ ...small, router: 'random' });
    assert.ok(nimbus.invocations > 1000);
    assert.ok(nimbus.warmHitRatio > random.warmHitRatio + 0.1, `${nimbus.warmHitRatio} vs ${random.warmHitRatio}`);
    assert.ok(nimbus.rejected <= random.rejected);
  });

  it('a join moves about 1/(N+1) of homes and adds at most 1/N + 5% of functions with a cold start', () => {
    const r = simulateCluster({ ...small, joinAtMs: 6000 });
    const control = simulateCluster({ ...small, joinAtMs: 6000, joinNode: false });
    assert.ok(r.movedKeys! > 0.3 / 41 && r.movedKeys! < 2 / 41, `moved ${r.movedKeys}`);
    assert.equal(control.movedKeys, 0);
    assert.ok(r.coldKeysAfterJoin! - control.coldKeysAfterJoin! <= 1 / 40 + 0.05, `${JSON.stringify(r)} vs ${JSON.stringify(control)}`);
  });

  it("redelivers a dead node's leased async jobs within lease TTL + 2 s", () => {
    const r = simulateCluster({ ...small, killAtMs: 5000, asyncShare: 0.5 });
    assert.ok(r.redeliveredJobs! > 0, JSON.stringify(r));
    assert.ok(r.redeliveryMaxMs! <= small.leaseTtlMs + 2000, JSON.stringify(r));
    assert.ok(r.redeliveryMaxMs! >= small.leaseTtlMs * (2 / 3), 'not before the lease can have expired');
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const o = { ...small, durationMs: 3000, measureFromMs: 1000 };
    assert.deepEqual(simulateCluster(o), simulateCluster(o));
    assert.notDeepEqual(simulateCluster(o), simulateCluster({ ...o, seed: 2 }));
  });
});
