/**
 * The shared store suite, part two: published versions (numbering, listing, the newest, deleting
 * one). Run by store.case.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { A, A2, B, fn, fromLatest, open, sha, type NewStore } from './fixtures.js';

export function versionCases(newStore: NewStore): void {
  describe('versions', () => {
    it('publishVersion numbers 1, 2, 3, hands the number to build and stores what build made', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      const asked: string[] = [];
      for (const description of ['one', 'two', 'three']) {
        const v = await store.publishVersion(A, 'f', (version) => {
          asked.push(version);
          return fn(A, 'f', { version, description, revisionId: `rev-${version}` });
        });
        assert.deepEqual(await store.getVersion(A, 'f', v.version), v);
      }
      assert.deepEqual(asked, ['1', '2', '3']);
      assert.equal((await store.getVersion(A, 'f', '2'))?.description, 'two');
      assert.equal((await store.getVersion(A, 'f', '$LATEST'))?.description, '', '$LATEST is untouched');
    });

    it('a number is never reused while the function exists, even when its version is deleted', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      await store.publishVersion(A, 'f', await fromLatest(store, A, 'f'));
      await store.publishVersion(A, 'f', await fromLatest(store, A, 'f'));
      await store.deleteVersion(A, 'f', '2');
      assert.equal((await store.latestPublished(A, 'f'))?.version, '1');
      assert.equal((await store.publishVersion(A, 'f', await fromLatest(store, A, 'f'))).version, '3');
      await store.deleteVersion(A, 'f', '1');
      await store.deleteVersion(A, 'f', '3');
      assert.equal((await store.publishVersion(A, 'f', await fromLatest(store, A, 'f'))).version, '4');
    });

    it('a function deleted and created again numbers from 1 (as AWS does)', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      for (let i = 0; i < 3; i++) await store.publishVersion(A, 'f', await fromLatest(store, A, 'f'));
      await store.deleteFunction(A, 'f');
      await store.insertFunction(fn(A, 'f'));
      assert.equal(await store.latestPublished(A, 'f'), undefined);
      assert.equal((await store.publishVersion(A, 'f', await fromLatest(store, A, 'f'))).version, '1');
    });

    it('numbers are counted per function and per scope', async (t) => {
      const store = open(t, newStore);
      for (const [scope, name] of [[A, 'f'], [A, 'g'], [A2, 'f'], [B, 'f']] as const) await store.insertFunction(fn(scope, name));
      await store.publishVersion(A, 'f', await fromLatest(store, A, 'f'));
      await store.publishVersion(A, 'f', await fromLatest(store, A, 'f'));
      for (const [scope, name] of [[A, 'g'], [A2, 'f'], [B, 'f']] as const) {
        assert.equal((await store.publishVersion(scope, name, await fromLatest(store, scope, name))).version, '1');
      }
    });

    it('publishing for a function that does not exist throws and stores nothing', async (t) => {
      const store = open(t, newStore);
      await assert.rejects(async () => await store.publishVersion(A, 'ghost', (version) => fn(A, 'ghost', { version })));
      assert.equal(await store.getVersion(A, 'ghost', '1'), undefined);
      await store.insertFunction(fn(A, 'ghost'));
      assert.equal((await store.publishVersion(A, 'ghost', await fromLatest(store, A, 'ghost'))).version, '1');
    });

    it('a build that throws takes no number and stores nothing', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      await store.publishVersion(A, 'f', await fromLatest(store, A, 'f'));
      await assert.rejects(async () => await store.publishVersion(A, 'f', () => { throw new Error('no'); }), /no/);
      assert.equal(await store.getVersion(A, 'f', '2'), undefined);
      assert.equal((await store.publishVersion(A, 'f', await fromLatest(store, A, 'f'))).version, '2');
    });

    it('listVersions: $LATEST first, then numerically (10 after 9), paged after a version', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      await store.insertFunction(fn(A, 'g'));
      for (let i = 0; i < 11; i++) await store.publishVersion(A, 'f', await fromLatest(store, A, 'f', { description: `v${i + 1}` }));
      const versions = async (after: string | undefined, limit: number): Promise<string[]> => (await store.listVersions(A, 'f', after, limit)).map((v) => v.version);
      const all = ['$LATEST', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11'];
      assert.deepEqual(await versions(undefined, 50), all);
      assert.deepEqual(await versions(undefined, 3), ['$LATEST', '1', '2']);
      assert.deepEqual(await versions('$LATEST', 2), ['1', '2']);
      assert.deepEqual(await versions('9', 50), ['10', '11']);
      assert.deepEqual(await versions('11', 50), []);
      assert.deepEqual(await versions(undefined, 0), []);
      assert.equal((await store.listVersions(A, 'f', '9', 1))[0]?.description, 'v10');
      await store.deleteVersion(A, 'f', '5');
      assert.deepEqual(await versions('4', 2), ['6', '7'], 'a deleted version leaves a gap, not a shift');
      assert.deepEqual((await store.listVersions(A, 'g', undefined, 50)).map((v) => v.version), ['$LATEST']);
      assert.deepEqual(await store.listVersions(A, 'nope', undefined, 50), []);
      assert.deepEqual(await store.listVersions(A2, 'f', undefined, 50), []);
    });

    it('latestPublished is the highest number, never $LATEST', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      assert.equal(await store.latestPublished(A, 'f'), undefined);
      assert.equal(await store.latestPublished(A, 'nope'), undefined);
      for (let i = 0; i < 10; i++) await store.publishVersion(A, 'f', await fromLatest(store, A, 'f', { description: `v${i + 1}` }));
      assert.equal((await store.latestPublished(A, 'f'))?.version, '10', 'numeric, not text, order');
      assert.equal((await store.latestPublished(A, 'f'))?.description, 'v10');
      await store.deleteVersion(A, 'f', '10');
      assert.equal((await store.latestPublished(A, 'f'))?.version, '9');
      assert.equal(await store.latestPublished(A2, 'f'), undefined);
    });

    it('deleteVersion removes one version and returns its code hash only when nothing else uses it', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f', { codeSha256: sha('aa') }));
      await store.publishVersion(A, 'f', await fromLatest(store, A, 'f'));
      await store.putVersion(fn(A, 'f', { codeSha256: sha('bb') }));
      await store.publishVersion(A, 'f', await fromLatest(store, A, 'f'));
      await store.publishVersion(A, 'f', await fromLatest(store, A, 'f', { codeSha256: sha('cc') }));
      assert.deepEqual(await store.deleteVersion(A, 'f', '2'), [], '$LATEST still uses bb');
      assert.deepEqual(await store.deleteVersion(A, 'f', '1'), [sha('aa')]);
      assert.deepEqual(await store.deleteVersion(A, 'f', '1'), [], 'already gone');
      assert.deepEqual(await store.deleteVersion(A, 'nope', '1'), []);
      assert.deepEqual((await store.listVersions(A, 'f', undefined, 10)).map((v) => v.version), ['$LATEST', '3']);
      await store.insertFunction(fn(B, 'g', { codeSha256: sha('cc') }));
      assert.deepEqual(await store.deleteVersion(A, 'f', '3'), [], 'another account uses cc');
      assert.ok(await store.getVersion(A, 'f', '$LATEST'), 'the function stays');
    });
  });
}
