/**
 * ES module imports that also search NODE_PATH. Node.js looks at NODE_PATH only for require();
 * AWS's Node.js runtimes since nodejs18.x make `import` search the NODE_PATH folders too, so that
 * an ES module handler can import the runtime's AWS SDK or a layer's packages
 * (https://aws.amazon.com/blogs/compute/node-js-18-x-runtime-now-available-in-aws-lambda/).
 *
 * A bare specifier that Node's own resolution cannot find is retried from each NODE_PATH folder
 * in order, as if imported by a module inside it. Node 22.15+ and 24 run the hook in-thread
 * (module.registerHooks), from the start; older ones on Node's loader thread (module.register),
 * installed when a handler's import first fails, after which the handler is imported again (a
 * failed ES module import is cached by URL, so the retry adds a query to the URL). There, a
 * dynamic import() of a runtime package by a handler that loaded without one still fails.
 */
import * as nodeModule from 'node:module';
import { delimiter, isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Resolved = { url: string; format?: string | null; shortCircuit?: boolean };
type Context = { parentURL?: string; conditions?: string[]; importAttributes?: Record<string, string> };

function isBare(specifier: string): boolean {
  return !/^(\.{0,2}\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier) && !specifier.startsWith('#');
}

function notFound(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === 'ERR_MODULE_NOT_FOUND';
}

/** Parents to retry from: a file inside each folder, so resolution looks in the folder itself. */
function parents(nodePath: string): string[] {
  return nodePath
    .split(delimiter)
    .filter((d) => isAbsolute(d))
    .map((d) => pathToFileURL(join(d, 'nimbus-node-path.mjs')).href);
}

/** The synchronous hook (module.registerHooks). */
function resolveSync(folders: string[]) {
  return (specifier: string, context: Context, next: (s: string, c?: Context) => Resolved): Resolved => {
    try {
      return next(specifier, context);
    } catch (err) {
      if (!notFound(err) || !isBare(specifier)) throw err;
      for (const parentURL of folders) {
        try {
          return next(specifier, { ...context, parentURL });
        } catch (again) {
          if (!notFound(again)) throw again;
        }
      }
      throw err;
    }
  };
}

const hooks = nodeModule as unknown as {
  registerHooks?: (hooks: { resolve: ReturnType<typeof resolveSync> }) => unknown;
  register?: (specifier: string, parentURL: string, options: { data: unknown }) => void;
};
let installed = false;

/**
 * Installs the hook for the folders of `nodePath` now when that is cheap (in-thread hooks), and
 * returns a function that installs it on demand otherwise: module.register starts a loader thread,
 * about 30 ms of every cold start (measured on Node 20), paid then only by an ES module handler
 * whose import of a bare name failed. That function returns whether it installed the hook.
 */
export function searchNodePath(nodePath: string | undefined): () => boolean {
  const folders = parents(nodePath ?? '');
  const install = (): boolean => {
    if (installed || !folders.length) return false;
    installed = true;
    if (typeof hooks.registerHooks === 'function') hooks.registerHooks({ resolve: resolveSync(folders) });
    else if (typeof hooks.register === 'function') hooks.register('./node-path-loader.mjs', import.meta.url, { data: folders });
    else installed = false;
    return installed;
  };
  if (typeof hooks.registerHooks === 'function') install();
  return install;
}
