/**
 * The stem cells' mount helper (src/sandbox/namespace/mounter.ts): requests made back to back,
 * without waiting for each other (a stem cell's assignment sends its mounts and goes on with its
 * cgroup writes), are answered in order, each with its own outcome, and every mount stays in the
 * helper's own mount namespace.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createMounter } from '../../src/sandbox/namespace/mounter.js';
import { assertIsolation, isolationSkip, rmrf, tempDir } from './helpers.js';

describe('the stem cells’ mount helper', { skip: isolationSkip() }, () => {
  it('answers requests made back to back in order, each with its own outcome, in its own namespace only', async (t) => {
    assertIsolation();
    const made = createMounter();
    assert.ok('mounter' in made, 'reason' in made ? made.reason : '');
    const m = made.mounter;
    t.after(() => m.close());
    const dir = tempDir('nimbus-mounter-');
    t.after(() => rmrf(dir));
    const [src, dst] = ['src', 'dst'].map((n) => {
      const d = join(dir, n);
      mkdirSync(d);
      return d;
    }) as [string, string];
    writeFileSync(join(src, 'f'), 'x');
    const helperMounts = (): string[] =>
      readFileSync(`/proc/${m.namespace.split('/')[2]}/mountinfo`, 'utf8')
        .split('\n')
        .filter((l) => l.split(' ')[4] === dst);

    // Not ready yet: the first request waits for the helper, then goes.
    await m.mount([]);
    const [bound, failed, readOnly] = await Promise.allSettled([
      m.mount([{ op: 'bind', source: src, target: dst }]),
      // Nothing is mounted on src: umount2 fails with EINVAL.
      m.mount([{ op: 'detach', target: src }]),
      m.mount([{ op: 'remount-ro', target: dst }]),
    ]);
    assert.equal(bound.status, 'fulfilled');
    assert.equal(failed.status, 'rejected');
    assert.match(String((failed as PromiseRejectedResult).reason), /detach .*src: Invalid argument/);
    assert.equal(readOnly.status, 'fulfilled');
    const mine = helperMounts();
    assert.equal(mine.length, 1, mine.join('\n'));
    assert.match(mine[0]!, / ro,nosuid,nodev/);
    assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(dst), 'the host never sees the helper’s mounts');

    await assert.rejects(m.mount([{ op: 'bind', source: src, target: `${dst}\nx` }]), /NUL or a newline/);
    await m.mount([{ op: 'detach', target: dst }]);
    assert.deepEqual(helperMounts(), []);
  });
});
