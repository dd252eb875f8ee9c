/**
 * At `nimbus serve`, the SDKs of the runtimes this machine can run are installed in the
 * background when missing (the AWS SDK for JavaScript for the Node.js runtimes, boto3 for the
 * Python ones), with progress on the server's log, so that a fresh install gives functions what
 * AWS's runtimes include. It runs once the server listens, and never holds its event loop.
 * Offline, it says so once and functions run without them (a function that bundles its SDK is
 * unaffected). NIMBUS_RUNTIME_SDKS=0 turns it off.
 */
import type { RuntimeCatalog } from './catalog.js';
import { NODE_IDS, PYTHON_IDS } from './ids.js';
import { boto3SetFor } from './provision/pypi.js';

export async function installMissingSdks(catalog: RuntimeCatalog, log: (line: string) => void): Promise<void> {
  if (process.env['NIMBUS_RUNTIME_SDKS'] === '0') return;
  // Sandboxes of Node.js and Python functions started meanwhile wait for it (catalog.sdkPending).
  await catalog.inBackground(() => install(catalog, log));
}

async function install(catalog: RuntimeCatalog, log: (line: string) => void): Promise<void> {  // The server's own catalog, its interpreters probed without blocking: availability() below then answers from memory.
  await catalog.probeAll();
  // One runtime per SDK artifact is enough: every Node.js runtime shares one SDK, Python ones one boto3 per set.
  const wanted = new Map<string, string>();
  for (const id of [...NODE_IDS, ...PYTHON_IDS]) {
    const a = catalog.availability(id);
    if (!a.ok || a.sdk) continue;
    const key = id.startsWith('nodejs') ? 'node' : `boto3-${boto3SetFor(Number(a.interpreter.version.split('.')[1]))?.version}`;
    if (!wanted.has(key)) wanted.set(key, id);
  }
  for (const id of wanted.values()) {
    try {
      await catalog.install(id, (line) => log(`runtimes: ${line}`));
    } catch (e) {
      log(`runtimes: the SDK for ${id} is not installed (${e instanceof Error ? e.message : String(e)}); functions that rely on the runtime's SDK must bundle it, or run: nimbus runtimes install ${id}`);
    }
  }
}
