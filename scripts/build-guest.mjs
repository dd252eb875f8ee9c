// Builds the guest runtimes that are not TypeScript into dist/guest/, and bundles the Node.js one:
//   dist/guest/node/*.mjs    -> dist/guest/node/bootstrap.cjs  (one CommonJS file, esbuild)
//   guest/python/**          -> dist/guest/python/    (copied; the Python runtime is source)
//   guest/java/src/**/*.java -> dist/guest/java/classes/  (javac --release 8)
//   (nothing)                -> dist/guest/provided/  (an empty runtime dir for custom runtimes)
// Incremental: a part is rebuilt only when a source is newer than its output, so an up-to-date
// run costs a few stat calls. Safe to run concurrently (test files call it too): a lock directory
// serialises builders, and new Java classes replace the old ones by rename.
// Without a JDK the Java part is skipped with a warning; the Java runtime then cannot start.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'guest');
const lock = join(out, '.build-lock');
/** A lock older than this was left by a builder that died. */
const STALE_LOCK_MS = 120_000;

function files(dir, keep = () => true) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== '__pycache__') found.push(...files(p, keep));
    } else if (keep(p)) found.push(p);
  }
  return found;
}

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

async function withLock(fn) {
  mkdirSync(out, { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      if (Date.now() - mtime(lock) > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function buildPython() {
  const src = join(root, 'guest', 'python');
  const dest = join(out, 'python');
  const sources = files(src, (p) => !p.endsWith('.pyc'));
  const wanted = new Set(sources.map((p) => relative(src, p)));
  let copied = 0;
  for (const p of sources) {
    const target = join(dest, relative(src, p));
    if (mtime(target) >= mtime(p)) continue;
    mkdirSync(dirname(target), { recursive: true });
    // Copy then rename, so that a sandbox starting meanwhile never reads half a file.
    const tmp = `${target}.tmp-${process.pid}`;
    copyFileSync(p, tmp);
    renameSync(tmp, target);
    copied++;
  }
  for (const p of files(dest)) {
    if (!p.includes('__pycache__') && !wanted.has(relative(dest, p))) rmSync(p, { force: true });
  }
  if (copied) precompile(dest);
  return copied;
}

/**
 * Byte-compiles the Python runtime with the interpreters that will run it: a namespace sandbox
 * mounts it read-only, where Python could not cache the bytecode and would recompile the runtime
 * at every cold start. Each python3.X runtime runs on its own interpreter (src/runtimes/catalog.ts),
 * and bytecode is per minor version (__pycache__/*.cpython-3X.pyc), so every python3.X found in the
 * places the catalog looks compiles it once. Without any, this is skipped; the runtime still works,
 * a little slower.
 */
function precompile(dir) {
  const candidates = new Set([process.env.NIMBUS_PYTHON ?? 'python3']);
  const pyenv = process.env.PYENV_ROOT ?? join(homedir(), '.pyenv');
  const bins = ['/usr/local/bin', '/usr/bin'];
  try {
    for (const v of readdirSync(join(pyenv, 'versions'))) bins.push(join(pyenv, 'versions', v, 'bin'));
  } catch {
    // No pyenv.
  }
  for (const bin of bins) for (let minor = 9; minor <= 14; minor++) if (existsSync(join(bin, `python3.${minor}`))) candidates.add(join(bin, `python3.${minor}`));
  for (const python of candidates) {
    try {
      execFileSync(python, ['-m', 'compileall', '-q', dir], { stdio: 'ignore' });
    } catch {
      // Not a usable interpreter.
    }
  }
}

/**
 * Bundles the Node.js runtime (compiled by tsc into dist/guest/node/*.mjs) into one CommonJS file,
 * bootstrap.cjs, which is what sandboxes start: an ES module entry and its eight imports cost
 * Node 20 about 12 ms of CPU more per cold start than one CommonJS file (docs/performance.md).
 * import.meta.url becomes the bundle's own URL, so that files looked up beside it (the NODE_PATH
 * loader, the stem cells' warm-up module) are found in dist/guest/node.
 */
async function buildNode() {
  const dir = join(out, 'node');
  const entry = join(dir, 'bootstrap.mjs');
  const bundle = join(dir, 'bootstrap.cjs');
  if (!existsSync(entry)) return false;
  const sources = files(dir, (p) => p.endsWith('.mjs'));
  if (mtime(bundle) >= Math.max(...sources.map(mtime), mtime(fileURLToPath(import.meta.url)))) return false;
  const { build } = await import('esbuild');
  const tmp = `${bundle}.tmp-${process.pid}`;
  await build({
    entryPoints: [entry],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    banner: { js: '"use strict";\nvar __nimbusBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
    define: { 'import.meta.url': '__nimbusBundleUrl' },
  });
  renameSync(tmp, bundle);
  return true;
}

function findJavac() {
  for (const home of [process.env.NIMBUS_JAVA_HOME, process.env.JAVA_HOME]) {
    if (home && existsSync(join(home, 'bin', 'javac'))) return join(home, 'bin', 'javac');
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'javac'))) return join(dir, 'javac');
  }
  return null;
}

function buildJava() {
  const src = join(root, 'guest', 'java', 'src');
  const dest = join(out, 'java');
  const classes = join(dest, 'classes');
  const stamp = join(dest, '.stamp');
  const sources = files(src, (p) => p.endsWith('.java'));
  const newest = Math.max(0, ...sources.map(mtime), mtime(fileURLToPath(import.meta.url)));
  if (existsSync(classes) && mtime(stamp) >= newest) return false;
  const javac = findJavac();
  if (!javac) {
    console.warn('build-guest: no javac found (set JAVA_HOME); the Java runtime is not built');
    return false;
  }
  mkdirSync(dest, { recursive: true });
  const tmp = join(dest, `.classes-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  // --release 8: handlers compiled for any supported Java version link against these classes.
  // -Xlint:-options silences newer JDKs' note that release 8 is old. C1 only and the serial GC
  // halve javac's time on a small, one-shot compile.
  const jvm = ['-J-XX:TieredStopAtLevel=1', '-J-XX:+UseSerialGC'];
  execFileSync(javac, [...jvm, '--release', '8', '-Xlint:-options', '-encoding', 'UTF-8', '-d', tmp, ...sources], {
    stdio: 'inherit',
  });
  const old = join(dest, `.old-${process.pid}`);
  if (existsSync(classes)) renameSync(classes, old);
  renameSync(tmp, classes);
  rmSync(old, { recursive: true, force: true });
  writeFileSync(stamp, new Date().toISOString());
  return true;
}

await withLock(async () => {
  const copied = buildPython();
  const compiled = buildJava();
  const bundled = await buildNode();
  mkdirSync(join(out, 'provided'), { recursive: true });
  if (copied || compiled || bundled) {
    console.log(`build-guest: ${copied} Python file(s) copied${compiled ? ', Java runtime compiled' : ''}${bundled ? ', Node.js runtime bundled' : ''}`);
  }
});
