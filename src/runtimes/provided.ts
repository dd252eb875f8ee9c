/**
 * Custom runtimes (`provided`, `provided.al2`, `provided.al2023`): the function brings its own
 * runtime as an executable named `bootstrap` at the root of its code, which talks to the Runtime
 * API at AWS_LAMBDA_RUNTIME_API (host:port) itself and reads _HANDLER however it likes. Nimbus
 * adds nothing to the process: no runtime dir content, no interpreter.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuntimeDescriptor } from './types.js';

/**
 * With layers, a function without a `bootstrap` of its own runs the one a layer put at
 * /opt/bootstrap, as Lambda does (DG "Building a custom runtime": the bootstrap is looked for in
 * the deployment package, then in the function's layers). `$1` is the task root, `$2` the layers.
 */
const FIND_BOOTSTRAP = 'if [ -e "$1/bootstrap" ]; then exec "$1/bootstrap"; fi; exec "$2/bootstrap"';

export const provided: RuntimeDescriptor = {
  family: 'provided',
  ids: ['provided', 'provided.al2', 'provided.al2023'],
  checkHandler(handler) {
    // AWS passes the handler through untouched; a custom runtime gives it its own meaning.
    return handler.length > 0 ? null : 'Bad handler: a custom runtime still needs a non-empty handler';
  },
  command(paths) {
    if (paths.optDir === undefined) return [join(paths.taskRoot, 'bootstrap')];
    return ['/bin/sh', '-c', FIND_BOOTSTRAP, 'bootstrap', paths.taskRoot, paths.optDir];
  },
  env() {
    return {};
  },
  hostPaths() {
    return [];
  },
  hostRuntimeDir() {
    // An empty directory (scripts/build-guest.mjs creates it): LAMBDA_RUNTIME_DIR must exist.
    return fileURLToPath(new URL('../../guest/provided/', import.meta.url));
  },
};
