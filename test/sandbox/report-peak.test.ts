/**
 * The memory peak a warm invocation's REPORT carries (child-sandbox.ts `peakNow`): a read may
 * serve several invocations answered before it, but never one answered after it. An invocation
 * that allocates must report a peak above the one before it, one at a time and in a
 * multi-concurrent sandbox alike (where reads are shared between the invocations of one turn).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createSandboxFactory } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/types.js';
import { codeDir, invoke, rmrf, spec, tempDir } from './helpers.js';

const MB = 1024 * 1024;

describe('the REPORT memory peak of warm invocations', () => {
  const dataDir = tempDir('nimbus-peak-');
  const code = codeDir();
  const { factory } = createSandboxFactory({ isolation: 'process', dataDir, hostPorts: [] });
  const sandboxes: Sandbox[] = [];
  after(async () => {
    for (const s of sandboxes) await s.dispose();
    rmrf(dataDir);
    rmrf(code);
  });

  for (const maxConcurrency of [1, 4]) {
    it(`is read again after a later answer (concurrency ${maxConcurrency})`, async () => {
      const sb = factory.create(spec(code, { memoryMb: 1024, ...(maxConcurrency > 1 ? { maxConcurrency } : {}) }));
      sandboxes.push(sb);
      await sb.start(10_000);
      const small = await invoke(sb, { op: 'alloc', mb: 1 });
      assert.equal(small.result.kind, 'response');
      const before = small.maxMemoryBytes;
      assert.ok(before > 0, 'a peak is measured');
      // The same figure when read again with no answer in between.
      assert.equal(small.maxMemoryBytes, before);
      const big = await invoke(sb, { op: 'alloc', mb: 160 });
      assert.equal(big.result.kind, 'response');
      assert.ok(big.maxMemoryBytes >= before + 100 * MB, `peak after allocating 160 MB: ${big.maxMemoryBytes} against ${before} before`);
      // Two invocations answered together share a read taken after both answers.
      const [a, b] = await Promise.all([invoke(sb, { op: 'alloc', mb: 1 }), maxConcurrency > 1 ? invoke(sb, { op: 'alloc', mb: 1 }) : Promise.resolve(undefined)]);
      assert.ok(a.maxMemoryBytes >= big.maxMemoryBytes, 'a high-water mark never falls');
      if (b) assert.ok(b.maxMemoryBytes >= big.maxMemoryBytes);
    });
  }
});
