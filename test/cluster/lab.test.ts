/**
 * The one-box lab's own machinery on this machine (root): PostgreSQL and etcd answer inside the
 * infra namespace, nodes start CPU-capped in their namespaces, and each fault does what it says
 * (a partition cuts the node off and heals, a pause stops answers until SIGCONT, a crash leaves no
 * process). Then a short run with all three faults, checked: nothing acknowledged is lost and
 * nothing unexpected runs. Without cluster mode in the checkout the nodes are independent single
 * nodes, which the same checker holds to the same standard. Fails under CI=true when it cannot run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { labConfig } from '../../deploy/lab/cli.js';
import { addNode, crash, down, etcdUrl, heal, inNsFetch, infraAddr, nodeAddr, nodePids, ns, partition, pause, resume, sh, upInfra } from '../../deploy/lab/lab.js';
import { runLab, waitHealthy } from '../../deploy/lab/run.js';

const missing = [
  process.getuid?.() !== 0 ? 'root' : '',
  existsSync('/usr/lib/postgresql/15/bin/initdb') ? '' : 'PostgreSQL 15',
  spawnSync('etcd', ['--version']).status === 0 ? '' : 'etcd',
  spawnSync('nft', ['--version']).status === 0 ? '' : 'nftables',
  existsSync('/sys/fs/cgroup/cpu/cgroup.procs') ? '' : 'cgroup v1 cpu controller',
].filter(Boolean);
const skip = missing.length && process.env['CI'] !== 'true' ? `the lab needs ${missing.join(', ')}` : false;

const c = labConfig({
  NIMBUS_LAB_PREFIX: `nlt${process.pid % 10000}`,
  NIMBUS_LAB_SUBNET: `10.${201 + (process.pid % 40)}.0`,
  NIMBUS_LAB_DIR: `/tmp/nimbus-lab-test-${process.pid}`,
  NIMBUS_LAB_CPUS: '0.5',
});
const health = (k: number): Promise<number> => inNsFetch(c, 'client', `http://${nodeAddr(c, k)}:9000/nimbus/v1/health`).then((r) => r.status);

describe('cluster lab', { skip, timeout: 240_000 }, () => {
  before(async () => {
    assert.deepEqual(missing, [], `the lab cannot run here: missing ${missing.join(', ')}`);
    upInfra(c);
    addNode(c, 1);
    addNode(c, 2);
    await waitHealthy(c, 1);
    await waitHealthy(c, 2);
  });
  after(() => down(c));

  it('PostgreSQL and etcd answer from a node namespace, at the infra address only', async () => {
    const out = sh('ip', ['netns', 'exec', ns(c, 'n1'), '/usr/lib/postgresql/15/bin/psql', '-h', infraAddr(c), '-U', 'postgres', '-tAc', 'select 6*7', 'nimbus']);
    assert.equal(out.trim(), '42');
    const h = await inNsFetch(c, 'n2', `${etcdUrl(c)}/health`);
    assert.equal(h.status, 200);
    assert.match(h.body, /"health":\s*"true"/);
    assert.equal(sh('ip', ['-n', ns(c, 'br'), '-4', 'addr', 'show', 'br0']).includes('inet '), false, 'the bridge itself has no address');
  });

  it('each node runs in its CPU cgroup with the quota', () => {
    for (const k of [1, 2]) {
      const pids = nodePids(c, k);
      assert.ok(pids.length >= 1);
      const dir = `/sys/fs/cgroup/cpu/${c.prefix}-n${k}`;
      assert.equal(readFileSync(`${dir}/cpu.cfs_quota_us`, 'utf8').trim(), '50000');
    }
  });

  it('a partition cuts a node off from the client and heals', async () => {
    partition(c, 2);
    assert.equal(await health(2), 0);
    assert.equal(await health(1), 200, 'the other node is untouched');
    heal(c, 2);
    assert.equal(await health(2), 200);
  });

  it('a pause stops answers until SIGCONT', async () => {
    pause(c, 1);
    assert.equal(await health(1), 0);
    resume(c, 1);
    assert.equal(await health(1), 200);
  });

  it('a crash leaves no process of the node, and it restarts', async () => {
    crash(c, 2);
    for (let i = 0; i < 50 && nodePids(c, 2).length; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(nodePids(c, 2), []);
    assert.equal(await health(2), 0);
    addNode(c, 2);
    await waitHealthy(c, 2);
  });

  it('3 nodes, 30 s of sync, async and SQS load with a crash, a pause and a partition: nothing acknowledged lost, nothing unexpected', async () => {
    const r = await runLab(c, { nodes: 3, durationS: 30, concurrency: 6, asyncShare: 0.4, sqsShare: 0.2, faults: true, quiesceS: 15, log: () => {} });
    assert.ok(r.acknowledged.async > 0 && r.acknowledged.sync > 0 && r.acknowledged.sqs > 0, JSON.stringify(r.acknowledged));
    assert.deepEqual(r.lost, []);
    assert.deepEqual(r.unexpected, []);
    assert.equal(r.valid, true);
  });
});
