/**
 * Two `nimbus serve --cluster` nodes sharing a PostgreSQL and an etcd the test starts: what must be
 * shared beyond the queue is shared.
 * - A node refuses to start without the cluster's keyring (--key-file or NIMBUS_MASTER_KEY).
 * - A key created for the cluster (`nimbus keys create --cluster`) signs requests to both nodes, a
 *   wrong secret is refused by both, the audit log holds both nodes' requests, and a revocation
 *   counts at the other node too.
 * - A package uploaded with CreateFunction to node 1 is in PostgreSQL; node 2, which never received
 *   it, serves its download link (fetching it from PostgreSQL) and holds the same extracted tree.
 * Without PostgreSQL or etcd it skips, and fails under CI=true.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import pg from 'pg';
import { Keyring } from '../../src/secrets/keyring.js';
import { clusterBackends, clusterNodeEnv, skipWithoutCluster } from '../helpers/cluster.js';
import { until } from '../helpers/until.js';
import { request } from '../helpers/http.js';
import { makeZip, ROLE } from '../helpers/nimbus.js';
import { nimbusCli, serve } from '../helpers/serve.js';
import { tree } from '../helpers/tree.js';
import { signer, wireQuery } from '../helpers/sigv4.js';

const skip = skipWithoutCluster();

interface Key {
  AccessKeyId: string;
  SecretAccessKey: string;
}

const client = (url: string, k: Key): LambdaClient =>
  new LambdaClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey }, maxAttempts: 1 });


const errorName = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as Error).name;
  }
};

describe('cluster: keys, the keyring and code packages are shared by the nodes', { skip }, () => {
  const backends = clusterBackends();
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nimbus-shared-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start a cluster node without the shared keyring, saying what to give', async (t) => {
    const env = clusterNodeEnv(backends)('lonely');
    const err = await serve(t, { env }).then(
      () => 'started',
      (e: Error) => e.message,
    );
    assert.match(err, /--key-file/);
    assert.match(err, /NIMBUS_MASTER_KEY/);
  });

  it('a key made for the cluster signs requests to both nodes; a package uploaded to node 1 is fetched by node 2', async (t) => {
    // The keyring every node shares, as a file (the other cluster test uses NIMBUS_MASTER_KEY).
    const keyFile = join(dir, 'keyring.json');
    Keyring.open(keyFile, {});
    const env = clusterNodeEnv(backends, { NIMBUS_KEY_FILE: keyFile, NIMBUS_AUTH: 'keys' });
    const [n1, n2] = await Promise.all([serve(t, { env: env('n1') }), serve(t, { env: env('n2') })]);

    // The CLI needs the cluster's keyring too.
    const keyless = await nimbusCli(['keys', 'create', '--cluster', backends.pg.url]);
    assert.notEqual(keyless.code, 0);
    assert.match(keyless.stderr, /--key-file/);
    // The CLI writes the key into PostgreSQL, sealed with the cluster's keyring.
    const made = await nimbusCli(['keys', 'create', '--cluster', backends.pg.url, '--key-file', keyFile, '--name', 'deployer', '--json']);
    assert.equal(made.code, 0, made.stderr);
    const key = JSON.parse(made.stdout) as Key;
    const sql = new pg.Client({ connectionString: backends.pg.url });
    await sql.connect();
    t.after(async () => await sql.end());
    const row = (await sql.query<{ secret: Buffer; box: string }>('SELECT secret, box FROM auth_access_keys WHERE access_key_id = $1', [key.AccessKeyId])).rows[0]!;
    assert.equal(row.box, 'keyring');
    assert.ok(!row.secret.toString('latin1').includes(key.SecretAccessKey), 'the secret is sealed in PostgreSQL');

    const c1 = client(n1.url, key);
    const c2 = client(n2.url, key);
    const wrong = client(n2.url, { AccessKeyId: key.AccessKeyId, SecretAccessKey: randomBytes(30).toString('base64url') });
    t.after(() => [c1, c2, wrong].forEach((c) => c.destroy()));
    assert.deepEqual(await c1.send(new ListFunctionsCommand({})).then((r) => r.Functions), []);
    assert.deepEqual(await c2.send(new ListFunctionsCommand({})).then((r) => r.Functions), []);
    assert.equal(await errorName(wrong.send(new ListFunctionsCommand({}))), 'InvalidSignatureException');

    // Code: uploaded to node 1 only.
    const zip = await makeZip({
      'index.mjs': 'export const handler = async () => "shared";',
      'lib/data.bin': randomBytes(1_500_000),
      'bin/tool': { content: '#!/bin/sh\necho hi\n', mode: 0o100755 },
      'lib/alias': { content: 'data.bin', symlink: true },
    });
    const created = await c1.send(new CreateFunctionCommand({ FunctionName: 'shared', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zip } }));
    const sha = Buffer.from(created.CodeSha256!, 'base64').toString('hex');
    assert.equal(sha, createHash('sha256').update(zip).digest('hex'));
    const blobs = await sql.query<{ size: string; chunks: number }>('SELECT size, chunks FROM code_blobs WHERE sha256 = $1', [sha]);
    assert.deepEqual(blobs.rows.map((r) => [Number(r.size), r.chunks]), [[zip.length, 2]]);

    // Node 1's download link, asked of node 2 (signed, as --auth keys requires): node 2 fetches the package from PostgreSQL.
    const location = new URL((await c1.send(new GetFunctionCommand({ FunctionName: 'shared' }))).Code!.Location!);
    const port = Number(new URL(n2.url).port);
    const query = Object.fromEntries(location.searchParams);
    const signed = await signer({ accessKeyId: key.AccessKeyId, secret: key.SecretAccessKey }).sign({
      method: 'GET',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port,
      path: location.pathname,
      query,
      headers: { host: `127.0.0.1:${port}` },
    });
    const got = await request(port, { path: `${location.pathname}?${wireQuery(query)}`, headers: signed.headers });
    assert.equal(got.status, 200, got.body.toString());
    assert.ok(got.body.equals(zip), 'node 2 serves the bytes node 1 received');
    assert.deepEqual(tree(join(n2.dataDir, 'code', sha, 'task')), tree(join(n1.dataDir, 'code', sha, 'task')), 'and holds the same extracted tree');

    // The shared keyring is not changed through one node (the others would not follow).
    const body = Buffer.from('{}');
    const rot = await signer({ accessKeyId: key.AccessKeyId, secret: key.SecretAccessKey }).sign({
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port,
      path: '/nimbus/v1/secrets/rotate',
      query: {},
      headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json' },
      body,
    });
    const rotated = await request(port, { method: 'POST', path: '/nimbus/v1/secrets/rotate', headers: rot.headers, body });
    assert.equal(rotated.status, 400, rotated.body.toString());
    assert.match(rotated.body.toString(), /all nodes share/);

    // Both nodes' requests are in the one audit log.
    const audit = await nimbusCli(['audit', '--cluster', backends.pg.url, '--key-file', keyFile, '--json', '--limit', '100']);
    assert.equal(audit.code, 0, audit.stderr);
    const actions = (JSON.parse(audit.stdout) as { action: string; accessKeyId: string }[]).filter((e) => e.accessKeyId === key.AccessKeyId).map((e) => e.action);
    assert.ok(actions.includes('lambda:CreateFunction'), actions.join());
    assert.ok(actions.filter((a) => a === 'lambda:ListFunctions').length >= 2, actions.join());

    // Revoked through the CLI: refused by node 2 as well (within its key cache's lifetime).
    const revoked = await nimbusCli(['keys', 'revoke', key.AccessKeyId, '--cluster', backends.pg.url, '--key-file', keyFile]);
    assert.equal(revoked.code, 0, revoked.stderr);
    const refusal = await until('node 2 refuses the revoked key', async () => {
      const name = await errorName(c2.send(new ListFunctionsCommand({})));
      return name === 'ok' ? undefined : name;
    });
    assert.equal(refusal, 'UnrecognizedClientException');
  });
});
