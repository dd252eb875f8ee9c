/**
 * The AWS SDK for JavaScript v3 that Nimbus's Node.js runtimes provide, as AWS's do in
 * /var/runtime/node_modules. The set of clients and every transitive version are fixed by
 * guest/node-sdk/package.json and its package-lock.json; npm itself installs them (`npm ci`, so
 * the lock's integrity hashes are checked and npm's registry configuration applies) with install
 * scripts disabled: nothing in the SDK needs one.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Log } from './download.js';
import { npmRegistry } from './npm.js';
import { installAtomically } from './store.js';

/** guest/node-sdk, where the SDK's package.json and lock live. */
export const NODE_SDK_SOURCE = fileURLToPath(new URL('../../../../guest/node-sdk/', import.meta.url));

let sdkVersion: string | undefined;

/**
 * The SDK version Nimbus provides (the package.json's own version, kept equal to the clients').
 * Read once: every sandbox start asks (three times, through the catalog), and the file is part of
 * Nimbus's own installation.
 */
export function nodeSdkVersion(): string {
  sdkVersion ??= (JSON.parse(readFileSync(join(NODE_SDK_SOURCE, 'package.json'), 'utf8')) as { version: string }).version;
  return sdkVersion;
}

export function nodeSdkDirName(version = nodeSdkVersion()): string {
  return `node-sdk-${version}`;
}

/** Installs the SDK into `storeDir`; resolves with its directory (node_modules inside). */
export async function provisionNodeSdk(storeDir: string, log: Log): Promise<string> {
  const version = nodeSdkVersion();
  const registry = await npmRegistry();
  return installAtomically(storeDir, nodeSdkDirName(version), async (tmp) => {
    copyFileSync(join(NODE_SDK_SOURCE, 'package.json'), join(tmp, 'package.json'));
    copyFileSync(join(NODE_SDK_SOURCE, 'package-lock.json'), join(tmp, 'package-lock.json'));
    log(`AWS SDK for JavaScript ${version}: npm ci from ${registry}`);
    try {
      await promisify(execFile)('npm', ['ci', '--ignore-scripts', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: tmp,
        timeout: 600_000,
        maxBuffer: 16 << 20,
      });
    } catch (e) {
      const err = e as { code?: string; stderr?: string; message: string };
      if (err.code === 'ENOENT') throw new Error('npm is not installed: the Node.js runtimes get their AWS SDK through npm');
      throw new Error(`npm ci of the AWS SDK failed: ${(err.stderr ?? err.message).trim().split('\n').slice(-3).join(' ')}`);
    }
    log(`AWS SDK for JavaScript ${version}: installed`);
    return { kind: 'node-sdk', version, source: 'npm', package: `@aws-sdk/* ${version}`, registry, integrity: 'package-lock.json', downloadBytes: 0 };
  });
}
