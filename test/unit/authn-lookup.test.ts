/**
 * The Authenticator's key lookup (src/api/http/authn.ts): a key in the store's memory is answered
 * synchronously from the credential the verifier parsed; any other is read from the store and the
 * checks run again with the answer. Requests in flight at once, one waiting on the store and one
 * answered from memory, must each get their own key, and every refusal stays the same.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteAccountStore } from '../../src/accounts/store.js';
import { Authenticator, type AuthMode, type Authenticated } from '../../src/api/http/authn.js';
import type { RequestContext } from '../../src/api/http/context.js';
import { AWS_REGIONS } from '../../src/api/http/regions.js';
import { sha256Hex } from '../../src/auth/sha256.js';
import { signHeaders } from '../../src/auth/sigv4-sign.js';
import { NimbusError } from '../../src/core/errors.js';

const PATH = '/2015-03-31/functions/f/invocations';
const HOST = '127.0.0.1:9000';
const BODY = Buffer.from('{"n":1}');

function request(creds: { accessKeyId: string; secretAccessKey: string }, o: { tamper?: boolean } = {}): RequestContext & Authenticated {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...signHeaders({ method: 'POST', host: HOST, target: PATH, headers: { 'content-type': 'application/json' }, body: BODY, region: 'us-east-1', service: 'lambda', credentials: creds }) };
  if (o.tamper) headers['authorization'] = headers['authorization']!.slice(0, -1) + (headers['authorization']!.endsWith('0') ? '1' : '0');
  const raw = ['Host', HOST, 'Content-Length', String(BODY.length), ...Object.entries(headers).flat()];
  const lower: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) lower[raw[i]!.toLowerCase()] = raw[i + 1]!;
  return { req: { method: 'POST', url: PATH, rawHeaders: raw, headers: lower }, method: 'POST', bodyRead: false, scope: {}, body: async () => BODY } as unknown as RequestContext & Authenticated;
}

/** Authenticates and, as the server does when the handler reads the body, checks the body. */
async function authenticate(a: Authenticator, ctx: RequestContext & Authenticated): Promise<void> {
  await a.authenticate(ctx, ['lambda']);
  ctx.verifyBody?.(sha256Hex(BODY));
}

const errorCode = (e: unknown): string => (e instanceof NimbusError ? e.code : String(e));

async function withStores(fn: (o: { server: SqliteAccountStore; cli: SqliteAccountStore; auth: (mode: AuthMode) => Authenticator }) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-authn-lookup-'));
  // Two connections, as the server and the CLI: keys the CLI makes are not in the server's memory.
  const server = new SqliteAccountStore(join(dir, 'auth.db'));
  const cli = new SqliteAccountStore(join(dir, 'auth.db'));
  try {
    await fn({ server, cli, auth: (mode) => new Authenticator({ mode, regions: AWS_REGIONS, keys: server }) });
  } finally {
    await server.close();
    await cli.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a key not in memory is read from the store and verified; one in memory is answered at once, each request with its own key', async () => {
  await withStores(async ({ server, cli, auth }) => {
    const a = auth('keys');
    const warm = await cli.createKey('default', { name: 'warm' });
    const warmCreds = { accessKeyId: warm.accessKeyId, secretAccessKey: warm.secretAccessKey };
    // Read once, so it is in the server's memory from now on.
    assert.ok(await server.activeKey(warm.accessKeyId));
    assert.equal(server.cachedKey(warm.accessKeyId)?.accessKeyId, warm.accessKeyId);
    const other = await cli.createAccount('other');
    const cold = await cli.createKey(other.accountId, { name: 'cold' });
    const coldCreds = { accessKeyId: cold.accessKeyId, secretAccessKey: cold.secretAccessKey };
    // The new key is unknown to the server's memory until a request makes it read the store.
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(server.cachedKey(cold.accessKeyId), undefined);
    // The cold request waits on the store while the warm one is answered from memory.
    const c1 = request(coldCreds);
    const c2 = request(warmCreds);
    await Promise.all([authenticate(a, c1), authenticate(a, c2)]);
    assert.equal(c1.principal?.accessKeyId, cold.accessKeyId);
    assert.equal(c1.principal?.accountId, other.accountId);
    assert.equal(c1.scope.accountId, other.accountId);
    assert.equal(c1.scope.region, 'us-east-1');
    assert.equal(c2.principal?.accessKeyId, warm.accessKeyId);
    assert.equal(c2.principal?.arn, 'arn:aws:iam::000000000000:user/warm');
    assert.equal(server.cachedKey(cold.accessKeyId)?.accessKeyId, cold.accessKeyId, 'read into memory');
  });
});

test('refusals are unchanged on both paths: a wrong signature, an unknown key, a revoked key', async () => {
  await withStores(async ({ server, cli, auth }) => {
    const a = auth('keys');
    const k = await cli.createKey('default');
    const creds = { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey };
    // Not in memory yet: the store path.
    await assert.rejects(authenticate(a, request(creds, { tamper: true })), (e) => errorCode(e) === 'ERR_INVALID_SIGNATURE');
    // In memory now: the synchronous path.
    assert.ok(server.cachedKey(k.accessKeyId));
    await assert.rejects(authenticate(a, request(creds, { tamper: true })), (e) => errorCode(e) === 'ERR_INVALID_SIGNATURE');
    await authenticate(a, request(creds));
    const unknown = { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) };
    await assert.rejects(authenticate(a, request(unknown)), (e) => errorCode(e) === 'ERR_UNRECOGNIZED_CLIENT');
    await cli.revokeKey(k.accessKeyId);
    await new Promise((r) => setTimeout(r, 150));
    await assert.rejects(authenticate(a, request(creds)), (e) => errorCode(e) === 'ERR_UNRECOGNIZED_CLIENT');
  });
});

test('local mode: an unknown key is accepted unchecked as the default account, a known one is verified', async () => {
  await withStores(async ({ cli, auth }) => {
    const a = auth('local');
    const ctx = request({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) });
    await authenticate(a, ctx);
    assert.equal(ctx.principal?.kind, 'local');
    assert.equal(ctx.principal?.accessKeyId, 'AKIAUNKNOWNUNKNOWN00');
    const k = await cli.createKey('default');
    const creds = { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey };
    await assert.rejects(authenticate(a, request(creds, { tamper: true })), (e) => errorCode(e) === 'ERR_INVALID_SIGNATURE');
    const good = request(creds);
    await authenticate(a, good);
    assert.equal(good.principal?.kind, 'key');
  });
});
