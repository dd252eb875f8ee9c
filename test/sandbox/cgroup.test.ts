/** cgroup detection and limit files, for v1 and v2, against recorded /proc text and a fake cgroupfs. */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cgroupDir, cpuMaxOf, cpuWeightOf, initLimits, limitsFor, parseCgroupMounts, parseProcCgroup } from '../../src/sandbox/namespace/cgroup.js';
import { detectCgroups } from '../../src/sandbox/namespace/cgroup-detect.js';
import { rmrf, tempDir } from './helpers.js';

/** This project's machines: v1 controllers plus a v2 mount holding only hugetlb (a "hybrid" host). */
const HYBRID = [
  '30 24 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '33 30 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '36 30 0:32 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
  '38 30 0:34 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');

describe('cgroup detection', () => {
  it('parses v1 and v2 mounts and the process’s cgroups', () => {
    const mounts = parseCgroupMounts(HYBRID);
    assert.deepEqual(mounts.map((m) => [m.mountPoint, m.version]), [
      ['/sys/fs/cgroup/cpu', 1], ['/sys/fs/cgroup/memory', 1], ['/sys/fs/cgroup/pids', 1], ['/sys/fs/cgroup/unified', 2],
    ]);
    assert.deepEqual(mounts[1]!.controllers, ['rw', 'memory']);
    const paths = parseProcCgroup('8:pids:/\n4:memory:/process_api/abc\n1:cpu,cpuacct:/x\n0::/\n');
    assert.equal(paths.get('memory'), '/process_api/abc');
    assert.equal(paths.get('cpuacct'), '/x');
    assert.equal(paths.get(''), '/');
  });

  it('maps a cgroup path below a mount that is itself a sub-tree (a containerised host)', () => {
    const [m] = parseCgroupMounts('1 0 0:1 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory');
    assert.equal(cgroupDir(m!, '/docker/abc/inner'), '/sys/fs/cgroup/memory/inner');
    assert.equal(cgroupDir(m!, '/docker/abc'), '/sys/fs/cgroup/memory');
  });

  it('nests sandboxes under Nimbus’s own cgroup and the instance tag (v1 on a hybrid host)', { skip: process.getuid?.() !== 0 && 'needs root' }, () => {
    const d = detectCgroups({ tag: 'tag123', mountinfo: HYBRID, procCgroup: '3:pids:/\n2:memory:/\n1:cpu:/\n0::/\n' });
    if (!('manager' in d)) return assert.fail(d.reason);
    assert.equal(d.manager.version, 1);
    assert.deepEqual(d.manager.dirsFor('sbx'), [
      '/sys/fs/cgroup/memory/nimbus/tag123/sbx', '/sys/fs/cgroup/pids/nimbus/tag123/sbx', '/sys/fs/cgroup/cpu/nimbus/tag123/sbx',
    ]);
  });

  it('says why when no controller is available', () => {
    const d = detectCgroups({ tag: 't', mountinfo: '1 0 0:1 / /proc rw - proc proc rw', procCgroup: '0::/\n' });
    assert.ok('reason' in d);
    assert.match(d.reason, /memory controller is not mounted/);
    assert.match(d.reason, /cgroup v2: not mounted/);
  });

  it('computes Lambda’s limits with --cpu-model lambda: memory, 1024 pids, a hard quota of 1769 MB per vCPU', () => {
    assert.deepEqual(limitsFor(1769, 'lambda', 4), { memoryBytes: 1769 * 1048576, pidsMax: 1024, cpuQuotaUs: 20_000, cpuPeriodUs: 20_000, cpuShares: 1024 });
    assert.equal(limitsFor(128, 'lambda', 4).cpuQuotaUs, 1447);
    assert.equal(limitsFor(3538, 'lambda', 4).cpuQuotaUs, 40_000);
    // Never more than the host: 10,240 MB is 5.8 vCPU on Lambda, but only 2 (or 8) cores here.
    assert.equal(limitsFor(10_240, 'lambda', 8).cpuQuotaUs, 115_772);
    assert.equal(limitsFor(10_240, 'lambda', 2).cpuQuotaUs, 40_000);
    assert.equal(limitsFor(10_240, 'lambda', 1).cpuQuotaUs, 20_000);
    // Init runs with at least one vCPU, then the quota applies.
    assert.equal(initLimits(limitsFor(128, 'lambda', 4)).cpuQuotaUs, 20_000);
  });

  it('computes the shared model’s limits: no quota, weights in proportion to memory (128 MB = 1024 shares)', () => {
    assert.deepEqual(limitsFor(128, 'shared', 4), { memoryBytes: 128 * 1048576, pidsMax: 1024, cpuQuotaUs: -1, cpuPeriodUs: 20_000, cpuShares: 1024 });
    assert.equal(limitsFor(1769, 'shared', 4).cpuShares, 14_152);
    assert.equal(limitsFor(256, 'shared', 4).cpuShares, 2048);
    assert.equal(limitsFor(10_240, 'shared', 2).cpuShares, 81_920, 'a weight is not capped at the host’s cores: it only matters relative to others');
    assert.equal(limitsFor(1, 'shared', 2).cpuShares, 8);
    assert.equal(initLimits(limitsFor(128, 'shared', 4)).cpuQuotaUs, -1, 'no quota during init either');
    assert.equal(initLimits(limitsFor(1, 'shared', 4)).cpuShares, 1024, 'init runs at least at a plain process’s weight');
    assert.equal(initLimits(limitsFor(1769, 'shared', 4)).cpuShares, 14_152, 'or the function’s, when larger');
    // v2 writes the same as cpu.weight (default 100) and cpu.max.
    assert.equal(cpuWeightOf(1024), 100);
    assert.equal(cpuWeightOf(74), 7);
    assert.equal(cpuWeightOf(81_920), 8000);
    assert.equal(cpuWeightOf(2), 1);
    assert.equal(cpuMaxOf(-1, 20_000), 'max 20000');
    assert.equal(cpuMaxOf(1447, 20_000), '1447 20000');
  });
});

