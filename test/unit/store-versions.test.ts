/**
 * The store's version, alias, URL and route tables, including opening a data dir created
 * before they existed (the migration is "create what is missing").
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { FunctionVersion } from '../../src/core/model.js';

const scope = { accountId: '000000000000', region: 'us-east-1' };

const latest = (name: string): FunctionVersion => ({
  ...scope,
  name,
  version: '$LATEST',
  runtime: 'nodejs20.x',
  handler: 'index.handler',
  role: 'r',
  description: '',
  timeout: 3,
  memorySize: 128,
  architectures: ['x86_64'],
  ephemeralStorageMb: 512,
  tracingMode: 'PassThrough',
  logFormat: 'Text',
  logGroup: `/aws/lambda/${name}`,
  packageType: 'Zip',
  environment: {},
  codeSha256: 'ab'.repeat(32),
  codeSize: 10,
  lastModified: 1,
  revisionId: 'rev',
});

test('an old data dir gains the new tables, and versions number from its rows', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'nimbus.db');
  // The schema as it was before versions: functions and function_versions only.
  const old = new Database(file);
  old.exec(`CREATE TABLE functions (account_id TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, created_at INTEGER NOT NULL,
      PRIMARY KEY (account_id, region, name));
    CREATE TABLE function_versions (account_id TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL,
      config TEXT NOT NULL, environment TEXT NOT NULL, code_sha256 TEXT NOT NULL, code_size INTEGER NOT NULL,
      last_modified INTEGER NOT NULL, revision_id TEXT NOT NULL, PRIMARY KEY (account_id, region, name, version),
      FOREIGN KEY (account_id, region, name) REFERENCES functions (account_id, region, name) ON DELETE CASCADE);`);
  old.close();
  const store = new SqliteStore(file);
  t.after(async () => await store.close());
  assert.equal(await store.insertFunction(latest('f')), true);
  const v1 = await store.publishVersion(scope, 'f', (version) => ({ ...latest('f'), version }));
  const v2 = await store.publishVersion(scope, 'f', (version) => ({ ...latest('f'), version }));
  assert.deepEqual([v1.version, v2.version], ['1', '2']);
  assert.deepEqual((await store.listVersions(scope, 'f', undefined, 10)).map((v) => v.version), ['$LATEST', '1', '2']);
  assert.deepEqual((await store.listVersions(scope, 'f', '$LATEST', 10)).map((v) => v.version), ['1', '2']);
  assert.equal((await store.latestPublished(scope, 'f'))?.version, '2');
  // Deleting the newest version does not free its number.
  await store.deleteVersion(scope, 'f', '2');
  assert.equal((await store.publishVersion(scope, 'f', (version) => ({ ...latest('f'), version }))).version, '3');
  assert.equal(await store.aliases.insert({ ...scope, functionName: 'f', name: 'live', functionVersion: '1', description: '', weights: { '3': 0.5 }, revisionId: 'r' }), true);
  assert.deepEqual((await store.aliases.referencing(scope, 'f', '3')).map((a) => a.name), ['live']);
  assert.equal(
    await store.urls.insert({ ...scope, functionName: 'f', qualifier: '', urlId: 'x'.repeat(32), authType: 'NONE', cors: undefined, invokeMode: 'BUFFERED', createdAt: 1, modifiedAt: 1 }),
    true,
  );
  // Deleting the function takes its aliases, URL configs and counter with it.
  await store.deleteFunction(scope, 'f');
  assert.equal(await store.aliases.get(scope, 'f', 'live'), undefined);
  assert.equal(await store.urls.byUrlId('x'.repeat(32)), undefined);
  await store.insertFunction(latest('f'));
  assert.equal((await store.publishVersion(scope, 'f', (version) => ({ ...latest('f'), version }))).version, '1');
});
