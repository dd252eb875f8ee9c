/**
 * Python runtimes: every `python3.x` runs on the machine's own python3 (or NIMBUS_PYTHON), with
 * Nimbus's standard-library bootstrap from guest/python. See docs/runtimes.md.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuntimeDescriptor } from './types.js';

interface PythonInstall {
  /** The real interpreter, not a launcher shim: sandboxes start it with a clean environment. */
  executable: string;
  /** sys.prefix and sys.base_prefix: the standard library and site-packages live under them. */
  prefixes: string[];
}

let install: PythonInstall | null | undefined;

/**
 * Asks python3 where it really is, once. Shims such as pyenv's need the operator's environment
 * to find the interpreter, and the sandbox must see the interpreter's own directories.
 */
function findPython(): PythonInstall | null {
  if (install !== undefined) return install;
  const candidate = process.env['NIMBUS_PYTHON'] ?? 'python3';
  try {
    const out = execFileSync(
      candidate,
      ['-c', 'import json, sys; print(json.dumps([sys.executable, sys.prefix, sys.base_prefix]))'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000 },
    );
    const [executable, prefix, basePrefix] = JSON.parse(out) as [string, string, string];
    install = { executable, prefixes: [...new Set([prefix, basePrefix])] };
  } catch {
    install = null;
  }
  return install;
}

export const python: RuntimeDescriptor = {
  family: 'python',
  ids: ['python3.9', 'python3.10', 'python3.11', 'python3.12', 'python3.13'],
  checkHandler(handler) {
    const dot = handler.lastIndexOf('.');
    return dot > 0 && dot < handler.length - 1
      ? null
      : `Bad handler ${handler}: expected module.function, for example lambda_function.lambda_handler`;
  },
  command(paths) {
    // When python3 cannot be found the spawn fails, and the sandbox reports that as the exit reason.
    return [findPython()?.executable ?? 'python3', join(paths.runtimeDir, 'bootstrap.py')];
  },
  env(paths) {
    // AWS sets PYTHONPATH=/var/runtime; the bootstrap moves the runtime dir behind user code.
    return { PYTHONPATH: paths.runtimeDir };
  },
  hostPaths() {
    const found = findPython();
    if (!found) return [];
    // Only the outermost directories: a bind of a parent after its child would hide nothing but
    // would be one more mount per sandbox.
    const dirs = [...new Set([...found.prefixes, dirname(found.executable)])];
    return dirs.filter((d) => !dirs.some((o) => o !== d && d.startsWith(`${o}/`)));
  },
  hostRuntimeDir() {
    return fileURLToPath(new URL('../../guest/python/', import.meta.url));
  },
};
