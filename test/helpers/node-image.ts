/**
 * A container image laid out like AWS's Node.js base image (public.ecr.aws/lambda/nodejs), for the
 * image-function tests: /var/lang/bin/node (the Node binary running the tests, with the shared
 * libraries `ldd` lists at their paths and the dynamic loader), /bin/sh, /lambda-entrypoint.sh
 * (runs the runtime interface client with the handler from CMD, as AWS's does), a small runtime
 * interface client in /var/runtime speaking the Runtime API over AWS_LAMBDA_RUNTIME_API with
 * node:http, and ENTRYPOINT/CMD/ENV/WORKDIR in the image config. The base layer is built once per
 * Node binary and kept in the temp directory; each test adds its own /var/task layer.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { UMOCI, hostArch, type TreeEntry } from './oci-image.js';
import { buildImage } from './oci-image.js';

export const ENTRYPOINT_SH = `#!/bin/sh
# As AWS's base images: the handler is the one argument (CMD); the runtime client runs when
# AWS_LAMBDA_RUNTIME_API is set (on Lambda, and in Nimbus).
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" 1>&2
  exit 142
fi
export _HANDLER="$1"
if [ -z "\${AWS_LAMBDA_RUNTIME_API}" ]; then
  echo "AWS_LAMBDA_RUNTIME_API is not set" 1>&2
  exit 1
fi
exec /var/lang/bin/node /var/runtime/ric.js
`;

/** A minimal runtime interface client: next, response, error, init error. */
export const RIC_JS = `'use strict';
const http = require('node:http');
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const r = http.request({ host, port, method, path: '/2018-06-01/runtime/' + path, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (m) => {
      const chunks = [];
      m.on('data', (d) => chunks.push(d));
      m.on('end', () => resolve({ headers: m.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    r.on('error', reject);
    r.end(body);
  });
}
(async () => {
  const handlerName = process.env._HANDLER;
  const dot = handlerName.lastIndexOf('.');
  let handler;
  try {
    handler = require((process.env.LAMBDA_TASK_ROOT || '/var/task') + '/' + handlerName.slice(0, dot))[handlerName.slice(dot + 1)];
    if (typeof handler !== 'function') throw new Error(handlerName + ' is not a function');
  } catch (e) {
    await call('POST', 'init/error', JSON.stringify({ errorType: 'Runtime.ImportModuleError', errorMessage: String(e && e.message) }));
    process.exit(1);
  }
  for (;;) {
    const next = await call('GET', 'invocation/next');
    const id = next.headers['lambda-runtime-aws-request-id'];
    try {
      const out = await handler(JSON.parse(next.body || 'null'), { awsRequestId: id });
      await call('POST', 'invocation/' + id + '/response', JSON.stringify(out === undefined ? null : out));
    } catch (e) {
      await call('POST', 'invocation/' + id + '/error', JSON.stringify({ errorType: (e && e.name) || 'Error', errorMessage: String(e && e.message) }));
    }
  }
})();
`;

/** The base image's files: Node and its libraries, sh, the entrypoint and the runtime client. */
export function nodeBaseFiles(): Record<string, TreeEntry> {
  const files: Record<string, TreeEntry> = {};
  const node = realpathSync(process.execPath);
  const sh = realpathSync('/bin/sh');
  files['/var/lang/bin/node'] = { copyOf: node, mode: 0o755 };
  files['/bin/sh'] = { copyOf: sh, mode: 0o755 };
  for (const bin of [node, sh]) {
    for (const line of execFileSync('ldd', [bin], { encoding: 'utf8' }).split('\n')) {
      const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
      if (m && existsSync(m[1]!)) files[m[1]!] = { copyOf: realpathSync(m[1]!), mode: 0o755 };
    }
  }
  files['/lambda-entrypoint.sh'] = { content: ENTRYPOINT_SH, mode: 0o755 };
  files['/var/runtime/ric.js'] = RIC_JS;
  files['/var/task/.keep'] = '';
  files['/etc/os-release'] = 'NAME="Nimbus test image"\n';
  return files;
}

const BASE_CONFIG = {
  entrypoint: ['/lambda-entrypoint.sh'],
  cmd: ['index.handler'],
  env: { PATH: '/var/lang/bin:/usr/local/bin:/usr/bin:/bin', LAMBDA_TASK_ROOT: '/var/task', FROM_IMAGE: 'image', OVERRIDDEN: 'image' },
  workdir: '/var/task',
};

