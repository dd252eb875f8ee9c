/**
 * Code blobs in PostgreSQL (cluster mode): two CodeStores with data directories of their own (two
 * nodes) share one PgBlobSource. A package uploaded through one is fetched by the other on first
 * use, hash-checked and extracted to the same tree; identical packages are stored once; a deleted
 * one leaves PostgreSQL; a corrupted one is refused. Without PostgreSQL it skips, and fails under
 * CI=true (test/helpers/postgres.ts).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { CodeStore } from '../../src/store/code-store.js';
import { CHUNK_BYTES, PgBlobSource } from '../../src/store/pg-blob-source.js';
import { makeZip } from '../helpers/nimbus.js';
import { skipWithoutPostgres, suitePostgres } from '../helpers/postgres.js';
import { tree } from '../helpers/tree.js';

const skip = skipWithoutPostgres();

describe('code blobs in PostgreSQL', { skip }, () => {
  const server = suitePostgres();
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const dir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'nimbus-blobs-'));
    dirs.push(d);
    return d;
  };
  /** Two nodes' code stores over one schema, and a plain client to look at the tables. */
  async function twoNodes(t: { after: (fn: () => Promise<void>) => void }) {
    const schema = server.schema('blobs');
    const a = new CodeStore(dir(), await PgBlobSource.open({ url: server.url, schema, poolSize: 2 }));
    const b = new CodeStore(dir(), await PgBlobSource.open({ url: server.url, schema, poolSize: 2 }));
    const sql = new pg.Client({ connectionString: server.url, options: `-c search_path=${schema}` });
    await sql.connect();
    t.after(async () => {
      await a.close();
      await b.close();
      await sql.end();
    });
    return { a, b, sql };
  }

  test('a package put on one node is fetched, checked and extracted identically on another', async (t) => {
    const { a, b, sql } = await twoNodes(t);
    // Incompressible and larger than two chunks: it spans three rows.
    const big = randomBytes(CHUNK_BYTES * 2 + 12345);
    const zip = await makeZip({ 'index.mjs': 'export const handler = async () => 1;', 'lib/data.bin': big, 'bin/run': { content: '#!/bin/sh\n', mode: 0o100755 }, 'lib/link': { content: 'data.bin', symlink: true } });
    const stored = await a.put(zip);
    assert.equal(stored.sha256Hex, createHash('sha256').update(zip).digest('hex'));
    const chunks = await sql.query<{ n: string }>('SELECT count(*) AS n FROM code_chunks WHERE sha256 = $1', [stored.sha256Hex]);
    assert.equal(Number(chunks.rows[0]!.n), Math.ceil(zip.length / CHUNK_BYTES));
    assert.ok(Number(chunks.rows[0]!.n) >= 3);

    assert.equal(existsSync(b.taskDir(stored.sha256Hex)), false, 'node 2 has not seen it yet');
    const fetching = b.ensure([stored.sha256Hex]);
    assert.ok(fetching, 'node 2 has something to fetch');
    await fetching;
    assert.deepEqual(tree(b.taskDir(stored.sha256Hex)), tree(a.taskDir(stored.sha256Hex)));
    assert.ok(readFileSync(b.zipPath(stored.sha256Hex)).equals(zip));
    assert.equal(b.unzippedSize(stored.sha256Hex), a.unzippedSize(stored.sha256Hex));
    assert.equal(b.ensure([stored.sha256Hex]), undefined, 'once local, nothing to wait for');
  });

  test('identical packages are stored once, whichever node received them', async (t) => {
    const { a, b, sql } = await twoNodes(t);
    const zip = await makeZip({ 'index.js': 'exports.handler = async () => 2;' });
    const [x, y] = await Promise.all([a.put(zip), b.put(zip)]);
    assert.equal(x.sha256Hex, y.sha256Hex);
    await a.put(zip);
    const blobs = await sql.query<{ n: string }>('SELECT count(*) AS n FROM code_blobs');
    const chunks = await sql.query<{ n: string }>('SELECT count(*) AS n FROM code_chunks');
    assert.deepEqual([Number(blobs.rows[0]!.n), Number(chunks.rows[0]!.n)], [1, 1]);
  });

  test('a package that does not extract never reaches PostgreSQL', async (t) => {
    const { a, sql } = await twoNodes(t);
    await assert.rejects(a.put(Buffer.from('not a zip at all')));
    const blobs = await sql.query<{ n: string }>('SELECT count(*) AS n FROM code_blobs');
    assert.equal(Number(blobs.rows[0]!.n), 0);
  });

  test('removing a package deletes it from PostgreSQL; a node that has not seen it can no longer fetch it', async (t) => {
    const { a, b, sql } = await twoNodes(t);
    const keep = await a.put(await makeZip({ 'index.js': 'exports.handler = async () => "keep";' }));
    const gone = await a.put(await makeZip({ 'index.js': 'exports.handler = async () => "gone";' }));
    a.remove(gone.sha256Hex);
    await a.close();
    assert.equal(existsSync(a.taskDir(gone.sha256Hex)), false);
    const left = await sql.query<{ sha256: string }>('SELECT DISTINCT sha256 FROM code_chunks UNION SELECT sha256 FROM code_blobs');
    assert.deepEqual(left.rows.map((r) => r.sha256), [keep.sha256Hex]);
    await assert.rejects(b.ensure([gone.sha256Hex])!, /in no store of this cluster/);
    await b.ensure([keep.sha256Hex]);
    assert.ok(existsSync(join(b.taskDir(keep.sha256Hex), 'index.js')));
  });

  test('a chunk altered in PostgreSQL fails the hash check and nothing is extracted', async (t) => {
    const { a, b, sql } = await twoNodes(t);
    const s = await a.put(await makeZip({ 'index.js': 'exports.handler = async () => "x";' }));
    await sql.query("UPDATE code_chunks SET bytes = overlay(bytes placing '\\xff'::bytea from 40) WHERE sha256 = $1", [s.sha256Hex]);
    await assert.rejects(b.ensure([s.sha256Hex])!, /hashes to/);
    assert.equal(existsSync(b.taskDir(s.sha256Hex)), false);
  });

  test('a single node (no BlobSource) never has anything to fetch', async () => {
    const one = new CodeStore(dir());
    const s = await one.put(await makeZip({ 'index.js': 'exports.handler = async () => 3;' }));
    assert.equal(one.ensure([s.sha256Hex, 'f'.repeat(64)]), undefined);
    await one.close();
  });
});
