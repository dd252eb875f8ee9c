/**
 * The peer: serverless-offline 13 (with serverless 3) running the same handler, called through
 * its Lambda Invoke API. Installed into bench/peers on first use (it is large, and only the
 * benchmark needs it).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { FIXTURES, PEERS, WORK } from '../lib/paths.js';
import { startProc } from '../lib/proc.js';
import { cleanEnv } from './ceiling.js';
import type { Target } from './types.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function ensurePeersInstalled(): void {
  if (existsSync(`${PEERS}node_modules/serverless/bin/serverless.js`)) return;
  process.stderr.write('bench: installing serverless@3 + serverless-offline@13 into bench/peers (first run only)...\n');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PEERS, stdio: 'inherit' });
}

/**
 * With `http`, the function also gets an `httpApi` route (`ANY /hello`, payload 2.0), and the
 * target's `httpUrl` is that route: what the function-URL benchmark compares against.
 */
export async function startServerlessOffline(opts: { http?: boolean } = {}): Promise<Target & { httpUrl: string }> {
  ensurePeersInstalled();
  const dir = `${WORK}serverless-offline/`;
  mkdirSync(dir, { recursive: true });
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  writeFileSync(
    `${dir}serverless.yml`,
    `service: nimbus-bench
frameworkVersion: '3'
provider:
  name: aws
  runtime: nodejs20.x
  region: us-east-1
functions:
  hello:
    handler: index.handler
${opts.http ? '    events:\n      - httpApi:\n          path: /hello\n          method: ANY\n' : ''}plugins:
  - serverless-offline
custom:
  serverless-offline:
    host: 127.0.0.1
    httpPort: ${httpPort}
    lambdaPort: ${lambdaPort}
    noPrependStageInUrl: true
`,
  );
  copyFileSync(`${FIXTURES}trivial/index.js`, `${dir}index.js`);
  copyFileSync(`${FIXTURES}trivial/package.json`, `${dir}package.json`);
  if (!existsSync(`${dir}node_modules`)) symlinkSync(`${PEERS}node_modules`, `${dir}node_modules`);
  const p = await startProc(process.execPath, [`${PEERS}node_modules/serverless/bin/serverless.js`, 'offline', 'start'], {
    cwd: dir,
    env: cleanEnv({
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      SLS_DEPRECATION_DISABLE: '*',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
    }),
    ready: /listening on http:\/\/127\.0\.0\.1:\d+[\s\S]*nimbus-bench-dev-hello/,
  });
  return {
    name: 'serverless-offline 13',
    invokeUrl: `http://127.0.0.1:${lambdaPort}/2015-03-31/functions/nimbus-bench-dev-hello/invocations`,
    httpUrl: `http://127.0.0.1:${httpPort}/hello`,
    stop: p.stop,
  };
}
