/** Runs `nimbus serve` as a real child process, as a user would, and the CLI against it. */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

export const NIMBUS_BIN = fileURLToPath(new URL('../../../bin/nimbus.js', import.meta.url));

export interface ServedNimbus {
  child: ChildProcess;
  url: string;
  dataDir: string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `nimbus serve` on a free port; with `dataDir`, on an existing data directory (a restart). */
export async function serve(
  t: { after: TestContext['after'] },
  /** `startMs`: how long a start may take (a restart as root rebuilds process isolation's export trees). */
  opts: { env?: Record<string, string>; dataDir?: string; startMs?: number } = {},
): Promise<ServedNimbus> {
  const env = opts.env ?? {};
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'nimbus-serve-'));
  const child = spawn(process.execPath, [NIMBUS_BIN, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nimbus serve did not start: ${err}`)), opts.startMs ?? 15_000);
    const look = (): void => {
      const m = /listening on (http:\/\/[^\s]+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        child.stderr.off('data', look);
        resolve(m[1]!);
      }
    };
    child.stderr.on('data', look);
    void exited.then(() => reject(new Error(`nimbus serve exited: ${err}`)));
  });
  return { child, url, dataDir, stderr: () => err, exited };
}

/** Runs the `nimbus` CLI; resolves with its exit code and output (never rejects on exit code). */
export function nimbusCli(args: string[], opts: { endpoint?: string; input?: string; cwd?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, ...(opts.endpoint ? { NIMBUS_ENDPOINT: opts.endpoint } : {}) };
    const p = execFile(process.execPath, [NIMBUS_BIN, ...args], { env, cwd: opts.cwd }, (e, stdout, stderr) => {
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (opts.input !== undefined) p.stdin?.end(opts.input);
  });
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
