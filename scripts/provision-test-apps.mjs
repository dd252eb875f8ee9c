// Fills, once, the caches the published-apps suite (test/fixtures/apps) builds from, so that the
// tests need no network afterwards: each app is built exactly as `nimbus deploy -t` builds it,
// into the checkout's build cache (node_modules/.cache/nimbus-sam-build, which scripts/test.mjs
// hands to every test as NIMBUS_BUILD_CACHE): npm's production dependencies and pip's
// requirements are cached by their manifests; Maven fills ~/.m2 with the plugins and the
// aws-lambda-java-* jars; the apps' own `prepare` commands (mvn package) run once too. The
// sam-cli interop fixtures (test/fixtures/sam-cli) are provisioned by provision-sam-cli.mjs.
//
// A stamp holding the hash of every manifest and template skips all of it when nothing changed.
// Like provision-test-runtimes.mjs, this is the one step of `npm test` that uses the network.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const appsDir = join(root, 'test', 'fixtures', 'apps');
const BUILD_CACHE = process.env.NIMBUS_BUILD_CACHE ?? join(root, 'node_modules', '.cache', 'nimbus-sam-build');
const MANIFESTS = new Set(['package.json', 'package-lock.json', 'requirements.txt', 'pom.xml', 'build.gradle', 'template.yaml', 'template.yml', 'scenario.json']);

function manifests(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'target') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...manifests(p));
    else if (MANIFESTS.has(e.name)) out.push(p);
  }
  return out.sort();
}

function key() {
  const h = createHash('sha256');
  for (const f of manifests(appsDir)) h.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

async function main() {
  const stamp = join(BUILD_CACHE, '.provisioned-apps');
  const want = key();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  const { parseTemplate } = await import('../dist/src/sam/template.js');
  const { planDeployment } = await import('../dist/src/sam/plan.js');
  const { packageFunction } = await import('../dist/src/sam/build/index.js');
  const { zipFolder } = await import('../dist/src/cli/zip-folder.js');
  const { layerZips } = await import('../dist/src/sam/layers.js');
  mkdirSync(BUILD_CACHE, { recursive: true });
  process.stdout.write('provision-test-apps: building the published apps once, so that their tests need no network\n');
  let failed = 0;
  for (const name of readdirSync(appsDir).sort()) {
    const src = join(appsDir, name);
    if (!statSync(src).isDirectory()) continue;
    const scenario = JSON.parse(readFileSync(join(src, 'scenario.json'), 'utf8'));
    const dir = mkdtempSync(join(tmpdir(), `nimbus-provision-${name}-`));
    try {
      cpSync(src, dir, { recursive: true });
      for (const cmd of scenario.prepare ?? []) execFileSync(cmd[0], cmd.slice(1), { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
      const file = join(dir, scenario.template ?? 'template.yaml');
      const plan = planDeployment(parseTemplate(readFileSync(file, 'utf8'), file), {
        stack: 'provision',
        stackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/provision/0',
        region: 'us-east-1',
        accountId: '000000000000',
        baseDir: dirname(resolve(file)),
      });
      for (const fn of plan.functions) {
        try {
          await packageFunction(fn, { cacheDir: BUILD_CACHE, zipFolder, out: () => undefined });
        } catch (e) {
          // Refused by design (a Gradle project Nimbus does not build): nothing to fetch.
          if ((scenario.needs ?? []).includes('gradle')) continue;
          throw e;
        }
      }
      // Layers with a BuildMethod install their requirements too (src/sam/layers.ts).
      await layerZips(plan.layers, zipFolder, { cacheDir: BUILD_CACHE, out: () => undefined });
    } catch (e) {
      failed++;
      process.stderr.write(`provision-test-apps: ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  // Only a complete run is stamped: a failed one is retried by the next `npm test`.
  if (failed === 0) writeFileSync(stamp, want);
  else process.stderr.write(`provision-test-apps: ${failed} app(s) could not be built; their tests will try again (and need the network)\n`);
}

await main();
