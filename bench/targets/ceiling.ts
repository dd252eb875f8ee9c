/** The in-process ceiling: the handler inside a plain Node HTTP server. */
import { fileURLToPath } from 'node:url';
import { startProc } from '../lib/proc.js';
import { FIXTURES } from '../lib/paths.js';
import type { Target } from './types.js';

export async function startCeiling(): Promise<Target> {
  const server = fileURLToPath(new URL('./ceiling-server.js', import.meta.url));
  const p = await startProc(process.execPath, [server, `${FIXTURES}trivial/index.js`], { env: cleanEnv(), ready: /listening on (http:\/\/\S+)/ });
  return { name: 'node-inprocess (ceiling)', invokeUrl: `${p.match[1]}/`, stop: p.stop };
}

/** No NODE_EXTRA_CA_CERTS and friends: every target starts Node with the same clean environment. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root', ...extra };
}
