/**
 * Hostile deployment packages: path traversal, absolute paths, symlinks out of the root,
 * lying headers, duplicate entries and zip bombs. Each gets InvalidParameterValueException,
 * nothing is written outside the data directory, and memory stays bounded.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createDeflateRaw, crc32 } from 'node:zlib';
import { CreateFunctionCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { payloadJson, ROLE, startTestNimbus } from '../helpers/nimbus.js';
import { rawZip, type RawEntry } from '../helpers/raw-zip.js';

/** 300 MB of zeros, deflated as a stream (never 300 MB in memory): a classic zip bomb. */
async function zerosBomb(size: number): Promise<{ bytes: Buffer; size: number; crc: number }> {
  const chunk = Buffer.alloc(1024 * 1024);
  let crc = 0;
  const out: Buffer[] = [];
  const d = createDeflateRaw({ level: 9 });
  d.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((r) => d.on('end', r));
  for (let n = 0; n < size; n += chunk.length) {
    crc = crc32(chunk, crc);
    if (!d.write(chunk)) await new Promise((r) => d.once('drain', r));
  }
  d.end();
  await done;
  return { bytes: Buffer.concat(out), size, crc };
}

test('hostile zips are refused and write nothing outside the data directory', async (t) => {
  const nimbus = await startTestNimbus(t);
  const outside = mkdtempSync(join(tmpdir(), 'nimbus-outside-'));
  t.after(() => rmSync(outside, { recursive: true, force: true }));
  const ok = { name: 'index.js', data: Buffer.from('exports.handler = async () => "fine";') };
  let n = 0;
  const create = (entries: RawEntry[]) =>
    nimbus.lambda.send(
      new CreateFunctionCommand({
        FunctionName: `hostile-${++n}`,
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { ZipFile: rawZip(entries) },
      }),
    );
  const refused = async (entries: RawEntry[], message: RegExp) =>
    assert.rejects(create(entries), (e: Error) => {
      assert.equal(e.name, 'InvalidParameterValueException');
      assert.match(e.message, message);
      return true;
    });

  await t.test('path traversal and absolute paths', async () => {
    await refused([ok, { name: '../evil.js', data: Buffer.from('x') }], /Could not unzip uploaded file/);
    await refused([ok, { name: 'a/../../../evil.js', data: Buffer.from('x') }], /Could not unzip uploaded file/);
    await refused([ok, { name: `${outside}/abs-evil.js`, data: Buffer.from('x') }], /Could not unzip uploaded file/);
    await refused([ok, { name: '..\\evil.js', data: Buffer.from('x') }], /Could not unzip uploaded file/);
    assert.deepEqual(readdirSync(outside), []);
    assert.equal(existsSync(join(nimbus.dataDir, '..', 'evil.js')), false);
  });

  await t.test('symlinks that leave the root, and files written through them', async () => {
    await refused([ok, { name: 'link', data: Buffer.from(outside), mode: 0o120777 }, { name: 'link/evil.js', data: Buffer.from('x') }], /Could not unzip/);
    await refused([ok, { name: 'up', data: Buffer.from('../../../..'), mode: 0o120777 }], /outside the code root|escapes/);
    await refused([ok, { name: 'abs', data: Buffer.from('/etc/passwd'), mode: 0o120777 }], /outside the code root/);
    assert.deepEqual(readdirSync(outside), []);
  });

  await t.test('a symlink inside the root works', async () => {
    await create([
      { name: 'lib/impl.js', data: Buffer.from('exports.handler = async () => "via link";') },
      { name: 'index.js', data: Buffer.from('impl/impl.js'), mode: 0o120777 },
      { name: 'impl', data: Buffer.from('lib'), mode: 0o120777 },
    ]).catch(() => assert.fail('a symlink inside the root must be accepted'));
    // index.js -> impl/impl.js -> lib/impl.js
    const r = await nimbus.lambda.send(new InvokeCommand({ FunctionName: `hostile-${n}` }));
    assert.equal(payloadJson(r.Payload), 'via link');
  });

  await t.test('lying sizes, duplicates, garbage and special files', async () => {
    await refused([ok, { name: 'liar.js', data: Buffer.alloc(1_000_000, 97), deflate: true, declaredSize: 10 }], /Could not unzip/);
    await refused([ok, ok], /Could not unzip/);
    await refused([ok, { name: 'fifo', data: Buffer.alloc(0), mode: 0o010644 }], /not a regular file/);
    const truncated = rawZip([ok]).subarray(0, 40);
    await assert.rejects(
      nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: 'trunc', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: truncated } })),
      { name: 'InvalidParameterValueException' },
    );
  });

  await t.test('a zip bomb stops at the unzipped limit with memory bounded', async () => {
    const bomb = await zerosBomb(300 * 1024 * 1024);
    assert.ok(bomb.bytes.length < 1024 * 1024, 'the bomb is small');
    const rssBefore = process.memoryUsage().rss;
    await refused([ok, { name: 'zeros.bin', data: Buffer.alloc(0), precompressed: bomb }], /^Unzipped size must be smaller than 262144000 bytes$/);
    const grew = process.memoryUsage().rss - rssBefore;
    assert.ok(grew < 100 * 1024 * 1024, `memory grew by ${Math.round(grew / 1048576)} MB while refusing a 300 MB bomb`);
  });

  await t.test('nothing is left behind in the code store', () => {
    const code = join(nimbus.dataDir, 'code');
    const left = readdirSync(code).filter((d) => d.startsWith('.tmp-'));
    assert.deepEqual(left, []);
    // Only the one accepted package (the symlink function) was stored.
    assert.equal(readdirSync(code).length, 1);
  });
});
