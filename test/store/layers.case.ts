/**
 * The shared store suite, part six: layer versions, the settings kept beside a function (tags,
 * policies, ...), code signing configs, and how layers keep code in use. Run by store.case.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Scope } from '../../src/core/model.js';
import type { CodeSigningConfigRecord, LayerVersionRecord } from '../../src/store/records.js';
import { A, A2, B, alias, fn, fromLatest, open, sha, type NewStore } from './fixtures.js';

function layer(scope: Scope, layerName: string, version: number, over: Partial<LayerVersionRecord> = {}): LayerVersionRecord {
  return {
    accountId: scope.accountId,
    region: scope.region,
    layerName,
    version,
    description: '',
    compatibleRuntimes: ['nodejs20.x'],
    compatibleArchitectures: undefined,
    licenseInfo: undefined,
    codeSha256: sha(`1a7e${layerName}`),
    codeSize: 10,
    createdAt: 1_700_000_000_000,
    policy: undefined,
    ...over,
  };
}

function csc(scope: Scope, id: string, over: Partial<CodeSigningConfigRecord> = {}): CodeSigningConfigRecord {
  return { ...scope, id, description: '', signingProfileVersionArns: ['arn:aws:signer:us-east-1:111111111111:/signing-profiles/p'], policy: 'Warn', lastModified: 1, tags: {}, ...over };
}

const ref = (tag: string): { arn: string; codeSha256: string; codeSize: number } => ({ arn: `arn:aws:lambda:us-east-1:111111111111:layer:${tag}:1`, codeSha256: sha(tag), codeSize: 1 });

export function layerCases(newStore: NewStore): void {
  describe('layer versions', () => {
    it('numbers versions 1, 2, ... per layer and scope, and never reuses a number, even once every version is gone', async (t) => {
      const store = open(t, newStore);
      const pub = async (scope: Scope, name: string): Promise<number> => (await store.layers.publish(scope, name, (v) => layer(scope, name, v))).version;
      assert.deepEqual([await pub(A, 'l'), await pub(A, 'l'), await pub(A, 'm'), await pub(A2, 'l'), await pub(B, 'l')], [1, 2, 1, 1, 1]);
      assert.equal(await store.layers.delete(A, 'l', 1), true);
      assert.equal(await store.layers.delete(A, 'l', 2), true);
      assert.equal(await store.layers.delete(A, 'l', 2), false);
      assert.deepEqual(await store.layers.names(A, undefined, 10), ['m']);
      assert.equal(await pub(A, 'l'), 3);
    });

    it('stores every member exactly, absent lists included, and reads back copies', async (t) => {
      const store = open(t, newStore);
      const full = layer(A, 'l', 1, { description: 'd', compatibleRuntimes: [], compatibleArchitectures: ['arm64', 'x86_64'], licenseInfo: 'MIT' });
      await store.layers.publish(A, 'l', () => full);
      const bare = layer(A, 'l', 2, { compatibleRuntimes: undefined });
      await store.layers.publish(A, 'l', () => bare);
      assert.deepEqual(await store.layers.get(A, 'l', 1), full);
      assert.deepEqual(await store.layers.get(A, 'l', 2), bare);
      assert.equal(await store.layers.get(A2, 'l', 1), undefined);
      (await store.layers.get(A, 'l', 1))!.compatibleArchitectures!.push('mips');
      assert.deepEqual((await store.layers.get(A, 'l', 1))!.compatibleArchitectures, ['arm64', 'x86_64']);
    });

    it('lists versions newest first below a position, and names in order after a position', async (t) => {
      const store = open(t, newStore);
      for (let i = 0; i < 4; i++) await store.layers.publish(A, 'b', (v) => layer(A, 'b', v));
      await store.layers.publish(A, 'a', (v) => layer(A, 'a', v));
      await store.layers.publish(A, 'c', (v) => layer(A, 'c', v));
      await store.layers.publish(B, 'z', (v) => layer(B, 'z', v));
      assert.deepEqual((await store.layers.versions(A, 'b', undefined, 2)).map((v) => v.version), [4, 3]);
      assert.deepEqual((await store.layers.versions(A, 'b', 3, 10)).map((v) => v.version), [2, 1]);
      assert.deepEqual(await store.layers.versions(A, 'nope', undefined, 10), []);
      assert.deepEqual(await store.layers.names(A, undefined, 2), ['a', 'b']);
      assert.deepEqual(await store.layers.names(A, 'b', 10), ['c']);
    });

    it('keeps a version permissions policy, replaced whole', async (t) => {
      const store = open(t, newStore);
      await store.layers.publish(A, 'l', (v) => layer(A, 'l', v));
      const policy = { statements: [{ Sid: 's1', Effect: 'Allow', Principal: '*', Action: 'lambda:GetLayerVersion' }], revisionId: 'r1' };
      assert.equal(await store.layers.putPolicy(A, 'l', 1, policy), true);
      assert.equal(await store.layers.putPolicy(A, 'l', 2, policy), false);
      assert.deepEqual((await store.layers.get(A, 'l', 1))!.policy, policy);
      await store.layers.putPolicy(A, 'l', 1, undefined);
      assert.equal((await store.layers.get(A, 'l', 1))!.policy, undefined);
    });

    it('code is in use while a layer version or any function version (as code or as a layer) holds it', async (t) => {
      const store = open(t, newStore);
      await store.layers.publish(A, 'l', (v) => layer(A, 'l', v, { codeSha256: sha('aa') }));
      assert.equal(await store.codeInUse(sha('aa')), true);
      await store.insertFunction(fn(A, 'f', { layers: [ref('aa'), ref('bb')] }));
      await store.layers.delete(A, 'l', 1);
      assert.equal(await store.codeInUse(sha('aa')), true, 'the function still uses the deleted layer');
      assert.equal(await store.codeInUse(sha('bb')), true);
      await store.publishVersion(A, 'f', await fromLatest(store, A, 'f'));
      await store.putVersion(fn(A, 'f', { layers: [ref('bb')] }));
      assert.equal(await store.codeInUse(sha('aa')), true, 'version 1 still uses it');
      assert.deepEqual((await store.deleteVersion(A, 'f', '1')).sort(), [sha('aa')]);
      assert.equal(await store.codeInUse(sha('aa')), false);
      assert.deepEqual((await store.deleteFunction(A, 'f')).sort(), [sha('bb'), sha('c0de')].sort());
    });

    it('layerSets lists each distinct ordered list of layer packages the function versions use', async (t) => {
      const store = open(t, newStore);
      assert.deepEqual(await store.layerSets(), []);
      await store.insertFunction(fn(A, 'f', { layers: [ref('aa'), ref('bb')] }));
      await store.insertFunction(fn(B, 'g', { layers: [ref('aa'), ref('bb')] }));
      await store.insertFunction(fn(A, 'h', { layers: [ref('bb'), ref('aa')] }));
      await store.insertFunction(fn(A, 'plain'));
      const sets = (await store.layerSets()).map((s) => s.join(',')).sort();
      assert.deepEqual(sets, [`${sha('aa')},${sha('bb')}`, `${sha('bb')},${sha('aa')}`]);
    });

    it('a function version keeps its layers as written', async (t) => {
      const store = open(t, newStore);
      const layers = [ref('aa'), ref('bb')];
      await store.insertFunction(fn(A, 'f', { layers }));
      assert.deepEqual((await store.getVersion(A, 'f', '$LATEST'))!.layers, layers);
      await store.putVersion(fn(A, 'f'));
      assert.equal((await store.getVersion(A, 'f', '$LATEST'))!.layers, undefined);
    });
  });

  describe('function settings', () => {
    it('one value per function, qualifier and kind, replaced whole', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      await store.insertFunction(fn(A, 'g'));
      await store.settings.put(A, 'f', '', 'tags', { a: '1' });
      await store.settings.put(A, 'f', '', 'tags', { b: '2' });
      await store.settings.put(A, 'f', '$LATEST', 'policy', { document: '{}' });
      await store.settings.put(A, 'g', '', 'tags', { c: '3' });
      assert.deepEqual(await store.settings.get(A, 'f', '', 'tags'), { b: '2' });
      assert.equal(await store.settings.get(A, 'f', '$LATEST', 'tags'), undefined);
      assert.equal(await store.settings.get(A2, 'f', '', 'tags'), undefined);
      assert.deepEqual(await store.settings.all(A, 'tags'), [
        { functionName: 'f', qualifier: '', value: { b: '2' } },
        { functionName: 'g', qualifier: '', value: { c: '3' } },
      ]);
      assert.equal(await store.settings.delete(A, 'f', '', 'tags'), true);
      assert.equal(await store.settings.delete(A, 'f', '', 'tags'), false);
      assert.equal(await store.settings.get(A, 'f', '', 'tags'), undefined);
    });

    it('cannot be written for a function that does not exist, and go with their function', async (t) => {
      const store = open(t, newStore);
      await assert.rejects(async () => await store.settings.put(A, 'f', '', 'tags', {}));
      await store.insertFunction(fn(A, 'f'));
      await store.settings.put(A, 'f', '', 'recursion', 'Allow');
      await store.deleteFunction(A, 'f');
      await store.insertFunction(fn(A, 'f'));
      assert.equal(await store.settings.get(A, 'f', '', 'recursion'), undefined);
    });

    it("a version's and an alias's go when they are deleted, not when they are updated", async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      await store.publishVersion(A, 'f', await fromLatest(store, A, 'f'));
      await store.aliases.insert(alias(A, 'f', 'live'));
      for (const q of ['$LATEST', '1', 'live']) await store.settings.put(A, 'f', q, 'policy', { q });
      await store.putVersion(fn(A, 'f', { revisionId: 'changed' }));
      await store.putVersion({ ...(await store.getVersion(A, 'f', '1'))!, revisionId: 'changed' });
      await store.aliases.put(alias(A, 'f', 'live', { revisionId: 'changed' }));
      assert.deepEqual((await store.settings.all(A, 'policy')).map((s) => s.qualifier), ['$LATEST', '1', 'live']);
      await store.aliases.delete(A, 'f', 'live');
      await store.deleteVersion(A, 'f', '1');
      assert.deepEqual((await store.settings.all(A, 'policy')).map((s) => s.qualifier), ['$LATEST']);
      await store.aliases.insert(alias(A, 'f', 'live'));
      assert.equal(await store.settings.get(A, 'f', 'live', 'policy'), undefined, 'a new alias of the same name starts without one');
    });
  });

  describe('code signing configs', () => {
    it('insert, get, put, list in id order after a position, delete; scoped', async (t) => {
      const store = open(t, newStore);
      await store.codeSigning.insert(csc(A, 'csc-bbbbbbbbbbbbbbbbb'));
      await store.codeSigning.insert(csc(A, 'csc-aaaaaaaaaaaaaaaaa', { tags: { k: 'v' } }));
      await store.codeSigning.insert(csc(A2, 'csc-ccccccccccccccccc'));
      await assert.rejects(async () => await store.codeSigning.insert(csc(A, 'csc-aaaaaaaaaaaaaaaaa')));
      assert.deepEqual(await store.codeSigning.get(A, 'csc-aaaaaaaaaaaaaaaaa'), csc(A, 'csc-aaaaaaaaaaaaaaaaa', { tags: { k: 'v' } }));
      await store.codeSigning.put(csc(A, 'csc-aaaaaaaaaaaaaaaaa', { policy: 'Enforce', description: 'x' }));
      assert.equal((await store.codeSigning.get(A, 'csc-aaaaaaaaaaaaaaaaa'))!.policy, 'Enforce');
      assert.deepEqual((await store.codeSigning.list(A, undefined, 10)).map((c) => c.id), ['csc-aaaaaaaaaaaaaaaaa', 'csc-bbbbbbbbbbbbbbbbb']);
      assert.deepEqual((await store.codeSigning.list(A, 'csc-aaaaaaaaaaaaaaaaa', 10)).map((c) => c.id), ['csc-bbbbbbbbbbbbbbbbb']);
      assert.equal(await store.codeSigning.delete(A, 'csc-bbbbbbbbbbbbbbbbb'), true);
      assert.equal(await store.codeSigning.delete(A, 'csc-bbbbbbbbbbbbbbbbb'), false);
      assert.equal(await store.codeSigning.get(A2, 'csc-aaaaaaaaaaaaaaaaa'), undefined);
    });
  });
}
