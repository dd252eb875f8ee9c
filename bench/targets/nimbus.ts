/** Nimbus itself: `nimbus serve` in its own process, with the trivial function deployed. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipFolder } from '../../src/cli/zip-folder.js';
import { FIXTURES, ROOT } from '../lib/paths.js';
import { startProc } from '../lib/proc.js';
import { cleanEnv } from './ceiling.js';
import type { Target } from './types.js';

export async function startNimbus(opts: { memoryMb?: number; args?: string[] } = {}): Promise<Target & { url: string; pid: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-bench-'));
  const p = await startProc(process.execPath, [`${ROOT}bin/nimbus.js`, 'serve', '--port', '0', '--data-dir', dataDir, ...(opts.args ?? [])], {
    env: cleanEnv(),
    ready: /listening on (http:\/\/\S+)/,
  });
  const url = p.match[1]!;
  const zip = await zipFolder(`${FIXTURES}trivial`);
  const r = await fetch(`${url}/2015-03-31/functions`, {
    method: 'POST',
    body: JSON.stringify({
      FunctionName: 'bench',
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/bench',
      MemorySize: opts.memoryMb ?? 128,
      Code: { ZipFile: zip.toString('base64') },
    }),
  });
  if (r.status !== 201) throw new Error(`deploy failed: ${r.status} ${await r.text()}`);
  return {
    name: 'nimbus',
    url,
    pid: p.child.pid!,
    invokeUrl: `${url}/2015-03-31/functions/bench/invocations`,
    stop: async () => {
      await p.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
