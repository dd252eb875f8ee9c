/**
 * A container image laid out like AWS's Python base image (public.ecr.aws/lambda/python): the
 * interpreter at /var/lang/bin (a pyenv Python of this machine, its libpython in /var/lang/lib,
 * its standard library without tests and tools), AWS's runtime interface client from PyPI
 * (awslambdaric, with its dependencies, unpacked into /var/runtime), and AWS's entrypoint script
 * starting it with the handler from CMD. The base layer is built once and kept in the temp directory.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { buildImage, hostArch, UMOCI, type TreeEntry } from './oci-image.js';

export const PYTHON_VERSION = '3.13';
const PYENV = `/root/.pyenv/versions/${PYTHON_VERSION}.0`;
const AWSLAMBDARIC = '3.1.1';

export function pythonPresent(): boolean {
  return existsSync(join(PYENV, 'bin', `python${PYTHON_VERSION}`));
}

const SKIP = new Set(['test', 'site-packages', 'idlelib', 'tkinter', 'turtledemo', 'ensurepip', '__pycache__', 'lib2to3', 'pydoc_data', 'unittest']);

function addTree(files: Record<string, TreeEntry>, hostDir: string, imageDir: string): void {
  for (const e of readdirSync(hostDir, { withFileTypes: true })) {
    if (SKIP.has(e.name) || e.name.startsWith('config-')) continue;
    const h = join(hostDir, e.name);
    if (e.isDirectory()) addTree(files, h, `${imageDir}/${e.name}`);
    else if (e.isFile()) files[`${imageDir}/${e.name}`] = { copyOf: h, mode: 0o644 };
  }
}

/** awslambdaric and its dependencies as wheels, downloaded once (pip) into the temp directory, unpacked into `into`. */
function ricInto(into: string): void {
  const wheels = join(tmpdir(), `nimbus-test-awslambdaric-${AWSLAMBDARIC}-cp${PYTHON_VERSION.replace('.', '')}`);
  if (!existsSync(join(wheels, '.done'))) {
    mkdirSync(wheels, { recursive: true });
    execFileSync(join(PYENV, 'bin', `python${PYTHON_VERSION}`), [
      '-m', 'pip', 'download', '--disable-pip-version-check', '--quiet', '--only-binary=:all:', '--python-version', PYTHON_VERSION,
      '--platform', 'manylinux2014_x86_64', '--platform', 'manylinux_2_17_x86_64', '--platform', 'manylinux_2_28_x86_64', '-d', wheels, `awslambdaric==${AWSLAMBDARIC}`,
    ]);
    writeFileSync(join(wheels, '.done'), '');
  }
  for (const w of readdirSync(wheels).filter((f) => f.endsWith('.whl'))) {
    execFileSync(join(PYENV, 'bin', `python${PYTHON_VERSION}`), ['-m', 'zipfile', '-e', join(wheels, w), into]);
  }
}

const ENTRYPOINT = `#!/bin/sh
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" 1>&2
  exit 142
fi
export _HANDLER="$1"
exec /var/runtime/bootstrap
`;

async function baseLayout(t: { after: TestContext['after'] }): Promise<string> {
  const cached = join(tmpdir(), `nimbus-test-python-image-${PYTHON_VERSION}-${AWSLAMBDARIC}-${hostArch()}`);
  if (existsSync(join(cached, 'index.json'))) return cached;
  const files: Record<string, TreeEntry> = {};
  const python = join(PYENV, 'bin', `python${PYTHON_VERSION}`);
  files[`/var/lang/bin/python${PYTHON_VERSION}`] = { copyOf: python, mode: 0o755 };
  files['/var/lang/bin/python3'] = { symlink: `python${PYTHON_VERSION}` };
  files[`/var/lang/lib/libpython${PYTHON_VERSION}.so.1.0`] = { copyOf: join(PYENV, 'lib', `libpython${PYTHON_VERSION}.so.1.0`), mode: 0o755 };
  addTree(files, join(PYENV, 'lib', `python${PYTHON_VERSION}`), `/var/lang/lib/python${PYTHON_VERSION}`);
  const sh = realpathSync('/bin/sh');
  files['/bin/sh'] = { copyOf: sh, mode: 0o755 };
  const ric = mkdtempSync(join(tmpdir(), 'nimbus-pyric-'));
  t.after(() => rmSync(ric, { recursive: true, force: true }));
  ricInto(ric);
  // The client's native part (runtime_client*.so) needs the C++ runtime too.
  const natives = readdirSync(ric).filter((f) => f.endsWith('.so')).map((f) => join(ric, f));
  for (const bin of [python, sh, ...natives]) {
    for (const line of execFileSync('ldd', [bin], { encoding: 'utf8' }).split('\n')) {
      const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
      if (m && existsSync(m[1]!) && !m[1]!.startsWith('/root/')) files[m[1]!] = { copyOf: realpathSync(m[1]!), mode: 0o755 };
    }
  }
  addTree(files, ric, '/var/runtime');
  files['/var/runtime/bootstrap'] = { content: '#!/bin/sh\nexec /var/lang/bin/python3 -m awslambdaric "$_HANDLER"\n', mode: 0o755 };
  files['/lambda-entrypoint.sh'] = { content: ENTRYPOINT, mode: 0o755 };
  files['/var/task/.keep'] = '';
  const built = await buildImage(t, {
    layers: [files],
    entrypoint: ['/lambda-entrypoint.sh'],
    cmd: ['app.handler'],
    env: { PATH: '/var/lang/bin:/usr/local/bin:/usr/bin:/bin', LD_LIBRARY_PATH: '/var/lang/lib:/lib64:/usr/lib64', PYTHONPATH: '/var/runtime', LAMBDA_TASK_ROOT: '/var/task' },
    workdir: '/var/task',
  });
  const staging = `${cached}.${process.pid}`;
  cpSync(built, staging, { recursive: true });
  try {
    renameSync(staging, cached);
  } catch {
    rmSync(staging, { recursive: true, force: true });
  }
  return cached;
}

/** A Python function image: the base plus `task` (paths under /var/task); returns the OCI layout. */
export async function pythonFunctionImage(t: { after: TestContext['after'] }, task: Record<string, string>): Promise<string> {
  const base = await baseLayout(t);
  const work = mkdtempSync(join(tmpdir(), 'nimbus-py-image-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const layout = join(work, 'layout');
  cpSync(base, layout, { recursive: true });
  const bundle = join(work, 'bundle');
  execFileSync(UMOCI, ['unpack', '--rootless', '--image', `${layout}:latest`, bundle]);
  for (const [p, content] of Object.entries(task)) writeFileSync(join(bundle, 'rootfs', p), content);
  execFileSync(UMOCI, ['repack', '--image', `${layout}:latest`, bundle]);
  return layout;
}
