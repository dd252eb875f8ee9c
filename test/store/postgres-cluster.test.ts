/**
 * What only a shared database adds to the store contract: two PgStore instances on one
 * PostgreSQL schema stand for two cluster nodes. What one writes the other reads; publishing at
 * once from both never hands out one version number twice; a delete or an update through one
 * reaches the other's version cache (invalidated by NOTIFY), also after its listening connection
 * was cut. Sealed environments open on either node with the shared keyring, and re-encryption
 * after a rotation is seen by both.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import pg from 'pg';
import { Keyring } from '../../src/secrets/keyring.js';
import { SecretBox } from '../../src/secrets/secret-box.js';
import { LISTENER_NAME } from '../../src/pg/listener.js';
import { PgStore } from '../../src/store/pg/store.js';
import type { SecretSealer } from '../../src/store/types.js';
import { skipWithoutPostgres, suitePostgres } from '../helpers/postgres.js';
import { A, alias, api, fn, fromLatest, route, sha } from './fixtures.js';

/** Polls `check` until it holds; the bound only keeps a broken invalidation from hanging the test. */
async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Reads a version through a node until its cache holds it: a read that a notification overtook
 * (the other node's write of a moment ago) rightly leaves the cache empty.
 */
async function warm(store: PgStore, name: string): Promise<void> {
  await until(`${name} is cached`, async () => {
    await store.getVersion(A, name, '$LATEST');
    return store.cachedVersion(A, name, '$LATEST') !== undefined;
  });
}

const skip = skipWithoutPostgres();
if (skip) {
  it('store: two PostgreSQL stores on one database', { skip }, () => undefined);
} else {
  describe('store: two PostgreSQL stores on one database (two cluster nodes)', () => {
    const server = suitePostgres();
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-pg-cluster-'));
    after(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    let n = 0;

    /** Two stores on one fresh schema, both open (migrated, their caches listening). */
    async function nodes(t: TestContext, sealer?: SecretSealer): Promise<[PgStore, PgStore, string]> {
      const schema = `cluster_case_${++n}`;
      const one = new PgStore({ url: server.url, schema, poolSize: 4, ...(sealer ? { sealer } : {}) });
      const two = new PgStore({ url: server.url, schema, poolSize: 4, ...(sealer ? { sealer } : {}) });
      t.after(async () => {
        await one.close();
        await two.close();
      });
      await Promise.all([one.open(), two.open()]);
      return [one, two, schema];
    }

    it('a function, its versions, aliases, settings and layers written through one node are read through the other', async (t) => {
      const [one, two] = await nodes(t);
      const f = fn(A, 'f', { environment: { K: 'v' } });
      assert.equal(await one.insertFunction(f), true);
      assert.deepEqual(await two.getVersion(A, 'f', '$LATEST'), f);
      assert.equal(await two.insertFunction(fn(A, 'f')), false, 'the name is taken on every node');
      await one.publishVersion(A, 'f', await fromLatest(one, A, 'f'));
      assert.deepEqual((await two.listVersions(A, 'f', undefined, 10)).map((v) => v.version), ['$LATEST', '1']);
      assert.equal(await one.aliases.insert(alias(A, 'f', 'live')), true);
      assert.equal((await two.aliases.get(A, 'f', 'live'))?.functionVersion, '1');
      await two.settings.put(A, 'f', '', 'tags', { team: 'a' });
      assert.deepEqual(await one.settings.get(A, 'f', '', 'tags'), { team: 'a' });
      await two.concurrency.set(A, 'f', 5);
      assert.equal(await one.concurrency.get(A, 'f'), 5);
      const layer = await one.layers.publish(A, 'lib', (version) => ({
        ...A, layerName: 'lib', version, description: '', compatibleRuntimes: undefined, compatibleArchitectures: undefined,
        licenseInfo: undefined, codeSha256: sha('1a'), codeSize: 1, createdAt: 1, policy: undefined,
      }));
      assert.deepEqual(await two.layers.get(A, 'lib', 1), layer);
      assert.deepEqual((await two.listFunctions(A, undefined, 10)).map((v) => v.name), ['f']);
    });

    it('creating one name through both nodes at once: exactly one create wins', async (t) => {
      const [one, two] = await nodes(t);
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? one : two).insertFunction(fn(A, 'f', { description: `by ${i}` }))));
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.equal((await two.getVersion(A, 'f', '$LATEST'))?.description, `by ${winner}`);
    });

    it('publishing at once through both nodes hands out every version number exactly once', async (t) => {
      const [one, two] = await nodes(t);
      await one.insertFunction(fn(A, 'f'));
      const build = await fromLatest(one, A, 'f');
      const each = 15;
      const published = await Promise.all(
        Array.from({ length: each * 2 }, (_, i) => (i % 2 === 0 ? one : two).publishVersion(A, 'f', build)),
      );
      const numbers = published.map((v) => Number(v.version)).sort((a, b) => a - b);
      assert.deepEqual(numbers, Array.from({ length: each * 2 }, (_, i) => i + 1));
      assert.equal((await one.latestPublished(A, 'f'))?.version, String(each * 2));
      // Numbers are never reused: after deleting the newest, the next one is still new.
      await two.deleteVersion(A, 'f', String(each * 2));
      assert.equal((await one.publishVersion(A, 'f', build)).version, String(each * 2 + 1));
    });

    it('layer versions published at once through both nodes get distinct numbers', async (t) => {
      const [one, two] = await nodes(t);
      const publish = (s: PgStore): Promise<number> =>
        s.layers
          .publish(A, 'lib', (version) => ({
            ...A, layerName: 'lib', version, description: '', compatibleRuntimes: undefined, compatibleArchitectures: undefined,
            licenseInfo: undefined, codeSha256: sha('1a'), codeSize: 1, createdAt: 1, policy: undefined,
          }))
          .then((v) => v.version);
      const numbers = (await Promise.all(Array.from({ length: 20 }, (_, i) => publish(i % 2 === 0 ? one : two)))).sort((a, b) => a - b);
      assert.deepEqual(numbers, Array.from({ length: 20 }, (_, i) => i + 1));
    });

    it("a delete and an update through one node reach the other node's version cache", async (t) => {
      const [one, two] = await nodes(t);
      await one.insertFunction(fn(A, 'f', { memorySize: 128 }));
      // The other node reads it once: from then on its invoke path answers from memory.
      await warm(two, 'f');
      assert.equal(two.cachedVersion(A, 'f', '$LATEST')?.memorySize, 128);
      await one.putVersion(fn(A, 'f', { memorySize: 256 }));
      await until('the update invalidates the other cache', () => two.cachedVersion(A, 'f', '$LATEST')?.memorySize !== 128);
      assert.equal((await two.getVersion(A, 'f', '$LATEST'))?.memorySize, 256);
      await warm(two, 'f');
      assert.equal(two.cachedVersion(A, 'f', '$LATEST')?.memorySize, 256);
      await one.deleteFunction(A, 'f');
      // A control-plane read never waits for the notification.
      assert.equal(await two.getVersion(A, 'f', '$LATEST'), undefined);
      await until('the delete invalidates the other cache', () => two.cachedVersion(A, 'f', '$LATEST') === undefined);
      assert.deepEqual(await two.listFunctions(A, undefined, 10), []);
    });

    it('a node whose listening connection was cut answers nothing from its cache until it listens again', async (t) => {
      const [one, two] = await nodes(t);
      await one.insertFunction(fn(A, 'f', { memorySize: 128 }));
      await warm(two, 'f');
      assert.equal(two.cachedVersion(A, 'f', '$LATEST')?.memorySize, 128);
      // Cut every listening connection (both nodes'): notifications sent now would be lost.
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      t.after(() => admin.end());
      const cut = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [LISTENER_NAME]);
      assert.ok((cut.rowCount ?? 0) >= 2, 'both listeners found');
      await until('the cut node stops answering from its cache', () => two.cachedVersion(A, 'f', '$LATEST') === undefined);
      await one.putVersion(fn(A, 'f', { memorySize: 512 }));
      // It reconnects (after about a second), starts empty and fills from PostgreSQL again.
      await warm(two, 'f');
      assert.equal(two.cachedVersion(A, 'f', '$LATEST')?.memorySize, 512);
    });

    it("changes of what nodes hold in memory (routes, reservations) are announced to every node's onChange", async (t) => {
      const [one, two] = await nodes(t);
      const heard: string[] = [];
      two.onChange((what) => heard.push(what));
      await one.insertFunction(fn(A, 'f'));
      await one.routes.replaceStack(A, 's', [route(A, 's', 'GET', '/a', 'f')], [api(A, 's', 'Api', 'api0000001')]);
      await until('the route change is heard', () => heard.includes('routes'));
      assert.deepEqual((await two.routes.all()).map((r) => r.path), ['/a']);
      await one.concurrency.set(A, 'f', 3);
      await until('the reservation is heard', () => heard.includes('concurrency'));
      heard.length = 0;
      // Deleting the function drops its reservation by cascade: that is announced too.
      await one.deleteFunction(A, 'f');
      await until('the cascade is heard', () => heard.includes('concurrency'));
      assert.deepEqual(await two.concurrency.all(A.accountId), []);
    });

    it('a node whose listening connection stalls (no answers, no error) stops answering from its cache', async (t) => {
      const [one, two] = await nodes(t);
      await one.insertFunction(fn(A, 'f', { memorySize: 128 }));
      await warm(two, 'f');
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      t.after(() => admin.end());
      // Freeze the server processes serving the listening connections, as a partition would.
      const pids = (await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [LISTENER_NAME])).rows.map((r) => r.pid);
      assert.ok(pids.length >= 2, 'both listeners found');
      t.after(() => {
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGCONT');
          } catch {
            // already gone
          }
        }
      });
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      // The change is committed, but its notification cannot arrive.
      await one.putVersion(fn(A, 'f', { memorySize: 512 }));
      await until('the stalled node stops answering from its cache', () => two.cachedVersion(A, 'f', '$LATEST') === undefined);
      assert.equal((await two.getVersion(A, 'f', '$LATEST'))?.memorySize, 512);
      for (const pid of pids) process.kill(pid, 'SIGCONT');
      // It listens again (a new connection) and serves from its cache again.
      await warm(two, 'f');
      assert.equal(two.cachedVersion(A, 'f', '$LATEST')?.memorySize, 512);
    });

    it('environments are sealed in PostgreSQL, open on either node, and re-encryption after a rotation reaches both', async (t) => {
      const ring = Keyring.open(join(dir, `keyring-${n}.json`));
      const box = new SecretBox(ring);
      const [one, two, schema] = await nodes(t, box);
      await one.insertFunction(fn(A, 'f', { environment: { SECRET: 'hunter2-plain' } }));
      assert.deepEqual((await two.getVersion(A, 'f', '$LATEST'))?.environment, { SECRET: 'hunter2-plain' });
      const raw = async (): Promise<string> => {
        const c = new pg.Client({ connectionString: server.url });
        await c.connect();
        try {
          return (await c.query<{ environment: string }>(`SELECT environment FROM ${schema}.function_versions`)).rows[0]!.environment;
        } finally {
          await c.end();
        }
      };
      const before = await raw();
      assert.ok(!before.includes('hunter2-plain') && box.isSealed(before), 'the column holds a sealed value');
      const [fresh] = ring.rotate(['default']);
      const r = await two.reencryptSecrets();
      assert.equal(r.rewritten, 1);
      assert.deepEqual(r.keyIdsInUse, [fresh!.id]);
      assert.notEqual(await raw(), before);
      assert.deepEqual((await one.getVersion(A, 'f', '$LATEST'))?.environment, { SECRET: 'hunter2-plain' });
      assert.deepEqual(await one.reencryptSecrets(), { rewritten: 0, keyIdsInUse: [fresh!.id] });
    });
  });
}
