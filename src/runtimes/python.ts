/**
 * Python runtimes: `python3.X` runs on a CPython 3.X (catalog.ts says which one), with Nimbus's
 * standard-library bootstrap from guest/python and boto3 on sys.path after the function's own
 * packages. See docs/runtimes.md.
 */
import { fileURLToPath } from 'node:url';
import { hostCatalog, type RuntimeCatalog } from './catalog.js';
import { PYTHON_IDS } from './ids.js';
import { firstAvailable, pathsOf, unavailableCommand } from './interpreter.js';
import { OPT, type RuntimeDescriptor } from './types.js';

export function pythonDescriptor(catalog: RuntimeCatalog): RuntimeDescriptor {
  return {
    family: 'python',
    ids: PYTHON_IDS,
    checkHandler(handler) {
      const dot = handler.lastIndexOf('.');
      return dot > 0 && dot < handler.length - 1
        ? null
        : `Bad handler ${handler}: expected module.function, for example lambda_function.lambda_handler`;
    },
    command(paths, runtime) {
      const a = catalog.availability(runtime);
      if (!a.ok) return unavailableCommand(a);
      // The bootstrap puts <opt>/python/lib/pythonX.Y/site-packages and <opt>/python on sys.path
      // (DG "Layer paths for each Lambda runtime"); it is told <opt> only when it is not /opt.
      const opt = paths.optDir && paths.optDir !== OPT ? [paths.optDir] : [];
      // -S: no `site` at start. Its .pth files are the host's own start-up code (on this project's
      // machine one imports certifi: 33 of a bare start's 40 ms of CPU); the bootstrap puts the
      // interpreter's site-packages on sys.path itself, where site would have (docs/performance.md).
      return [a.interpreter.executable, '-S', `${paths.runtimeDir}/bootstrap.py`, ...opt];
    },
    env(paths, runtime) {
      // AWS sets PYTHONPATH=/var/runtime; the bootstrap moves the runtime dir behind user code.
      // boto3 sits where AWS has it, in the interpreter's site-packages position: after the task
      // root and the layers, so a function's own boto3 wins.
      const a = runtime ? catalog.availability(runtime) : null;
      return { PYTHONPATH: a?.ok && a.sdk ? `${paths.runtimeDir}:${a.sdk.dir}` : paths.runtimeDir };
    },
    hostPaths(runtime) {
      return runtime ? pathsOf(catalog.availability(runtime)) : [];
    },
    hostRuntimeDir() {
      return fileURLToPath(new URL('../../guest/python/', import.meta.url));
    },
    availability: (runtime) => catalog.availability(runtime),
    sdkPending: (runtime) => catalog.sdkPending(runtime),
    stemRuntime() {
      // Stem cells run the machine's default python3, the one most functions here will use.
      const preferred = catalog.preferredPython();
      return firstAvailable(catalog, PYTHON_IDS, preferred ? `python${preferred}` : undefined);
    },
  };
}

/** The Python runtimes over the machine's own interpreters and the shared stores (no data directory). */
export const python: RuntimeDescriptor = pythonDescriptor(hostCatalog());
