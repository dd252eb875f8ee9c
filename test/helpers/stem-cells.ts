/**
 * The stem-cell e2e tests' sandbox factory: namespace isolation with one Node.js stem cell, closed
 * and its data directory removed when the test ends. Under CI=true namespace isolation is asked
 * for outright (so a machine without it fails); elsewhere `auto`, and the test is skipped when
 * that did not give namespaces.
 */
import type { TestContext } from 'node:test';
import { nodejs } from '../../src/runtimes/node.js';
import { createSandboxFactory } from '../../src/sandbox/index.js';
import { NamespaceSandboxFactory } from '../../src/sandbox/namespace/factory.js';
import { rmrf, tempDir } from '../sandbox/helpers.js';

/** The factory, or undefined after skipping `t` (namespace isolation unavailable, outside CI). */
export function stemCellFactory(t: TestContext, prefix: string): NamespaceSandboxFactory | undefined {
  const dataDir = tempDir(prefix);
  const choice = createSandboxFactory({ isolation: process.env['CI'] === 'true' ? 'namespace' : 'auto', dataDir, hostPorts: [], stemCells: 1, stemRuntimes: [nodejs] });
  t.after(async () => {
    await choice.factory.close?.();
    rmrf(dataDir);
  });
  if (!(choice.factory instanceof NamespaceSandboxFactory)) {
    t.skip(`namespace isolation unavailable here: ${choice.warning ?? ''}`);
    return undefined;
  }
  return choice.factory;
}
