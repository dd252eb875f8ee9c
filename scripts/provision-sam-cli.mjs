// Fetches, once, what the sam-cli interop test's `sam build` runs download (test/fixtures/sam-cli):
// the Python wheels of each requirements.txt into a wheelhouse (the test's pip then runs with
// --no-index against it), the npm packages into an npm cache of the checkout's own, and the Maven
// plugins and jars into ~/.m2, by running each `sam build` once with the network. Then the test
// needs none. Without sam (aws-sam-cli, installed by .ci/run) there is nothing to do: the test
// says so, and fails under CI=true.
//
// A stamp holding the sam version and the hash of every fixture manifest skips all of it when
// nothing changed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixtures = join(root, 'test', 'fixtures', 'sam-cli');
const cache = join(root, 'node_modules', '.cache', 'nimbus-sam-cli');
// Keep in step with test/helpers/sam-cli.ts and .ci/run.
const SAM_CLI_VERSION = '1.170.0';

function samBinary() {
  const venv = join(homedir(), '.cache', 'nimbus-ci', `aws-sam-cli-${SAM_CLI_VERSION}`, 'bin', 'sam');
  for (const bin of [process.env.NIMBUS_SAM_CLI, venv, 'sam']) {
    if (!bin || (bin.includes('/') && !existsSync(bin))) continue;
    try {
      return { bin, version: execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim() };
    } catch {
      // Not this one.
    }
  }
  return undefined;
}

function files(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (/^(template\.yaml|requirements\.txt|package\.json|pom\.xml)$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

const sam = samBinary();
if (!sam) {
  process.stdout.write(`provision-sam-cli: no sam (aws-sam-cli==${SAM_CLI_VERSION}); the sam-cli interop test will say so\n`);
  process.exit(0);
}
const h = createHash('sha256').update(sam.version);
for (const f of files(fixtures)) h.update(relative(root, f)).update('\0').update(readFileSync(f));
const want = h.digest('hex');
const stamp = join(cache, '.provisioned');
if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) process.exit(0);

process.stdout.write(`provision-sam-cli: building the sam-cli fixtures once with ${sam.version}, so that their test needs no network\n`);
const wheelhouse = join(cache, 'wheelhouse');
mkdirSync(wheelhouse, { recursive: true });
const env = { ...process.env, SAM_CLI_TELEMETRY: '0', PIP_DISABLE_PIP_VERSION_CHECK: '1', npm_config_cache: join(cache, 'npm') };
let failed = 0;
for (const app of readdirSync(fixtures, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)) {
  const dir = mkdtempSync(join(tmpdir(), `nimbus-provision-sam-${app}-`));
  try {
    cpSync(join(fixtures, app), dir, { recursive: true });
    const template = readFileSync(join(dir, 'template.yaml'), 'utf8');
    const python = /Runtime: (python3\.\d+)/.exec(template)?.[1];
    for (const req of files(dir).filter((f) => f.endsWith('requirements.txt'))) {
      // The interpreter sam build will use (python3.X on PATH), so that the wheels fit it.
      execFileSync(python ?? 'python3', ['-m', 'pip', 'download', '-q', '-r', req, '-d', wheelhouse], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    }
    // With the wheelhouse as the only index, as in the test: a wheel missing from it fails here.
    execFileSync(sam.bin, ['build'], { cwd: dir, env: { ...env, PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheelhouse }, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch (e) {
    failed++;
    process.stderr.write(`provision-sam-cli: ${app}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (failed === 0) writeFileSync(stamp, want);
