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
    it('numbers versions 1, 2, ... per layer and scope, and never reuses a number, even once every version is gone', (t) => {
      const store = open(t, newStore);
      const pub = (scope: Scope, name: string): number => store.layers.publish(scope, name, (v) => layer(scope, name, v)).version;
      assert.deepEqual([pub(A, 'l'), pub(A, 'l'), pub(A, 'm'), pub(A2, 'l'), pub(B, 'l')], [1, 2, 1, 1, 1]);
      assert.equal(store.layers.delete(A, 'l', 1), true);
      assert.equal(store.layers.delete(A, 'l', 2), true);
      assert.equal(store.layers.delete(A, 'l', 2), false);
      assert.deepEqual(store.layers.names(A, undefined, 10), ['m']);
      assert.equal(pub(A, 'l'), 3);
    });

    it('stores every member exactly, absent lists included, and reads back copies', (t) => {
      const store = open(t, newStore);
      const full = layer(A, 'l', 1, { description: 'd', compatibleRuntimes: [], compatibleArchitectures: ['arm64', 'x86_64'], licenseInfo: 'MIT' });
      store.layers.publish(A, 'l', () => full);
      const bare = layer(A, 'l', 2, { compatibleRuntimes: undefined });
      store.layers.publish(A, 'l', () => bare);
      assert.deepEqual(store.layers.get(A, 'l', 1), full);
      assert.deepEqual(store.layers.get(A, 'l', 2), bare);
      assert.equal(store.layers.get(A2, 'l', 1), undefined);
      store.layers.get(A, 'l', 1)!.compatibleArchitectures!.push('mips');
      assert.deepEqual(store.layers.get(A, 'l', 1)!.compatibleArchitectures, ['arm64', 'x86_64']);
    });

    it('lists versions newest first below a position, and names in order after a position', (t) => {
      const store = open(t, newStore);
      for (let i = 0; i < 4; i++) store.layers.publish(A, 'b', (v) => layer(A, 'b', v));
      store.layers.publish(A, 'a', (v) => layer(A, 'a', v));
      store.layers.publish(A, 'c', (v) => layer(A, 'c', v));
      store.layers.publish(B, 'z', (v) => layer(B, 'z', v));
      assert.deepEqual(store.layers.versions(A, 'b', undefined, 2).map((v) => v.version), [4, 3]);
      assert.deepEqual(store.layers.versions(A, 'b', 3, 10).map((v) => v.version), [2, 1]);
      assert.deepEqual(store.layers.versions(A, 'nope', undefined, 10), []);
      assert.deepEqual(store.layers.names(A, undefined, 2), ['a', 'b']);
      assert.deepEqual(store.layers.names(A, 'b', 10), ['c']);
    });

    it('keeps a version permissions policy, replaced whole', (t) => {
      const store = open(t, newStore);
      store.layers.publish(A, 'l', (v) => layer(A, 'l', v));
      const policy = { statements: [{ Sid: 's1', Effect: 'Allow', Principal: '*', Action: 'lambda:GetLayerVersion' }], revisionId: 'r1' };
      assert.equal(store.layers.putPolicy(A, 'l', 1, policy), true);
      assert.equal(store.layers.putPolicy(A, 'l', 2, policy), false);
      assert.deepEqual(store.layers.get(A, 'l', 1)!.policy, policy);
      store.layers.putPolicy(A, 'l', 1, undefined);
      assert.equal(store.layers.get(A, 'l', 1)!.policy, undefined);
    });

    it('code is in use while a layer version or any function version (as code or as a layer) holds it', (t) => {
      const store = open(t, newStore);
      store.layers.publish(A, 'l', (v) => layer(A, 'l', v, { codeSha256: sha('aa') }));
      assert.equal(store.codeInUse(sha('aa')), true);
      store.insertFunction(fn(A, 'f', { layers: [ref('aa'), ref('bb')] }));
      store.layers.delete(A, 'l', 1);
      assert.equal(store.codeInUse(sha('aa')), true, 'the function still uses the deleted layer');
      assert.equal(store.codeInUse(sha('bb')), true);
      store.publishVersion(A, 'f', fromLatest(store, A, 'f'));
      store.putVersion(fn(A, 'f', { layers: [ref('bb')] }));
      assert.equal(store.codeInUse(sha('aa')), true, 'version 1 still uses it');
      assert.deepEqual(store.deleteVersion(A, 'f', '1').sort(), [sha('aa')]);
      assert.equal(store.codeInUse(sha('aa')), false);
      assert.deepEqual(store.deleteFunction(A, 'f').sort(), [sha('bb'), sha('c0de')].sort());
    });

    it('layerSets lists each distinct ordered list of layer packages the function versions use', (t) => {
      const store = open(t, newStore);
      assert.deepEqual(store.layerSets(), []);
      store.insertFunction(fn(A, 'f', { layers: [ref('aa'), ref('bb')] }));
      store.insertFunction(fn(B, 'g', { layers: [ref('aa'), ref('bb')] }));
      store.insertFunction(fn(A, 'h', { layers: [ref('bb'), ref('aa')] }));
      store.insertFunction(fn(A, 'plain'));
      const sets = store.layerSets().map((s) => s.join(',')).sort();
      assert.deepEqual(sets, [`${sha('aa')},${sha('bb')}`, `${sha('bb')},${sha('aa')}`]);
    });

    it('a function version keeps its layers as written', (t) => {
      const store = open(t, newStore);
      const layers = [ref('aa'), ref('bb')];
      store.insertFunction(fn(A, 'f', { layers }));
      assert.deepEqual(store.getVersion(A, 'f', '$LATEST')!.layers, layers);
      store.putVersion(fn(A, 'f'));
      assert.equal(store.getVersion(A, 'f', '$LATEST')!.layers, undefined);
    });
  });

  describe('function settings', () => {
    it('one value per function, qualifier and kind, replaced whole', (t) => {
      const store = open(t, newStore);
      store.insertFunction(fn(A, 'f'));
      store.insertFunction(fn(A, 'g'));
      store.settings.put(A, 'f', '', 'tags', { a: '1' });
      store.settings.put(A, 'f', '', 'tags', { b: '2' });
      store.settings.put(A, 'f', '$LATEST', 'policy', { document: '{}' });
      store.settings.put(A, 'g', '', 'tags', { c: '3' });
      assert.deepEqual(store.settings.get(A, 'f', '', 'tags'), { b: '2' });
      assert.equal(store.settings.get(A, 'f', '$LATEST', 'tags'), undefined);
      assert.equal(store.settings.get(A2, 'f', '', 'tags'), undefined);
      assert.deepEqual(store.settings.all(A, 'tags'), [
        { functionName: 'f', qualifier: '', value: { b: '2' } },
        { functionName: 'g', qualifier: '', value: { c: '3' } },
      ]);
      assert.equal(store.settings.delete(A, 'f', '', 'tags'), true);
      assert.equal(store.settings.delete(A, 'f', '', 'tags'), false);
      assert.equal(store.settings.get(A, 'f', '', 'tags'), undefined);
    });

    it('cannot be written for a function that does not exist, and go with their function', (t) => {
      const store = open(t, newStore);
      assert.throws(() => store.settings.put(A, 'f', '', 'tags', {}));
      store.insertFunction(fn(A, 'f'));
      store.settings.put(A, 'f', '', 'recursion', 'Allow');
      store.deleteFunction(A, 'f');
      store.insertFunction(fn(A, 'f'));
      assert.equal(store.settings.get(A, 'f', '', 'recursion'), undefined);
    });

    it("a version's and an alias's go when they are deleted, not when they are updated", (t) => {
      const store = open(t, newStore);
      store.insertFunction(fn(A, 'f'));
      store.publishVersion(A, 'f', fromLatest(store, A, 'f'));
      store.aliases.insert(alias(A, 'f', 'live'));
      for (const q of ['$LATEST', '1', 'live']) store.settings.put(A, 'f', q, 'policy', { q });
      store.putVersion(fn(A, 'f', { revisionId: 'changed' }));
      store.putVersion({ ...store.getVersion(A, 'f', '1')!, revisionId: 'changed' });
      store.aliases.put(alias(A, 'f', 'live', { revisionId: 'changed' }));
      assert.deepEqual(store.settings.all(A, 'policy').map((s) => s.qualifier), ['$LATEST', '1', 'live']);
      store.aliases.delete(A, 'f', 'live');
      store.deleteVersion(A, 'f', '1');
      assert.deepEqual(store.settings.all(A, 'policy').map((s) => s.qualifier), ['$LATEST']);
      store.aliases.insert(alias(A, 'f', 'live'));
      assert.equal(store.settings.get(A, 'f', 'live', 'policy'), undefined, 'a new alias of the same name starts without one');
    });
  });

  describe('code signing configs', () => {
    it('insert, get, put, list in id order after a position, delete; scoped', (t) => {
      const store = open(t, newStore);
      store.codeSigning.insert(csc(A, 'csc-bbbbbbbbbbbbbbbbb'));
      store.codeSigning.insert(csc(A, 'csc-aaaaaaaaaaaaaaaaa', { tags: { k: 'v' } }));
      store.codeSigning.insert(csc(A2, 'csc-ccccccccccccccccc'));
      assert.throws(() => store.codeSigning.insert(csc(A, 'csc-aaaaaaaaaaaaaaaaa')));
      assert.deepEqual(store.codeSigning.get(A, 'csc-aaaaaaaaaaaaaaaaa'), csc(A, 'csc-aaaaaaaaaaaaaaaaa', { tags: { k: 'v' } }));
      store.codeSigning.put(csc(A, 'csc-aaaaaaaaaaaaaaaaa', { policy: 'Enforce', description: 'x' }));
      assert.equal(store.codeSigning.get(A, 'csc-aaaaaaaaaaaaaaaaa')!.policy, 'Enforce');
      assert.deepEqual(store.codeSigning.list(A, undefined, 10).map((c) => c.id), ['csc-aaaaaaaaaaaaaaaaa', 'csc-bbbbbbbbbbbbbbbbb']);
      assert.deepEqual(store.codeSigning.list(A, 'csc-aaaaaaaaaaaaaaaaa', 10).map((c) => c.id), ['csc-bbbbbbbbbbbbbbbbb']);
      assert.equal(store.codeSigning.delete(A, 'csc-bbbbbbbbbbbbbbbbb'), true);
      assert.equal(store.codeSigning.delete(A, 'csc-bbbbbbbbbbbbbbbbb'), false);
      assert.equal(store.codeSigning.get(A2, 'csc-aaaaaaaaaaaaaaaaa'), undefined);
    });
  });
}
