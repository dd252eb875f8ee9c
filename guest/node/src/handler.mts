/**
 * Finds and loads the function's handler the way AWS's Node.js runtime does: `_HANDLER` is
 * `[dir/]module.export[.nested]`; the module is `<task root>/<dir>/<module>` with `.js`, `.mjs`
 * or `.cjs`, or else a package name. As AWS's runtime does, a CommonJS file (`.cjs`, or `.js`
 * whose nearest package.json does not say `"type": "module"`) is loaded with `require()` and an
 * ES module (`.mjs`, `.js` under `"type": "module"`) with `import()`. require() keeps Node's ES
 * module loader out of a CommonJS function's cold start (about 6 ms of CPU of Node 20's start:
 * docs/performance.md); a `.js` file that require() refuses as an ES module (ERR_REQUIRE_ESM, or
 * ERR_REQUIRE_ASYNC_MODULE for top-level await, which it refuses before running any of it) is
 * imported instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
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
  const base = resolve(taskRoot, dir, moduleName);
  let file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => existsSync(f));
  const require = createRequire(join(taskRoot, 'noop.js'));
  if (!file) {
    try {
      file = require.resolve(join(dir, moduleName));
    } catch (err) {
      throw new RuntimeInitError(
        'Runtime.ImportModuleError',
        `Error: Cannot find module '${moduleName}'\nRequire stack:\n- ${process.argv[1] ?? 'bootstrap'}`,
        err,
      );
    }
  }
  const specifier = pathToFileURL(file).href;
  let mod: unknown;
  try {
    try {
      const required = isCommonJs(file) ? requireUnlessEsm(require, file) : null;
      mod = required ? required.exports : await import(specifier);
    } catch (err) {
      // A failed import stays failed for its URL: the retry imports the module under a new one.
      if ((err as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND' || !retryImport()) throw err;
      mod = await import(`${specifier}?nimbus-node-path`);
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
  // module.exports may be anything, null included.
  const found = resolvePath(mod, path_) ?? resolvePath((mod as Record<string, unknown> | null | undefined)?.['default'], path_);
  if (typeof found !== 'function') {
    throw new RuntimeInitError('Runtime.HandlerNotFound', `${moduleName}.${path_.join('.')} is undefined or not exported`);
  }
  return found as Handler;
}

/** Whether Node treats `file` as CommonJS by its name: `.cjs`, or `.js` outside a `"type": "module"` package. */
function isCommonJs(file: string): boolean {
  if (file.endsWith('.cjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let d = dirname(file); ; d = dirname(d)) {
    let text: string | null = null;
    try {
      text = readFileSync(join(d, 'package.json'), 'utf8');
    } catch {
      // No package.json here: look further up.
    }
    if (text !== null) {
      try {
        return (JSON.parse(text) as { type?: unknown }).type !== 'module';
      } catch {
        // A package.json that is not JSON: import() reports it as Node would.
        return false;
      }
    }
    if (dirname(d) === d) return true;
  }
}

/** require()s `file`, or returns null when Node says it must be imported (an ES module after all). */
function requireUnlessEsm(require: NodeJS.Require, file: string): { exports: unknown } | null {
  try {
    return { exports: require(file) as unknown };
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE') return null;
    throw err;
  }
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
