/**
 * Custom runtimes (`provided`, `provided.al2`, `provided.al2023`): the function brings its own
 * runtime as an executable named `bootstrap` at the root of its code, which talks to the Runtime
 * API at AWS_LAMBDA_RUNTIME_API (host:port) itself and reads _HANDLER however it likes. Nimbus
 * adds nothing to the process: no runtime dir content, no interpreter.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuntimeDescriptor } from './types.js';

export const provided: RuntimeDescriptor = {
  family: 'provided',
  ids: ['provided', 'provided.al2', 'provided.al2023'],
  checkHandler(handler) {
    // AWS passes the handler through untouched; a custom runtime gives it its own meaning.
    return handler.length > 0 ? null : 'Bad handler: a custom runtime still needs a non-empty handler';
  },
  command(paths) {
    // AWS falls back to a layer's /opt/bootstrap; Nimbus has no layers yet, so only the task's.
    return [join(paths.taskRoot, 'bootstrap')];
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
