/**
 * A throwaway single-member etcd 3.4 for tests: free loopback ports, a temporary data directory,
 * killed and deleted when the test ends. Without etcd the caller skips, except under CI=true.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './postgres.js';

const ETCD = '/usr/bin/etcd';

export interface TempEtcd {
  url: string;
  stop(): void;
}

export function skipWithoutEtcd(): string | false {
  if (existsSync(ETCD)) return false;
  if (process.env['CI'] === 'true') throw new Error(`etcd is required under CI=true (${ETCD} is missing)`);
  return `skipped: etcd is not installed (${ETCD})`;
}

/**
 * A free port can be taken by another process between the probe and etcd's bind (tests run in
 * parallel), so a start that failed on "address already in use" is tried again on new ports.
 */
export async function startEtcd(): Promise<TempEtcd> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEtcdOnce();
    } catch (e) {
      if (attempt >= 5 || !String((e as Error).message).includes('address already in use')) throw e;
    }
  }
}

async function startEtcdOnce(): Promise<TempEtcd> {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-etcd-'));
  const client = await freePort();
  const peer = await freePort();
  const url = `http://127.0.0.1:${client}`;
  const child: ChildProcess = spawn(
    ETCD,
    ['--data-dir', dir, '--listen-client-urls', url, '--advertise-client-urls', url, '--listen-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`, '--initial-cluster', `default=http://127.0.0.1:${peer}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  // Ready once it answers its health endpoint.
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (i > 100 || child.exitCode !== null) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`etcd did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop() {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
