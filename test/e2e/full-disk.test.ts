/**
 * A full disk is Nimbus's trouble, not the user's: CreateFunction answers a 503 ServiceException
 * (it used to say the zip was invalid), and once space is back everything works again without a
 * restart — stem cells included, which used to give up for good after three failed starts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateFunctionCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { startNimbus } from '../../src/app.js';
import { nodejs } from '../../src/runtimes/node.js';
import { createSandboxFactory } from '../../src/sandbox/index.js';
import type { NamespaceSandboxFactory } from '../../src/sandbox/namespace/factory.js';
import { makeZip, payloadJson, ROLE, sdkClient } from '../helpers/nimbus.js';
import { fillDisk, fillInodes, smallDisk } from '../helpers/small-disk.js';

test('CreateFunction on a full disk is a 503 ServiceException, and works again once space is back', async (t) => {
  const mnt = smallDisk(t);
  if (!mnt) return;
  const nimbus = await startNimbus({ port: 0, dataDir: join(mnt, 'data'), log: () => undefined, shutdownGraceMs: 2000 });
  t.after(() => nimbus.close());
  const lambda = sdkClient(nimbus.url);
  t.after(() => lambda.destroy());
  // A package of incompressible-ish text, so that its extraction needs real blocks.
  const zip = await makeZip({ 'index.js': 'exports.handler = async () => "stored";', 'data.txt': Buffer.alloc(400_000, 'x').toString() });
  const filler = fillDisk(mnt);
  const create = (name: string): Promise<unknown> =>
    lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip } }));
  await assert.rejects(create('full'), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, 'ServiceException', `${e.name}: ${e.message}`);
    assert.equal(e.$metadata?.httpStatusCode, 503);
    assert.match(e.message, /could not store the package: ENOSPC/);
    return true;
  });
  unlinkSync(filler);
  await create('later');
  const out = await lambda.send(new InvokeCommand({ FunctionName: 'later', Payload: Buffer.from('{}') }));
  assert.equal(payloadJson(out.Payload), 'stored');
});

test('stem cells that failed on a full disk come back once space is back', { timeout: 120_000 }, async (t) => {
  const mnt = smallDisk(t);
  if (!mnt) return;
  const warnings: string[] = [];
  mkdirSync(join(mnt, 'data'), { mode: 0o700 });
  // Namespace isolation: a cell writes its passwd, group and crash record before it starts.
  const choice = createSandboxFactory({ isolation: 'namespace', dataDir: join(mnt, 'data'), hostPorts: [], stemCells: 1, stemRuntimes: [nodejs], warn: (m) => warnings.push(m) });
  const factory = choice.factory as NamespaceSandboxFactory;
  t.after(() => factory.close());
  // The disk fills up while Nimbus runs.
  const filler = fillDisk(mnt);
  const inodes = fillInodes(mnt);
  factory.prestart();
  assert.equal(await factory.stemCellsReady(10_000), false, 'no cell can start on a full disk');
  assert.ok(warnings.some((w) => /failed to start 3 times.*Trying again in 30 s/.test(w)), warnings.join('\n'));
  unlinkSync(filler);
  rmSync(inodes, { recursive: true, force: true });
  // The family rests 30 s, then starts again on its own.
  assert.equal(await factory.stemCellsReady(90_000), true, `the stem cells are back without a restart: ${warnings.join('; ')}`);
});
