/**
 * Node.js runtimes: `nodejsNN.x` runs on a Node.js NN (catalog.ts says which one), with Nimbus's
 * bootstrap from guest/node and the AWS SDK for JavaScript v3 on the module path.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostCatalog, type RuntimeCatalog } from './catalog.js';
import { NODE_IDS } from './ids.js';
import { firstAvailable, pathsOf, unavailableCommand } from './interpreter.js';
import { OPT, type RuntimeDescriptor } from './types.js';

export function nodejsDescriptor(catalog: RuntimeCatalog): RuntimeDescriptor {
  return {
    family: 'nodejs',
    ids: NODE_IDS,
    checkHandler(handler) {
      const file = handler.slice(handler.lastIndexOf('/') + 1);
      const dot = file.indexOf('.');
      return dot > 0 && dot < file.length - 1 ? null : `Bad handler ${handler}: expected file.export, for example index.handler`;
    },
    command(paths, runtime) {
      const a = catalog.availability(runtime);
      return a.ok ? [a.interpreter.executable, `${paths.runtimeDir}/bootstrap.cjs`] : unavailableCommand(a);
    },
    env(paths, runtime) {
      // AWS's order (its Node.js bootstrap): layers for this major, layers, the runtime's own
      // modules (the SDK), the runtime, the task. The guest runtime makes ES module imports
      // search these folders too, as AWS's does since nodejs18.x.
      const a = runtime ? catalog.availability(runtime) : null;
      const major = runtime?.match(/^nodejs(\d+)/)?.[1];
      const sdk = a?.ok && a.sdk ? a.sdk.dir : `${paths.runtimeDir}/node_modules`;
      // DG "Layer paths for each Lambda runtime": nodejs/node_modules and nodejs/nodeNN/node_modules.
      const opt = paths.optDir ?? OPT;
      const layers = major ? [`${opt}/nodejs/node${major}/node_modules`, `${opt}/nodejs/node_modules`] : [`${opt}/nodejs/node_modules`];
      return { NODE_PATH: [...layers, sdk, paths.runtimeDir, paths.taskRoot].join(':') };
    },
    hostPaths(runtime) {
      return runtime ? pathsOf(catalog.availability(runtime)) : [dirname(process.execPath)];
    },
    hostRuntimeDir() {
      return fileURLToPath(new URL('../../guest/node/', import.meta.url));
    },
    availability: (runtime) => catalog.availability(runtime),
    sdkPending: (runtime) => catalog.sdkPending(runtime),
    stemRuntime: () => firstAvailable(catalog, NODE_IDS, `nodejs${process.versions.node.split('.')[0]}.x`),
  };
}

/** The Node.js runtimes over the machine's own interpreters and the shared stores (no data directory). */
export const nodejs: RuntimeDescriptor = nodejsDescriptor(hostCatalog());
