/**
 * The shared store suite, part one: functions and their `$LATEST` (insert, get, put, delete,
 * list, usage, code references), scoped by account and region. Run by store.case.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { A, A2, B, fn, fromLatest, open, scribble, sha, type NewStore } from './fixtures.js';

export function functionCases(newStore: NewStore): void {
  describe('functions', () => {
    it('insertFunction stores $LATEST, and refuses a taken name without touching the first', (t) => {
      const store = open(t, newStore);
      const f = fn(A, 'f', { deadLetterTargetArn: 'arn:aws:sqs:us-east-1:111111111111:dlq' });
      assert.equal(store.insertFunction(f), true);
      assert.deepEqual(store.getVersion(A, 'f', '$LATEST'), f);
      assert.equal(store.insertFunction(fn(A, 'f', { description: 'second' })), false);
      assert.equal(store.getVersion(A, 'f', '$LATEST')?.description, '');
    });

    it('the same name in another region or account is another function', (t) => {
      const store = open(t, newStore);
      for (const [scope, memorySize] of [[A, 128], [A2, 256], [B, 512]] as const) {
        assert.equal(store.insertFunction(fn(scope, 'f', { memorySize })), true);
      }
      assert.equal(store.getVersion(A, 'f', '$LATEST')?.memorySize, 128);
      assert.equal(store.getVersion(A2, 'f', '$LATEST')?.memorySize, 256);
      assert.equal(store.getVersion(B, 'f', '$LATEST')?.memorySize, 512);
      assert.equal(store.getVersion(B, 'f', '$LATEST')?.accountId, B.accountId);
      assert.equal(store.getVersion({ accountId: B.accountId, region: A2.region }, 'f', '$LATEST'), undefined);
    });

    it('getVersion answers undefined for an unknown function or version', (t) => {
      const store = open(t, newStore);
      store.insertFunction(fn(A, 'f'));
      assert.equal(store.getVersion(A, 'g', '$LATEST'), undefined);
      assert.equal(store.getVersion(A, 'f', '1'), undefined);
    });

    it('putVersion replaces $LATEST whole: an optional member left out is gone', (t) => {
      const store = open(t, newStore);
      store.insertFunction(fn(A, 'f', { deadLetterTargetArn: 'arn:aws:sns:us-east-1:111111111111:t' }));
      const next = fn(A, 'f', { environment: { A: '1', B: '2' }, architectures: ['arm64'], timeout: 30, codeSha256: sha('beef'), revisionId: 'r2' });
      store.putVersion(next);
      assert.deepEqual(store.getVersion(A, 'f', '$LATEST'), next);
      assert.equal(store.getVersion(A, 'f', '$LATEST')?.deadLetterTargetArn, undefined);
    });

    it('putVersion refuses a version of a function that does not exist, and stores nothing', (t) => {
      const store = open(t, newStore);
      assert.throws(() => store.putVersion(fn(A, 'ghost')));
      assert.equal(store.getVersion(A, 'ghost', '$LATEST'), undefined);
      assert.equal(store.insertFunction(fn(A, 'ghost')), true);
    });

    it('deleteFunction removes every version and returns the code hashes nothing else uses', (t) => {
      const store = open(t, newStore);
      store.insertFunction(fn(A, 'f', { codeSha256: sha('aa') }));
      store.publishVersion(A, 'f', fromLatest(store, A, 'f'));
      store.publishVersion(A, 'f', fromLatest(store, A, 'f', { codeSha256: sha('bb') }));
      store.publishVersion(A, 'f', fromLatest(store, A, 'f', { codeSha256: sha('cc') }));
      // `bb` is also used by a function in another account: it stays referenced.
      store.insertFunction(fn(B, 'g', { codeSha256: sha('bb') }));
      assert.deepEqual(store.deleteFunction(A, 'f').sort(), [sha('aa'), sha('cc')]);
      for (const v of ['$LATEST', '1', '2', '3']) assert.equal(store.getVersion(A, 'f', v), undefined);
      assert.deepEqual(store.listVersions(A, 'f', undefined, 10), []);
      assert.equal(store.codeInUse(sha('bb')), true);
      assert.equal(store.codeInUse(sha('aa')), false);
      // The name is free again.
      assert.equal(store.insertFunction(fn(A, 'f')), true);
    });

    it('deleteFunction of an unknown function returns nothing, and only touches its own scope', (t) => {
      const store = open(t, newStore);
      assert.deepEqual(store.deleteFunction(A, 'nope'), []);
      store.insertFunction(fn(A, 'f', { codeSha256: sha('11') }));
      store.insertFunction(fn(A2, 'f', { codeSha256: sha('11') }));
      assert.deepEqual(store.deleteFunction(A, 'f'), [], 'the other region still uses the code');
      assert.equal(store.getVersion(A, 'f', '$LATEST'), undefined);
      assert.ok(store.getVersion(A2, 'f', '$LATEST'));
      assert.deepEqual(store.deleteFunction(A2, 'f'), [sha('11')]);
    });

    it('listFunctions lists $LATEST in name order, pages after a name (exclusive) and stays in its scope', (t) => {
      const store = open(t, newStore);
      for (const name of ['delta', 'alpha', 'Zulu', 'charlie', 'bravo', 'alpha-2']) store.insertFunction(fn(A, name));
      store.insertFunction(fn(A2, 'aardvark'));
      store.insertFunction(fn(B, 'aaa'));
      store.publishVersion(A, 'bravo', fromLatest(store, A, 'bravo'));
      const names = (after: string | undefined, limit: number): string[] => store.listFunctions(A, after, limit).map((v) => v.name);
      // Byte order: upper case before lower case.
      assert.deepEqual(names(undefined, 50), ['Zulu', 'alpha', 'alpha-2', 'bravo', 'charlie', 'delta']);
      assert.ok(store.listFunctions(A, undefined, 50).every((v) => v.version === '$LATEST'));
      assert.deepEqual(names(undefined, 2), ['Zulu', 'alpha']);
      assert.deepEqual(names('alpha', 2), ['alpha-2', 'bravo']);
      assert.deepEqual(names('bravo', 50), ['charlie', 'delta']);
      assert.deepEqual(names('b', 1), ['bravo'], 'a position need not be a name that exists');
      assert.deepEqual(names('delta', 50), []);
      assert.deepEqual(names(undefined, 0), []);
      assert.deepEqual(store.listFunctions(A2, undefined, 50).map((v) => v.name), ['aardvark']);
      assert.deepEqual(store.listFunctions({ accountId: B.accountId, region: 'ap-south-1' }, undefined, 50), []);
    });

    it('listAllVersions walks every version, by name then $LATEST and numerically, from any position', (t) => {
      const store = open(t, newStore);
      store.insertFunction(fn(A, 'b'));
      store.insertFunction(fn(A, 'a'));
      store.insertFunction(fn(A2, 'a'));
      for (let i = 0; i < 10; i++) store.publishVersion(A, 'a', fromLatest(store, A, 'a'));
      store.publishVersion(A, 'b', fromLatest(store, A, 'b'));
      const key = (v: { name: string; version: string }): string => `${v.name}:${v.version}`;
      const expected = ['a:$LATEST', ...Array.from({ length: 10 }, (_, i) => `a:${i + 1}`), 'b:$LATEST', 'b:1'];
      assert.deepEqual(store.listAllVersions(A, undefined, 100).map(key), expected);
      assert.deepEqual(store.listAllVersions(A, { name: 'a', version: '$LATEST' }, 2).map(key), ['a:1', 'a:2']);
      assert.deepEqual(store.listAllVersions(A, { name: 'a', version: '9' }, 3).map(key), ['a:10', 'b:$LATEST', 'b:1']);
      assert.deepEqual(store.listAllVersions(A, { name: 'a', version: '10' }, 100).map(key), ['b:$LATEST', 'b:1']);
      assert.deepEqual(store.listAllVersions(A, { name: 'b', version: '1' }, 100), []);
      // Paging by the last item of each page sees every version once.
      const seen: string[] = [];
      let after: { name: string; version: string } | undefined;
      for (;;) {
        const page = store.listAllVersions(A, after, 5);
        seen.push(...page.map(key));
        const last = page.at(-1);
        if (!last) break;
        after = { name: last.name, version: last.version };
      }
      assert.deepEqual(seen, expected);
      assert.deepEqual(store.listAllVersions(A2, undefined, 100).map(key), ['a:$LATEST']);
    });

    it('usage counts the functions of a scope and the code size of every version', (t) => {
      const store = open(t, newStore);
      assert.deepEqual(store.usage(A), { functionCount: 0, totalCodeSize: 0 });
      store.insertFunction(fn(A, 'f', { codeSize: 100 }));
      store.insertFunction(fn(A, 'g', { codeSize: 30 }));
      store.publishVersion(A, 'f', fromLatest(store, A, 'f'));
      store.insertFunction(fn(A2, 'h', { codeSize: 7 }));
      store.insertFunction(fn(B, 'f', { codeSize: 1000 }));
      assert.deepEqual(store.usage(A), { functionCount: 2, totalCodeSize: 230 });
      assert.deepEqual(store.usage(A2), { functionCount: 1, totalCodeSize: 7 });
      assert.deepEqual(store.usage(B), { functionCount: 1, totalCodeSize: 1000 });
      store.deleteFunction(A, 'f');
      assert.deepEqual(store.usage(A), { functionCount: 1, totalCodeSize: 30 });
    });

    it('codeInUse sees a version in any scope, published or $LATEST', (t) => {
      const store = open(t, newStore);
      assert.equal(store.codeInUse(sha('aa')), false);
      store.insertFunction(fn(B, 'f', { codeSha256: sha('aa') }));
      store.publishVersion(B, 'f', fromLatest(store, B, 'f'));
      store.putVersion(fn(B, 'f', { codeSha256: sha('bb') }));
      assert.equal(store.codeInUse(sha('aa')), true, 'version 1 keeps it');
      assert.equal(store.codeInUse(sha('bb')), true);
      store.deleteVersion(B, 'f', '1');
      assert.equal(store.codeInUse(sha('aa')), false);
    });

    it('what a read returns is a copy: changing it changes nothing stored', (t) => {
      const store = open(t, newStore);
      store.insertFunction(fn(A, 'f'));
      store.publishVersion(A, 'f', fromLatest(store, A, 'f'));
      const reads = [
        store.getVersion(A, 'f', '$LATEST')!,
        store.getVersion(A, 'f', '1')!,
        ...store.listFunctions(A, undefined, 10),
        ...store.listAllVersions(A, undefined, 10),
        ...store.listVersions(A, 'f', undefined, 10),
        store.latestPublished(A, 'f')!,
      ];
      for (const v of reads) {
        scribble(v.environment, () => (v.environment['STAGE'] = 'changed'));
        scribble(v.architectures, () => v.architectures.push('arm64'));
        scribble(v, () => (v.memorySize = 1));
      }
      for (const version of ['$LATEST', '1']) {
        const v = store.getVersion(A, 'f', version)!;
        assert.deepEqual([v.environment, v.architectures, v.memorySize], [{ STAGE: 'test' }, ['x86_64'], 128]);
      }
    });

    it('what a write is given is copied: the caller changing it afterwards changes nothing stored', (t) => {
      const store = open(t, newStore);
      const f = fn(A, 'f');
      store.insertFunction(f);
      f.environment['STAGE'] = 'changed';
      f.architectures.push('arm64');
      const next = fn(A, 'f', { timeout: 9 });
      store.putVersion(next);
      next.timeout = 10;
      next.environment['X'] = 'y';
      const published = store.publishVersion(A, 'f', fromLatest(store, A, 'f'));
      published.description = 'changed';
      const latest = store.getVersion(A, 'f', '$LATEST')!;
      assert.deepEqual([latest.timeout, latest.environment, latest.architectures], [9, { STAGE: 'test' }, ['x86_64']]);
      assert.equal(store.getVersion(A, 'f', '1')?.description, '');
    });
  });
}
