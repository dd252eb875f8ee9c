/** Choosing the isolation level: process on request (with its warning), namespace when the host allows. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { detectNamespaceSupport } from '../../src/sandbox/detect.js';
import { PROCESS_ISOLATION_WARNING, createSandboxFactory } from '../../src/sandbox/index.js';
import type { NamespaceSandboxFactory } from '../../src/sandbox/namespace/factory.js';
import { rmrf, tempDir } from './helpers.js';

describe('createSandboxFactory', () => {
  const dataDir = tempDir('nimbus-factory-');
  after(() => rmrf(dataDir));

  it('gives process isolation with a loud warning when asked', () => {
    const c = createSandboxFactory({ isolation: 'process', dataDir, hostPorts: [] });
    assert.equal(c.isolation, 'process');
    assert.equal(c.factory.isolation, 'process');
    assert.equal(c.warning, PROCESS_ISOLATION_WARNING);
    assert.match(c.warning!, /WARNING/);
    assert.match(c.warning!, /not isolated from the host/);
  });

  it('auto picks namespace where it works, fails closed where it should work, else process with the reasons', async () => {
    const d = detectNamespaceSupport('0000test0000');
    if (!d.ok && d.expected) {
      assert.throws(() => createSandboxFactory({ isolation: 'auto', dataDir, hostPorts: [] }), /should be available on this host.*--isolation process/s);
      return;
    }
    const c = createSandboxFactory({ isolation: 'auto', dataDir, hostPorts: [] });
    if (d.ok) {
      assert.equal(c.isolation, 'namespace');
      assert.equal(c.factory.isolation, 'namespace');
      await (c.factory as NamespaceSandboxFactory).close();
    } else {
      assert.equal(process.env['CI'] === 'true', false, `CI must be able to isolate: ${d.reasons.join('; ')}`);
      assert.equal(c.isolation, 'process');
      assert.match(c.warning!, /unavailable because/);
      for (const r of d.reasons) assert.ok(c.warning!.includes(r));
    }
  });

  it('refuses namespace when the host cannot give it, naming why', () => {
    const d = detectNamespaceSupport('0000test0000');
    if (d.ok) {
      assert.equal(createSandboxFactory({ isolation: 'namespace', dataDir, hostPorts: [] }).isolation, 'namespace');
    } else {
      assert.throws(() => createSandboxFactory({ isolation: 'namespace', dataDir, hostPorts: [] }), /namespace isolation is not available/);
    }
  });
});
