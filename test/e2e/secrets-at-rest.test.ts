/**
 * Secrets at rest (docs/security.md), end to end through a real Nimbus, the AWS SDK and the real
 * files of its data directory: a canary environment value is never found in plain text in any
 * file (raw bytes) after create, update and delete; a deleted function's ciphertext is gone too
 * (not left in free pages or the WAL); `KMSKeyArn` selects a named key of the keyring and an
 * unknown one is refused as Lambda refuses it; rotation re-encrypts and drops the old key; an
 * environment that no longer decrypts fails Invoke with Lambda's 502 KMS errors.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, describe, it, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import {
  DeleteFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { startNimbus, type Nimbus } from '../../src/app.js';
import { deployNode, payloadJson, sdkClient } from '../helpers/nimbus.js';
import { NIMBUS_BIN } from '../helpers/serve.js';

/** The CLI runs while this process serves: it must not block the event loop (no spawnSync). */
const run = promisify(execFile);

const ECHO_ENV = { 'index.js': 'exports.handler = async (e) => ({ value: process.env[e.name] ?? null });\n' };

/** Every regular file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) out.push(...filesUnder(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/** The files of the data directory whose raw bytes contain `needle`. */
function grep(dataDir: string, needle: string): string[] {
  const n = Buffer.from(needle);
  return filesUnder(dataDir).filter((f) => readFileSync(f).includes(n));
}

/** The stored (sealed) environment column of a function version, read from the database file. */
function storedEnvironment(dataDir: string, name: string, version = '$LATEST'): string {
  const db = new Database(join(dataDir, 'nimbus.db'), { readonly: true, fileMustExist: true });
  try {
    const r = db.prepare('SELECT environment FROM function_versions WHERE name = ? AND version = ?').get(name, version) as { environment: string };
    return r.environment;
  } finally {
    db.close();
  }
}

interface Server {
  nimbus: Nimbus;
  lambda: LambdaClient;
  stop(): Promise<void>;
}

async function serve(dataDir: string, extra: Record<string, unknown> = {}): Promise<Server> {
  const nimbus = await startNimbus({ port: 0, dataDir, isolation: 'process', log: () => undefined, shutdownGraceMs: 2000, ...extra });
  const lambda = sdkClient(nimbus.url);
  return {
    nimbus,
    lambda,
    stop: async () => {
      lambda.destroy();
      await nimbus.close();
    },
  };
}

/** Temp dirs, removed after the suite (after every server of every test has stopped). */
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(_t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'nimbus-secrets-'));
  dirs.push(d);
  return d;
}

