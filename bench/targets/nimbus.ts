/** Nimbus itself: `nimbus serve` in its own process, with the trivial function deployed. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteAccountStore } from '../../src/accounts/store.js';
import { signHeaders, type SigningCredentials } from '../../src/auth/sigv4-sign.js';
import { zipFolder } from '../../src/cli/zip-folder.js';
import { FIXTURES, ROOT } from '../lib/paths.js';
import { startProc } from '../lib/proc.js';
import { cleanEnv } from './ceiling.js';
import type { Target } from './types.js';

/** The body every warm-invoke scenario sends. */
export const INVOKE_BODY = '{"n":1}';

/**
 * `config`: more CreateFunction members for the function (for example CapacityProviderConfig).
 * `signed`: Nimbus runs with `--auth keys` and every request, the measured invocations included,
 * carries a SigV4 signature of a real access key (made once: the load tool replays the same
 * signed request, which stays valid for the five minutes of allowed clock skew).
 */
export async function startNimbus(opts: { memoryMb?: number; args?: string[]; signed?: boolean; config?: Record<string, unknown> } = {}): Promise<Target & { url: string; pid: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-bench-'));
  let credentials: SigningCredentials | undefined;
  if (opts.signed) {
    const accounts = new SqliteAccountStore(join(dataDir, 'auth.db'));
    const k = await accounts.createKey('default');
    accounts.close();
    credentials = { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey };
  }
  const p = await startProc(process.execPath, [`${ROOT}bin/nimbus.js`, 'serve', '--port', '0', '--data-dir', dataDir, ...(opts.signed ? ['--auth', 'keys'] : []), ...(opts.args ?? [])], {
    env: cleanEnv(),
    ready: /listening on (http:\/\/\S+)/,
  });
  const url = p.match[1]!;
  const sign = (method: string, path: string, body: string, headers: Record<string, string> = {}): Record<string, string> =>
    credentials
      ? { ...headers, ...signHeaders({ method, host: new URL(url).host, target: path, headers, body, region: 'us-east-1', service: 'lambda', credentials }) }
      : headers;
  const zip = await zipFolder(`${FIXTURES}trivial`);
  const create = JSON.stringify({
    FunctionName: 'bench',
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    Role: 'arn:aws:iam::000000000000:role/bench',
    MemorySize: opts.memoryMb ?? 128,
    Code: { ZipFile: zip.toString('base64') },
    // More of CreateFunction's members (a scenario's function configuration).
    ...opts.config,
  });
  const r = await fetch(`${url}/2015-03-31/functions`, { method: 'POST', headers: sign('POST', '/2015-03-31/functions', create), body: create });
  if (r.status !== 201) throw new Error(`deploy failed: ${r.status} ${await r.text()}`);
  return {
    name: 'nimbus',
    url,
    pid: p.child.pid!,
    invokeUrl: `${url}/2015-03-31/functions/bench/invocations`,
    // What the load tools send: this body, as JSON (bench/lib/load.ts).
    ...(credentials ? { headers: sign('POST', '/2015-03-31/functions/bench/invocations', INVOKE_BODY, { 'content-type': 'application/json' }) } : {}),
    stop: async () => {
      await p.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