/** The cached base layout (built on first use by any test process, kept in the temp directory). */
async function baseLayout(t: { after: TestContext['after'] }): Promise<string> {
  const stamp = `${process.version}-${hostArch()}`;
  const cached = join(tmpdir(), `nimbus-test-node-image-${stamp}`);
  if (existsSync(join(cached, 'index.json'))) return cached;
  const built = await buildImage(t, { layers: [nodeBaseFiles()], ...BASE_CONFIG });
  const staging = `${cached}.${process.pid}`;
  cpSync(built, staging, { recursive: true });
  try {
    renameSync(staging, cached);
  } catch {
    rmSync(staging, { recursive: true, force: true });
  }
  return cached;
}

/** AWS's Node.js runtime interface client (npm aws-lambda-ric, built in test-tools/), when it is there. */
export const AWS_RIC = fileURLToPath(new URL('../../../test-tools/node_modules/aws-lambda-ric/', import.meta.url));

export function awsRicPresent(): boolean {
  return existsSync(join(AWS_RIC, 'bin', 'index.mjs')) && existsSync(join(AWS_RIC, 'dist', 'rapid-client.node'));
}

/** AWS's entrypoint as its base images have it: the handler from CMD, then /var/runtime/bootstrap. */
const AWS_ENTRYPOINT_SH = `#!/bin/sh
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" 1>&2
  exit 142
fi
export _HANDLER="$1"
RUNTIME_ENTRYPOINT=/var/runtime/bootstrap
if [ -z "\${AWS_LAMBDA_RUNTIME_API}" ]; then
  exec /usr/local/bin/aws-lambda-rie $RUNTIME_ENTRYPOINT
else
  exec $RUNTIME_ENTRYPOINT
fi
`;

/** The files of the AWS client layer: the client at /var/runtime/node_modules/aws-lambda-ric and a bootstrap starting it. */
function awsRicFiles(): Record<string, string | Buffer> {
  const files: Record<string, string | Buffer> = {};
  const base = '/var/runtime/node_modules/aws-lambda-ric';
  files[`${base}/package.json`] = readFileSync(join(AWS_RIC, 'package.json'));
  files[`${base}/bin/index.mjs`] = readFileSync(join(AWS_RIC, 'bin', 'index.mjs'));
  for (const f of readdirSync(join(AWS_RIC, 'dist'))) files[`${base}/dist/${f}`] = readFileSync(join(AWS_RIC, 'dist', f));
  files['/var/runtime/bootstrap'] = `#!/bin/sh\nexec /var/lang/bin/node ${base}/bin/index.mjs "$_HANDLER"\n`;
  files['/lambda-entrypoint.sh'] = AWS_ENTRYPOINT_SH;
  return files;
}

/**
 * A Node.js function image: the base plus a layer with `task` at /var/task; with `awsRic`, AWS's
 * own runtime interface client and entrypoint instead of the small client. Returns the OCI layout.
 */
export async function nodeFunctionImage(
  t: { after: TestContext['after'] },
  task: Record<string, string>,
  config: Partial<typeof BASE_CONFIG> = {},
  o: { awsRic?: boolean } = {},
): Promise<string> {
  const base = await baseLayout(t);
  const work = mkdtempSync(join(tmpdir(), 'nimbus-fn-image-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const layout = join(work, 'layout');
  cpSync(base, layout, { recursive: true });
  const bundle = join(work, 'bundle');
  execFileSync(UMOCI, ['unpack', '--rootless', '--image', `${layout}:latest`, bundle]);
  const files: Record<string, string | Buffer> = { ...(o.awsRic ? awsRicFiles() : {}), ...task };
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(bundle, 'rootfs', p)), { recursive: true });
    writeFileSync(join(bundle, 'rootfs', p), content);
    if (p.endsWith('.sh') || p.endsWith('/bootstrap')) chmodSync(join(bundle, 'rootfs', p), 0o755);
  }
  execFileSync(UMOCI, ['repack', '--image', `${layout}:latest`, bundle]);
  const c = { ...BASE_CONFIG, ...config };
  const args = ['config', '--image', `${layout}:latest`, '--clear=config.entrypoint', '--clear=config.cmd'];
  for (const e of c.entrypoint) args.push('--config.entrypoint', e);
  for (const e of c.cmd) args.push('--config.cmd', e);
  for (const [k, v] of Object.entries(c.env)) args.push('--config.env', `${k}=${v}`);
  args.push('--config.workingdir', c.workdir);
  execFileSync(UMOCI, args);
  return layout;
}
