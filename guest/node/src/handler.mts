/**
 * Finds and loads the function's handler the way the Node.js runtime does: `_HANDLER` is
 * `[dir/]module.export[.nested]`; the module is `<task root>/<dir>/<module>` with `.js`, `.mjs`
 * or `.cjs`, or else a package name. Everything is loaded with `import()`, which lets Node
 * decide between CommonJS and ESM exactly as it would for the function's own imports.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { RuntimeInitError } from './errors.mjs';

export type Handler = (event: unknown, context: unknown, callback: (err?: unknown, result?: unknown) => void) => unknown;

/**
 * `retryImport`, called when the module's import fails for a module it cannot find, may make more
 * modules findable (node-path.mts); when it says it did, the import is tried once more.
 */
export async function loadHandler(taskRoot: string, spec: string, retryImport: () => boolean = () => false): Promise<Handler> {
  const slash = spec.lastIndexOf('/');
  const dir = slash >= 0 ? spec.slice(0, slash) : '';
  const rest = spec.slice(slash + 1);
  const dot = rest.indexOf('.');
  if (dot <= 0 || dot === rest.length - 1 || rest.includes('..')) {
    throw new RuntimeInitError('Runtime.MalformedHandlerName', `Bad handler ${spec}`);
  }
  const moduleName = rest.slice(0, dot);
  const path_ = rest.slice(dot + 1).split('.');
  const base = path.resolve(taskRoot, dir, moduleName);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => existsSync(f));
  let specifier: string;
  if (file) specifier = pathToFileURL(file).href;
  else {
    try {
      specifier = pathToFileURL(createRequire(path.join(taskRoot, 'noop.js')).resolve(path.join(dir, moduleName))).href;
    } catch (err) {
      throw new RuntimeInitError(
        'Runtime.ImportModuleError',
        `Error: Cannot find module '${moduleName}'\nRequire stack:\n- ${process.argv[1] ?? 'bootstrap'}`,
        err,
      );
    }
  }
  let mod: Record<string, unknown>;
  try {
    try {
      mod = (await import(specifier)) as Record<string, unknown>;
    } catch (err) {
      // A failed import stays failed for its URL: the retry imports the module under a new one.
      if ((err as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND' || !retryImport()) throw err;
      mod = (await import(`${specifier}?nimbus-node-path`)) as Record<string, unknown>;
    }
  } catch (err) {
    if (err instanceof SyntaxError) {
      throw new RuntimeInitError('Runtime.UserCodeSyntaxError', `${err.name}: ${err.message}`, err);
    }
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new RuntimeInitError('Runtime.ImportModuleError', `Error: ${(err as Error).message}`, err);
    }
    throw err;
  }
  const found = resolvePath(mod, path_) ?? resolvePath(mod['default'], path_);
  if (typeof found !== 'function') {
    throw new RuntimeInitError('Runtime.HandlerNotFound', `${moduleName}.${path_.join('.')} is undefined or not exported`);
  }
  return found as Handler;
}

function resolvePath(root: unknown, keys: string[]): unknown {
  let cur = root;
  for (const k of keys) {
    if (cur === null || (typeof cur !== 'object' && typeof cur !== 'function')) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** AWS's message (its Node.js runtime interface client, for nodejs24.x and later). */
const CALLBACK_DEPRECATED =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. ' +
  'You need to modify this function to use a supported handler signature to use Node.js 24 or later. ' +
  'For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

/**
 * From nodejs24.x on, AWS refuses callback-style handlers at init: a handler function declaring
 * three or more parameters (`(event, context, callback)`, async or not) fails with
 * `Runtime.CallbackHandlerDeprecated`. Earlier runtimes still accept them.
 */
export function refuseCallbackHandler(handler: Handler, executionEnv: string | undefined): void {
  const major = Number(/^AWS_Lambda_nodejs(\d+)\.x$/.exec(executionEnv ?? '')?.[1] ?? 0);
  if (major >= 24 && handler.length >= 3) throw new RuntimeInitError('Runtime.CallbackHandlerDeprecated', CALLBACK_DEPRECATED);
}