async function envOf(lambda: LambdaClient, fn: string, name: string): Promise<unknown> {
  const out = await lambda.send(new InvokeCommand({ FunctionName: fn, Payload: JSON.stringify({ name }) }));
  assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
  return (payloadJson(out.Payload) as { value: unknown }).value;
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${base}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

describe('secrets at rest', () => {
  it('a canary environment value is never in any file of the data directory: after create, update and delete', async (t) => {
    const dataDir = tempDir(t);
    const s = await serve(dataDir);
    t.after(() => s.stop());
    const canary = `canary-${randomUUID()}`;
    await deployNode(s.lambda, 'keeper', ECHO_ENV, { Environment: { Variables: { SECRET: canary } } });
    // The function sees it, the API shows it to its owner, and no file holds it.
    assert.equal(await envOf(s.lambda, 'keeper', 'SECRET'), canary);
    const conf = await s.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'keeper' }));
    assert.deepEqual(conf.Environment?.Variables, { SECRET: canary });
    assert.deepEqual(grep(dataDir, canary), [], 'after create');
    assert.match(storedEnvironment(dataDir, 'keeper'), /^nimbus-enc:1:k-[0-9a-f]{16}:/);

    const canary2 = `canary-${randomUUID()}`;
    await s.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'keeper', Environment: { Variables: { SECRET: canary2 } } }));
    assert.equal(await envOf(s.lambda, 'keeper', 'SECRET'), canary2);
    assert.deepEqual(grep(dataDir, canary), [], 'the old value after update');
    assert.deepEqual(grep(dataDir, canary2), [], 'the new value after update');

    // The sealed value itself leaves with the function: no copy in free pages or the WAL.
    const sealed = storedEnvironment(dataDir, 'keeper');
    const body = sealed.slice(sealed.lastIndexOf(':') + 1);
    assert.notDeepEqual(grep(dataDir, body), [], 'the ciphertext is found while the function exists (the check can fail)');
    await s.lambda.send(new DeleteFunctionCommand({ FunctionName: 'keeper' }));
    assert.deepEqual(grep(dataDir, body), [], 'the ciphertext after delete');
    assert.deepEqual(grep(dataDir, canary2), [], 'after delete');
    assert.deepEqual(grep(dataDir, canary), [], 'after delete');
  });

  it('the keyring file is made 0600 on first start; a key file others can read is refused', async (t) => {
    const dataDir = tempDir(t);
    let s = await serve(dataDir);
    await s.stop();
    const keyFile = join(dataDir, 'keyring.json');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    chmodSync(keyFile, 0o644);
    await assert.rejects(serve(dataDir), /readable by other users/);
    chmodSync(keyFile, 0o600);
    // An explicit --key-file elsewhere is made there, not in the data directory.
    const elsewhere = join(tempDir(t), 'ring.json');
    s = await serve(tempDir(t), { keyFile: elsewhere });
    await s.stop();
    assert.ok(existsSync(elsewhere));
  });

  it('an environment stored in plain text by an older Nimbus is sealed at start, and its plain text leaves the files', async (t) => {
    const dataDir = tempDir(t);
    const canary = `canary-${randomUUID()}`;
    // A first server makes the function; then its row is put back in plain text, as before encryption.
    let s = await serve(dataDir);
    await deployNode(s.lambda, 'old', ECHO_ENV, { Environment: { Variables: { SECRET: canary } } });
    await s.stop();
    const db = new Database(join(dataDir, 'nimbus.db'));
    db.prepare("UPDATE function_versions SET environment = ? WHERE name = 'old'").run(JSON.stringify({ SECRET: canary }));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    assert.notDeepEqual(grep(dataDir, canary), [], 'the plain text is there before the upgrade (the check can fail)');
    s = await serve(dataDir);
    t.after(() => s.stop());
    assert.deepEqual(grep(dataDir, canary), []);
    assert.equal(await envOf(s.lambda, 'old', 'SECRET'), canary);
  });

  it('KMSKeyArn selects a named key; an unknown one is refused; a key gone from the keyring fails Invoke with KMSNotFoundException', async (t) => {
    const dataDir = tempDir(t);
    let s = await serve(dataDir);
    const unknown = 'arn:aws:kms:us-east-1:000000000000:key/11111111-2222-3333-4444-555555555555';
    await assert.rejects(deployNode(s.lambda, 'nokey', ECHO_ENV, { KMSKeyArn: unknown }), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, 'InvalidParameterValueException');
      assert.equal(e.$metadata?.httpStatusCode, 400);
      assert.match(e.message, /KMS key is invalid for CreateGrant.*NotFoundException/);
      return true;
    });
    await assert.rejects(deployNode(s.lambda, 'badarn', ECHO_ENV, { KMSKeyArn: 'not-an-arn' }), { name: 'ValidationException' });

    const added = await api(s.nimbus.url, 'POST', '/nimbus/v1/secrets/keys', {});
    assert.equal(added.status, 201);
    const arn = String(added.json['KeyArn']);
    assert.match(arn, /^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}$/);
    await deployNode(s.lambda, 'named', ECHO_ENV, { KMSKeyArn: arn, Environment: { Variables: { SECRET: 'under-named-key' } } });
    const conf = await s.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'named' }));
    assert.equal(conf.KMSKeyArn, arn);
    assert.equal(await envOf(s.lambda, 'named', 'SECRET'), 'under-named-key');
    const namedId = String(added.json['KeyId']);
    assert.ok(storedEnvironment(dataDir, 'named').startsWith(`nimbus-enc:1:${namedId}:`), 'sealed under the named key');
    await s.stop();

    // The key leaves the keyring (an operator deleted it): the function's secrets cannot be read.
    const keyFile = join(dataDir, 'keyring.json');
    const ring = JSON.parse(readFileSync(keyFile, 'utf8')) as { keys: { name: string }[] };
    ring.keys = ring.keys.filter((k) => k.name !== arn);
    writeFileSync(keyFile, JSON.stringify(ring), { mode: 0o600 });
    s = await serve(dataDir);
    t.after(() => s.stop());
    const broken = await s.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'named' }));
    assert.equal(broken.Environment?.Variables, undefined);
    assert.equal(broken.Environment?.Error?.ErrorCode, 'KMSNotFoundException');
    await assert.rejects(s.lambda.send(new InvokeCommand({ FunctionName: 'named', Payload: '{}' })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, 'KMSNotFoundException');
      assert.equal(e.$metadata?.httpStatusCode, 502);
      return true;
    });
    // An update that keeps the unreadable environment is refused; a new environment (default key) mends it.
    await assert.rejects(s.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'named', Description: 'x' })), { name: 'KMSNotFoundException' });
    await s.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'named', KMSKeyArn: '', Environment: { Variables: { SECRET: 'fresh' } } }));
    assert.equal(await envOf(s.lambda, 'named', 'SECRET'), 'fresh');
  });

  it('a ciphertext moved onto another function does not decrypt: Invoke fails with KMSAccessDeniedException', async (t) => {
    const dataDir = tempDir(t);
    let s = await serve(dataDir);
    await deployNode(s.lambda, 'a', ECHO_ENV, { Environment: { Variables: { SECRET: 'a-secret' } } });
    await deployNode(s.lambda, 'b', ECHO_ENV, { Environment: { Variables: { SECRET: 'b-secret' } } });
    await s.stop();
    const db = new Database(join(dataDir, 'nimbus.db'));
    db.prepare("UPDATE function_versions SET environment = (SELECT environment FROM function_versions WHERE name = 'a') WHERE name = 'b'").run();
    db.close();
    s = await serve(dataDir);
    t.after(() => s.stop());
    assert.equal(await envOf(s.lambda, 'a', 'SECRET'), 'a-secret');
    await assert.rejects(s.lambda.send(new InvokeCommand({ FunctionName: 'b', Payload: '{}' })), { name: 'KMSAccessDeniedException' });
  });

  it('rotation re-encrypts every environment under a new key and drops the old one; it all survives a restart', async (t) => {
    const dataDir = tempDir(t);
    let s = await serve(dataDir);
    const named = String((await api(s.nimbus.url, 'POST', '/nimbus/v1/secrets/keys', { KeyArn: 'arn:aws:kms:us-east-1:000000000000:alias/app' })).json['KeyArn']);
    await deployNode(s.lambda, 'd', ECHO_ENV, { Environment: { Variables: { SECRET: 'default-key' } } });
    await deployNode(s.lambda, 'n', ECHO_ENV, { KMSKeyArn: named, Environment: { Variables: { SECRET: 'named-key' } } });
    const before = { d: storedEnvironment(dataDir, 'd'), n: storedEnvironment(dataDir, 'n') };
    const oldIds = JSON.parse(readFileSync(join(dataDir, 'keyring.json'), 'utf8')).keys.map((k: { id: string }) => k.id) as string[];

    const r = await api(s.nimbus.url, 'POST', '/nimbus/v1/secrets/rotate', {});
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['Reencrypted'], 2);
    assert.deepEqual([...(r.json['Retired'] as string[])].sort(), [...oldIds].sort());
    const ids = JSON.parse(readFileSync(join(dataDir, 'keyring.json'), 'utf8')).keys.map((k: { id: string }) => k.id) as string[];
    assert.equal(ids.length, 2);
    for (const id of oldIds) assert.ok(!ids.includes(id), 'old keys are gone from the key file');
    for (const fn of ['d', 'n'] as const) {
      const now = storedEnvironment(dataDir, fn);
      assert.notEqual(now, before[fn]);
      assert.ok(ids.some((id) => now.startsWith(`nimbus-enc:1:${id}:`)), 'sealed under a current key');
      // The old ciphertext is overwritten, not left behind.
      assert.deepEqual(grep(dataDir, before[fn].slice(before[fn].lastIndexOf(':') + 1)), [], `old ciphertext of ${fn}`);
    }
    assert.equal(await envOf(s.lambda, 'd', 'SECRET'), 'default-key');
    assert.equal(await envOf(s.lambda, 'n', 'SECRET'), 'named-key');
    await s.stop();
    s = await serve(dataDir);
    t.after(() => s.stop());
    assert.equal(await envOf(s.lambda, 'd', 'SECRET'), 'default-key');
    assert.equal(await envOf(s.lambda, 'n', 'SECRET'), 'named-key');
  });

  it('the CLI adds a named key, lists the keyring without material, and rotates', async (t) => {
    const dataDir = tempDir(t);
    const s = await serve(dataDir);
    t.after(() => s.stop());
    await deployNode(s.lambda, 'c', ECHO_ENV, { Environment: { Variables: { SECRET: 'cli' } } });
    const cli = async (...args: string[]): Promise<string> => {
      const r = await run(process.execPath, [NIMBUS_BIN, '--endpoint', s.nimbus.url, 'secrets', ...args], { encoding: 'utf8' });
      return r.stdout;
    };
    const arn = (await cli('add-key')).trim();
    assert.match(arn, /^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}$/);
    const listed = await cli('keys');
    assert.match(listed, /^default {2}active k-[0-9a-f]{16}$/m);
    assert.ok(listed.includes(arn));
    const material = (JSON.parse(readFileSync(join(dataDir, 'keyring.json'), 'utf8')) as { keys: { material: string }[] }).keys.map((k) => k.material);
    for (const m of material) assert.ok(!listed.includes(m), 'no key material is printed');
    assert.match(await cli('rotate', 'default'), /re-encrypted 1 value\(s\); retired 1 old key\(s\)/);
    assert.equal(await envOf(s.lambda, 'c', 'SECRET'), 'cli');
  });
});
