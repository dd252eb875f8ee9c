/**
 * The shared store suite, part one: functions and their `$LATEST` (insert, get, put, delete,
 * list, usage, code references), scoped by account and region. Run by store.case.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { A, A2, B, fn, fromLatest, open, scribble, sha, type NewStore } from './fixtures.js';

export function functionCases(newStore: NewStore): void {
  describe('functions', () => {
    it('insertFunction stores $LATEST, and refuses a taken name without touching the first', async (t) => {
      const store = open(t, newStore);
      const f = fn(A, 'f', { deadLetterTargetArn: 'arn:aws:sqs:us-east-1:111111111111:dlq' });
      assert.equal(await store.insertFunction(f), true);
      assert.deepEqual(await store.getVersion(A, 'f', '$LATEST'), f);
      assert.equal(await store.insertFunction(fn(A, 'f', { description: 'second' })), false);
      assert.equal((await store.getVersion(A, 'f', '$LATEST'))?.description, '');
    });

    it('the same name in another region or account is another function', async (t) => {
      const store = open(t, newStore);
      for (const [scope, memorySize] of [[A, 128], [A2, 256], [B, 512]] as const) {
        assert.equal(await store.insertFunction(fn(scope, 'f', { memorySize })), true);
      }
      assert.equal((await store.getVersion(A, 'f', '$LATEST'))?.memorySize, 128);
      assert.equal((await store.getVersion(A2, 'f', '$LATEST'))?.memorySize, 256);
      assert.equal((await store.getVersion(B, 'f', '$LATEST'))?.memorySize, 512);
      assert.equal((await store.getVersion(B, 'f', '$LATEST'))?.accountId, B.accountId);
      assert.equal(await store.getVersion({ accountId: B.accountId, region: A2.region }, 'f', '$LATEST'), undefined);
    });

    it('getVersion answers undefined for an unknown function or version', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      assert.equal(await store.getVersion(A, 'g', '$LATEST'), undefined);
      assert.equal(await store.getVersion(A, 'f', '1'), undefined);
    });

    it('putVersion replaces $LATEST whole: an optional member left out is gone', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f', { deadLetterTargetArn: 'arn:aws:sns:us-east-1:111111111111:t' }));
      const next = fn(A, 'f', { environment: { A: '1', B: '2' }, architectures: ['arm64'], timeout: 30, codeSha256: sha('beef'), revisionId: 'r2' });
      await store.putVersion(next);
      assert.deepEqual(await store.getVersion(A, 'f', '$LATEST'), next);
      assert.equal((await store.getVersion(A, 'f', '$LATEST'))?.deadLetterTargetArn, undefined);
    });

    it('putVersion refuses a version of a function that does not exist, and stores nothing', async (t) => {
      const store = open(t, newStore);
      await assert.rejects(async () => await store.putVersion(fn(A, 'ghost')));
      assert.equal(await store.getVersion(A, 'ghost', '$LATEST'), undefined);
      assert.equal(await store.insertFunction(fn(A, 'ghost')), true);
    });

    it('deleteFunction removes every version and returns the code hashes nothing else uses', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f', { codeSha256: sha('aa') }));
      await store.publishVersion(A, 'f', await fromLatest(store, A, 'f'));
      await store.publishVersion(A, 'f', await fromLatest(store, A, 'f', { codeSha256: sha('bb') }));
      await store.publishVersion(A, 'f', await fromLatest(store, A, 'f', { codeSha256: sha('cc') }));
      // `bb` is also used by a function in another account: it stays referenced.
      await store.insertFunction(fn(B, 'g', { codeSha256: sha('bb') }));
      assert.deepEqual((await store.deleteFunction(A, 'f')).sort(), [sha('aa'), sha('cc')]);
      for (const v of ['$LATEST', '1', '2', '3']) assert.equal(await store.getVersion(A, 'f', v), undefined);
      assert.deepEqual(await store.listVersions(A, 'f', undefined, 10), []);
      assert.equal(await store.codeInUse(sha('bb')), true);
      assert.equal(await store.codeInUse(sha('aa')), false);
      // The name is free again.
      assert.equal(await store.insertFunction(fn(A, 'f')), true);
    });

    it('deleteFunction of an unknown function returns nothing, and only touches its own scope', async (t) => {
      const store = open(t, newStore);
      assert.deepEqual(await store.deleteFunction(A, 'nope'), []);
      await store.insertFunction(fn(A, 'f', { codeSha256: sha('11') }));
      await store.insertFunction(fn(A2, 'f', { codeSha256: sha('11') }));
      assert.deepEqual(await store.deleteFunction(A, 'f'), [], 'the other region still uses the code');
      assert.equal(await store.getVersion(A, 'f', '$LATEST'), undefined);
      assert.ok(await store.getVersion(A2, 'f', '$LATEST'));
      assert.deepEqual(await store.deleteFunction(A2, 'f'), [sha('11')]);
    });

    it('listFunctions lists $LATEST in name order, pages after a name (exclusive) and stays in its scope', async (t) => {
      const store = open(t, newStore);
      for (const name of ['delta', 'alpha', 'Zulu', 'charlie', 'bravo', 'alpha-2']) await store.insertFunction(fn(A, name));
      await store.insertFunction(fn(A2, 'aardvark'));
      await store.insertFunction(fn(B, 'aaa'));
      await store.publishVersion(A, 'bravo', await fromLatest(store, A, 'bravo'));
      const names = async (after: string | undefined, limit: number): Promise<string[]> => (await store.listFunctions(A, after, limit)).map((v) => v.name);
      // Byte order: upper case before lower case.
      assert.deepEqual(await names(undefined, 50), ['Zulu', 'alpha', 'alpha-2', 'bravo', 'charlie', 'delta']);
      assert.ok((await store.listFunctions(A, undefined, 50)).every((v) => v.version === '$LATEST'));
      assert.deepEqual(await names(undefined, 2), ['Zulu', 'alpha']);
      assert.deepEqual(await names('alpha', 2), ['alpha-2', 'bravo']);
      assert.deepEqual(await names('bravo', 50), ['charlie', 'delta']);
      assert.deepEqual(await names('b', 1), ['bravo'], 'a position need not be a name that exists');
      assert.deepEqual(await names('delta', 50), []);
      assert.deepEqual(await names(undefined, 0), []);
      assert.deepEqual((await store.listFunctions(A2, undefined, 50)).map((v) => v.name), ['aardvark']);
      assert.deepEqual(await store.listFunctions({ accountId: B.accountId, region: 'ap-south-1' }, undefined, 50), []);
    });

    it('listAllVersions walks every version, by name then $LATEST and numerically, from any position', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'b'));
      await store.insertFunction(fn(A, 'a'));
      await store.insertFunction(fn(A2, 'a'));
      for (let i = 0; i < 10; i++) await store.publishVersion(A, 'a', await fromLatest(store, A, 'a'));
      await store.publishVersion(A, 'b', await fromLatest(store, A, 'b'));
      const key = (v: { name: string; version: string }): string => `${v.name}:${v.version}`;
      const expected = ['a:$LATEST', ...Array.from({ length: 10 }, (_, i) => `a:${i + 1}`), 'b:$LATEST', 'b:1'];
      assert.deepEqual((await store.listAllVersions(A, undefined, 100)).map(key), expected);
      assert.deepEqual((await store.listAllVersions(A, { name: 'a', version: '$LATEST' }, 2)).map(key), ['a:1', 'a:2']);
      assert.deepEqual((await store.listAllVersions(A, { name: 'a', version: '9' }, 3)).map(key), ['a:10', 'b:$LATEST', 'b:1']);
      assert.deepEqual((await store.listAllVersions(A, { name: 'a', version: '10' }, 100)).map(key), ['b:$LATEST', 'b:1']);
      assert.deepEqual(await store.listAllVersions(A, { name: 'b', version: '1' }, 100), []);
      // Paging by the last item of each page sees every version once.
      const seen: string[] = [];
      let after: { name: string; version: string } | undefined;
      for (;;) {
        const page = await store.listAllVersions(A, after, 5);
        seen.push(...page.map(key));
        const last = page.at(-1);
        if (!last) break;
        after = { name: last.name, version: last.version };
      }
      assert.deepEqual(seen, expected);
      assert.deepEqual((await store.listAllVersions(A2, undefined, 100)).map(key), ['a:$LATEST']);
    });

    it('usage counts the functions of a scope and the code size of every version', async (t) => {
      const store = open(t, newStore);
      assert.deepEqual(await store.usage(A), { functionCount: 0, totalCodeSize: 0 });
      await store.insertFunction(fn(A, 'f', { codeSize: 100 }));
      await store.insertFunction(fn(A, 'g', { codeSize: 30 }));
      await store.publishVersion(A, 'f', await fromLatest(store, A, 'f'));
      await store.insertFunction(fn(A2, 'h', { codeSize: 7 }));
      await store.insertFunction(fn(B, 'f', { codeSize: 1000 }));
      assert.deepEqual(await store.usage(A), { functionCount: 2, totalCodeSize: 230 });
      assert.deepEqual(await store.usage(A2), { functionCount: 1, totalCodeSize: 7 });
      assert.deepEqual(await store.usage(B), { functionCount: 1, totalCodeSize: 1000 });
      await store.deleteFunction(A, 'f');
      assert.deepEqual(await store.usage(A), { functionCount: 1, totalCodeSize: 30 });
    });

    it('codeInUse sees a version in any scope, published or $LATEST', async (t) => {
      const store = open(t, newStore);
      assert.equal(await store.codeInUse(sha('aa')), false);
      await store.insertFunction(fn(B, 'f', { codeSha256: sha('aa') }));
      await store.publishVersion(B, 'f', await fromLatest(store, B, 'f'));
      await store.putVersion(fn(B, 'f', { codeSha256: sha('bb') }));
      assert.equal(await store.codeInUse(sha('aa')), true, 'version 1 keeps it');
      assert.equal(await store.codeInUse(sha('bb')), true);
      await store.deleteVersion(B, 'f', '1');
      assert.equal(await store.codeInUse(sha('aa')), false);
    });

    it('what a read returns is a copy: changing it changes nothing stored', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      await store.publishVersion(A, 'f', await fromLatest(store, A, 'f'));
      const reads = [
        (await store.getVersion(A, 'f', '$LATEST'))!,
        (await store.getVersion(A, 'f', '1'))!,
        ...await store.listFunctions(A, undefined, 10),
        ...await store.listAllVersions(A, undefined, 10),
        ...await store.listVersions(A, 'f', undefined, 10),
        (await store.latestPublished(A, 'f'))!,
      ];
      for (const v of reads) {
        scribble(v.environment, () => (v.environment['STAGE'] = 'changed'));
        scribble(v.architectures, () => v.architectures.push('arm64'));
        scribble(v, () => (v.memorySize = 1));
      }
      for (const version of ['$LATEST', '1']) {
        const v = (await store.getVersion(A, 'f', version))!;
        assert.deepEqual([v.environment, v.architectures, v.memorySize], [{ STAGE: 'test' }, ['x86_64'], 128]);
      }
    });

    it('what a write is given is copied: the caller changing it afterwards changes nothing stored', async (t) => {
      const store = open(t, newStore);
      const f = fn(A, 'f');
      await store.insertFunction(f);
      f.environment['STAGE'] = 'changed';
      f.architectures.push('arm64');
      const next = fn(A, 'f', { timeout: 9 });
      await store.putVersion(next);
      next.timeout = 10;
      next.environment['X'] = 'y';
      const published = await store.publishVersion(A, 'f', await fromLatest(store, A, 'f'));
      published.description = 'changed';
      const latest = (await store.getVersion(A, 'f', '$LATEST'))!;
      assert.deepEqual([latest.timeout, latest.environment, latest.architectures], [9, { STAGE: 'test' }, ['x86_64']]);
      assert.equal((await store.getVersion(A, 'f', '1'))?.description, '');
    });
  });
}