describe('cgroup v2 manager (fake cgroupfs)', { skip: process.getuid?.() !== 0 && 'needs root' }, () => {
  const root = tempDir('nimbus-cg2-');
  after(() => rmrf(root));

  it('enables controllers down the tree and writes memory.max, memory.swap.max 0, pids.max and cpu.max', () => {
    writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
    mkdirSync(join(root, 'svc'));
    writeFileSync(join(root, 'svc', 'cgroup.subtree_control'), '');
    // A real cgroupfs creates these files on mkdir; the fake one is primed in advance.
    for (const dir of ['svc/nimbus', 'svc/nimbus/t1', 'svc/nimbus/t1/s1', 'svc/nimbus/t1/s2']) {
      mkdirSync(join(root, dir), { recursive: true });
      writeFileSync(join(root, dir, 'cgroup.subtree_control'), '');
    }
    writeFileSync(join(root, 'svc/nimbus/t1/s1', 'memory.swap.max'), 'max');
    writeFileSync(join(root, 'svc/nimbus/t1/s1', 'memory.peak'), '12345\n');
    writeFileSync(join(root, 'svc/nimbus/t1/s1', 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    const d = detectCgroups({ tag: 't1', mountinfo: `1 0 0:1 / ${root} rw - cgroup2 cgroup2 rw`, procCgroup: '0::/svc\n' });
    if (!('manager' in d)) return assert.fail(d.reason);
    assert.equal(d.manager.version, 2);
    const cg = d.manager.create('s1', limitsFor(256, 'lambda'));
    const read = (f: string): string => readFileSync(join(root, 'svc/nimbus/t1/s1', f), 'utf8');
    assert.equal(read('memory.max'), String(256 * 1048576));
    assert.equal(read('memory.swap.max'), '0');
    assert.equal(read('pids.max'), '1024');
    assert.equal(read('cpu.max'), `${limitsFor(256, 'lambda').cpuQuotaUs} 20000`);
    assert.equal(read('cpu.weight'), '100');
    d.manager.create('s2', limitsFor(256, 'shared'));
    const read2 = (f: string): string => readFileSync(join(root, 'svc/nimbus/t1/s2', f), 'utf8');
    assert.equal(read2('cpu.max'), 'max 20000', 'the shared model sets no quota');
    assert.equal(read2('cpu.weight'), String(cpuWeightOf(limitsFor(256, 'shared').cpuShares)), 'but a weight in proportion to memory');
    assert.equal(readFileSync(join(root, 'svc', 'cgroup.subtree_control'), 'utf8'), '+memory +pids +cpu');
    assert.equal(cg.peakMemoryBytes(), 12345);
    assert.equal(cg.oomKills(), 1);
    assert.deepEqual(cg.procsFiles, [join(root, 'svc/nimbus/t1/s1/cgroup.procs')]);
    assert.deepEqual(cg.joinFiles, cg.procsFiles, 'v2 has no per-thread join outside threaded cgroups: the launch writes its pid');
  });
});
