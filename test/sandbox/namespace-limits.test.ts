/**
 * Limits of a `namespace` sandbox (test plan rows 3, 4, 21, 22, 24 of docs/reference/reliability-and-isolation.md
 * §5): a memory hog is killed with "signal: killed", a fork bomb hits pids.max, a timeout leaves no
 * process behind (setsid grandchildren included), and other sandboxes keep answering throughout.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSandboxFactory } from '../../src/sandbox/index.js';
import type { NamespaceSandboxFactory } from '../../src/sandbox/namespace/factory.js';
import type { Sandbox } from '../../src/sandbox/types.js';
import { assertIsolation, call, codeDir, hostPidsOfUid, invoke, isolationSkip, rmrf, spec, tempDir } from './helpers.js';

describe('namespace sandbox limits', { skip: isolationSkip() }, () => {
  let dataDir: string;
  let code: string;
  let factory: NamespaceSandboxFactory;
  /** A bystander that must keep answering while its neighbours misbehave. */
  let bystander: Sandbox;

  before(async () => {
    assertIsolation();
    dataDir = tempDir('nimbus-limits-');
    code = codeDir();
    factory = createSandboxFactory({ isolation: 'namespace', dataDir, hostPorts: [] }).factory as NamespaceSandboxFactory;
    bystander = factory.create(spec(code, { functionName: 'bystander' }));
    await bystander.start(10_000);
  });

  after(async () => {
    await factory?.close();
    for (const d of [dataDir, code]) if (d) rmrf(d);
  });

  /** Reads one limit file of sandbox `id`, by its v1 or v2 name. */
  const cgFile = (id: string, v1: [string, string], v2: string): string | null => {
    const dirs = factory.cgroupDirsOf(id);
    const file = factory.cgroupVersion === 1 ? dirs.map((d) => join(d, v1[1])).find((f) => f.includes(`/${v1[0]}`) && existsSync(f)) : join(dirs[0]!, v2);
    return file && existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
  };

  it('kills a memory hog with "signal: killed" and keeps the others answering', async () => {
    const s = spec(code, { memoryMb: 128, functionName: 'hog' });
    const hog = factory.create(s);
    await hog.start(10_000);
    assert.equal(cgFile(s.id, ['memory', 'memory.limit_in_bytes'], 'memory.max'), String(128 * 1024 * 1024));
    const swap = cgFile(s.id, ['memory', 'memory.memsw.limit_in_bytes'], 'memory.swap.max');
    if (swap !== null) assert.ok(swap === String(128 * 1024 * 1024) || swap === '0', 'swap cannot extend the limit');
    const r = await invoke(hog, { op: 'alloc', mb: 300 });
    assert.deepEqual(r.result, { kind: 'exit', reason: 'signal: killed', outOfMemory: true });
    assert.equal(hog.state, 'dead');
    assert.ok(r.maxMemoryBytes <= 128 * 1024 * 1024, `peak ${r.maxMemoryBytes} within the limit`);
    assert.ok(r.maxMemoryBytes > 64 * 1024 * 1024, `peak ${r.maxMemoryBytes} measured from the cgroup`);
    for (const d of factory.cgroupDirsOf(s.id)) assert.equal(existsSync(d), false, 'the cgroup is removed');
    assert.deepEqual(await call(bystander, { op: 'alloc', mb: 1 }), 1);
  });

  it('kills a sandbox that fills /tmp past its memory (tmpfs is charged to the memory cgroup)', async () => {
    // 512 MB gets 0.29 vCPU: filling memory under cgroup reclaim is CPU-heavy, and at 128 MB's
    // 0.07 vCPU a loaded CI machine may not reach the OOM kill before the deadline.
    const hog = factory.create(spec(code, { memoryMb: 512, ephemeralStorageMb: 2048, functionName: 'tmp-hog' }));
    await hog.start(10_000);
    const r = await invoke(hog, { op: 'sh', cmd: 'head -c 900000000 /dev/zero > /tmp/fill; echo done' }, 90_000);
    // Either the writer or the runtime is OOM-killed; the sandbox dies with it.
    const killed = r.result.kind === 'exit' && r.result.reason === 'signal: killed';
    const writerKilled = r.result.kind === 'response' && !r.result.payload.toString().includes('done');
    assert.ok(killed || writerKilled, JSON.stringify(r.result.kind === 'response' ? r.result.payload.toString() : r.result));
    await hog.dispose();
    assert.deepEqual(await call(bystander, { op: 'alloc', mb: 1 }), 1);
  });

  it('contains a fork bomb at pids.max while the others keep answering', async () => {
    const bomb = factory.create(spec(code, { memoryMb: 1769, functionName: 'bomb' }));
    await bomb.start(10_000);
    const running = invoke(bomb, { op: 'sh', cmd: 'n=0; while [ $n -lt 1500 ]; do sleep 20 </dev/null >/dev/null 2>&1 & n=$((n+1)); done; echo forked $n' }, 30_000);
    await sleep(300);
    // The host still forks and the neighbour still answers while the bomb holds its pids.
    assert.deepEqual(await call(bystander, { op: 'sh', cmd: 'echo ok' }).then((x) => (x as { stdout: string }).stdout), 'ok\n');
    const r = await running;
    assert.equal(r.result.kind, 'response', JSON.stringify(r.result));
    const out = JSON.parse((r.result as { payload: Buffer }).payload.toString()) as { stdout: string; stderr: string };
    assert.doesNotMatch(out.stdout, /forked 1500/, 'the bomb never got all its processes');
    assert.match(out.stderr, /fork|Resource temporarily unavailable/i);
    assert.equal(cgFile(bomb.id, ['pids', 'pids.max'], 'pids.max'), '1024');
    assert.match(cgFile(bomb.id, ['pids', 'pids.events'], 'pids.events') ?? '', /max [1-9]/, 'the kernel refused forks');
    await bomb.dispose();
    for (const d of factory.cgroupDirsOf(bomb.id)) assert.equal(existsSync(d), false);
  });

  it('leaves no process behind after a timeout, setsid grandchildren included', async () => {
    const s = spec(code, { functionName: 'sleeper' });
    const sb = factory.create(s);
    await sb.start(10_000);
    const { uid } = await call<{ uid: number }>(sb, { op: 'status' });
    const t0 = Date.now();
    const r = await invoke(sb, { op: 'hang', cmd: 'setsid sleep 1000.5 & (setsid sh -c "sleep 1000.6" &) ; sleep 1000.7' }, 1000);
    assert.deepEqual(r.result, { kind: 'timeout' });
    assert.ok(Date.now() - t0 < 1000 + 1500, 'the timeout fires on time');
    assert.equal(sb.state, 'dead');
    assert.deepEqual(hostPidsOfUid(uid), [], 'no process of the sandbox’s uid survives');
    for (const d of factory.cgroupDirsOf(s.id)) assert.equal(existsSync(d), false, `${d} removed`);
    assert.deepEqual(await call(bystander, { op: 'alloc', mb: 1 }), 1);
  });

  it('runs every process and thread of the sandbox inside each of its cgroups, from the first', async () => {
    const s = spec(code, { functionName: 'members' });
    const sb = factory.create(s);
    await sb.start(10_000);
    // A process the runtime starts, and the runtime's own threads (Node starts several).
    const bg = await call<{ status: number }>(sb, { op: 'sh', cmd: 'setsid sleep 30.25 >/dev/null 2>&1 </dev/null & echo started' });
    assert.equal(bg.status, 0);
    const { uid } = await call<{ uid: number }>(sb, { op: 'status' });
    const pids = hostPidsOfUid(uid);
    assert.ok(pids.length >= 2, `the runtime and its child run as the sandbox's uid: ${pids.join(',')}`);
    const dirs = factory.cgroupDirsOf(s.id);
    assert.equal(dirs.length, factory.cgroupVersion === 1 ? 3 : 1, 'memory, pids and cpu (one directory on v2)');
    const listed = (f: string): Set<number> => new Set(readFileSync(f, 'utf8').split('\n').filter(Boolean).map(Number));
    for (const d of dirs) {
      const procs = listed(join(d, 'cgroup.procs'));
      for (const p of pids) assert.ok(procs.has(p), `${p} is in ${d}`);
      if (factory.cgroupVersion !== 1) continue;
      // v1's launch joins by thread (the tasks file): every thread must have followed.
      const tasks = listed(join(d, 'tasks'));
      for (const p of pids) {
        const tids = readdirSync(`/proc/${p}/task`).map(Number);
        for (const t of tids) assert.ok(tasks.has(t), `thread ${t} of ${p} is in ${d}`);
      }
    }
    await sb.dispose();
    assert.deepEqual(hostPidsOfUid(uid), [], 'the background process went with the sandbox');
  });

  /** The CPU quota (-1: none), period and weight (v1 shares, or v2 cpu.weight) of sandbox `id` of `f`. */
  const cpuOf = (f: NamespaceSandboxFactory, id: string): { quota: number; period: number; weight: number } => {
    const dirs = f.cgroupDirsOf(id);
    if (f.cgroupVersion === 1) {
      const cpu = dirs.find((d) => existsSync(join(d, 'cpu.cfs_quota_us')))!;
      const num = (n: string): number => Number(readFileSync(join(cpu, n), 'utf8'));
      return { quota: num('cpu.cfs_quota_us'), period: num('cpu.cfs_period_us'), weight: num('cpu.shares') };
    }
    const [q, p] = readFileSync(join(dirs[0]!, 'cpu.max'), 'utf8').trim().split(' ');
    return { quota: q === 'max' ? -1 : Number(q), period: Number(p), weight: Number(readFileSync(join(dirs[0]!, 'cpu.weight'), 'utf8')) };
  };

  it('with --cpu-model lambda, caps CPU with a quota in proportion to memory (1769 MB = one vCPU)', async () => {
    const lambdaDir = tempDir('nimbus-limits-lambda-');
    const lambda = createSandboxFactory({ isolation: 'namespace', dataDir: lambdaDir, hostPorts: [], cpuModel: 'lambda' }).factory as NamespaceSandboxFactory;
    try {
      const s = spec(code, { memoryMb: 256, functionName: 'cpu-lambda' });
      const sb = lambda.create(s);
      await sb.start(10_000);
      const cpu = cpuOf(lambda, s.id);
      assert.equal(cpu.quota, Math.round((cpu.period * 256) / 1769), 'proportional quota after init');
      assert.equal(cpu.weight, lambda.cgroupVersion === 1 ? 1024 : 100, 'the default weight');
      await sb.dispose();
    } finally {
      await lambda.close();
      rmrf(lambdaDir);
    }
  });

  it('by default shares CPU by weight in proportion to memory, with no quota, and caps open files at 1024', async () => {
    const s = spec(code, { memoryMb: 256, functionName: 'cpu' });
    const sb = factory.create(s);
    await sb.start(10_000);
    const cpu = cpuOf(factory, s.id);
    assert.equal(cpu.quota, -1, 'no quota: idle CPU is the function’s to use');
    assert.equal(cpu.weight, factory.cgroupVersion === 1 ? 2048 : 200, 'a weight in proportion to memory: 1024 shares (v2: 100) per 128 MB');
    const r = await call<{ stdout: string }>(sb, { op: 'sh', cmd: 'ulimit -n; ulimit -Hn' });
    assert.equal(r.stdout, '1024\n1024\n');
    const py = "import os\ntry:\n  [os.open('/dev/null', 0) for _ in range(1100)]\n  print('opened all')\nexcept OSError as e:\n  print(e.strerror)";
    const emfile = await call<{ stdout: string }>(sb, { op: 'sh', cmd: `/usr/bin/python3 -c "${py}"` });
    assert.equal(emfile.stdout.trim(), 'Too many open files');
    await sb.dispose();
  });

  it('refuses to fill /tmp past EphemeralStorage (ENOSPC) while memory remains', async () => {
    const sb = factory.create(spec(code, { memoryMb: 512, ephemeralStorageMb: 16, functionName: 'tmpfull' }));
    await sb.start(10_000);
    const r = await call<{ stderr: string; status: number }>(sb, { op: 'sh', cmd: 'head -c 20000000 /dev/zero > /tmp/fill' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /No space left on device/);
    assert.deepEqual(await call(sb, { op: 'alloc', mb: 1 }), 1, 'the sandbox itself lives on');
    await sb.dispose();
  });
});
