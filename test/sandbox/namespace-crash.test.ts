/**
 * Crash hygiene (test plan rows 20 and 26): a SIGKILLed Nimbus leaves no sandbox running for long
 * (bwrap --die-with-parent), a descriptor Nimbus inherited never reaches the sandbox, and
 * `cleanupStale` on the next start removes the cgroups and scratch directories left behind.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createSandboxFactory } from '../../src/sandbox/index.js';
import type { NamespaceSandboxFactory } from '../../src/sandbox/namespace/factory.js';
import { assertIsolation, codeDir, hostPidsOfUid, isolationSkip, rmrf, tempDir } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/child-nimbus.js', import.meta.url));

describe('namespace sandbox crash hygiene', { skip: isolationSkip() }, () => {
  const dataDir = tempDir('nimbus-crash-');
  const code = codeDir();
  let child: ChildProcess | null = null;
  after(async () => {
    // A failed assertion must not leave the stand-in Nimbus (and its sandbox) running.
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
    }
    const { factory } = createSandboxFactory({ isolation: 'namespace', dataDir, hostPorts: [] });
    await factory.cleanupStale?.();
    await (factory as NamespaceSandboxFactory).close();
    rmrf(dataDir);
    rmrf(code);
  });

  it('closes inherited descriptors, dies with a SIGKILLed Nimbus, and cleanupStale removes the rest', async () => {
    assertIsolation();
    // fd 3 of the child is a socket without close-on-exec: exactly what a careless parent leaks.
    child = spawn(process.execPath, [fixture, dataDir, code], { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
    let out = '';
    const proc = child;
    proc.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
    const deadline = Date.now() + 20_000;
    while (!out.includes('\n') && Date.now() < deadline && proc.exitCode === null) await sleep(50);
    assert.ok(out.includes('\n'), `the child Nimbus did not start a sandbox (exit ${proc.exitCode})`);
    const seen = JSON.parse(out) as { id: string; uid: number; fds: number[] };
    assert.deepEqual(seen.fds.sort((a, b) => a - b), [0, 1, 2], 'fd 3 of Nimbus did not reach the sandbox');
    assert.ok(hostPidsOfUid(seen.uid).length > 0, 'the sandbox runs');

    const { factory } = createSandboxFactory({ isolation: 'namespace', dataDir, hostPorts: [] });
    const ns = factory as NamespaceSandboxFactory;
    const cgroups = ns.cgroupDirsOf(seen.id);
    assert.ok(cgroups.every((d) => existsSync(d)));

    proc.kill('SIGKILL');
    await new Promise((r) => proc.once('exit', r));
    const t0 = Date.now();
    while (hostPidsOfUid(seen.uid).length > 0 && Date.now() - t0 < 2000) await sleep(20);
    assert.deepEqual(hostPidsOfUid(seen.uid), [], 'no sandbox process outlives Nimbus by more than 2 s');

    // What the crash left: the scratch directory with its record, and the cgroups.
    assert.ok(readdirSync(join(dataDir, 'sandboxes')).includes(seen.id));
    const report = await ns.cleanupStaleReport();
    assert.deepEqual(report.sandboxes, [seen.id]);
    assert.deepEqual(readdirSync(join(dataDir, 'sandboxes')), []);
    for (const d of cgroups) assert.equal(existsSync(d), false, `${d} removed`);
    assert.equal(existsSync(join(cgroups[0]!, '..')), false, 'the instance’s cgroup parent is pruned');
    await ns.close();
  });
});
