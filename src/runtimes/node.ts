/** Node.js runtimes: every `nodejsNN.x` runs on the machine's own Node.js. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuntimeDescriptor } from './types.js';

export const nodejs: RuntimeDescriptor = {
  family: 'nodejs',
  ids: ['nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x'],
  checkHandler(handler) {
    const file = handler.slice(handler.lastIndexOf('/') + 1);
    const dot = file.indexOf('.');
    return dot > 0 && dot < file.length - 1 ? null : `Bad handler ${handler}: expected file.export, for example index.handler`;
  },
  command(paths) {
    return [process.execPath, join(paths.runtimeDir, 'bootstrap.mjs')];
  },
  env(paths) {
    return {
      NODE_PATH: `/opt/nodejs/node_modules:${paths.runtimeDir}/node_modules:${paths.runtimeDir}:${paths.taskRoot}`,
    };
  },
  hostPaths() {
    return [dirname(process.execPath)];
  },
  hostRuntimeDir() {
    return fileURLToPath(new URL('../../guest/node/', import.meta.url));
  },
};
