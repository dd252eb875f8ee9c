/**
 * Applications modelled on published AWS samples (test/fixtures/apps/, listed with their models
 * in test/fixtures/apps/SOURCES.md), each deployed as its template says with Nimbus's own CLI (`nimbus deploy -t`,
 * which builds it as `sam build` would) against a real Nimbus, then called the way the app is
 * meant to be called (its scenario.json) with the results checked exactly.
 *
 * Each app gets its own Nimbus and a copy of its folder, so apps never see each other and a
 * build never writes into the checkout. An app whose scenario has a schedule tick runs on a
 * manual clock, moved to the schedule's next run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../src/core/clock.js';
import { parseTemplate } from '../../src/sam/template.js';
import { readStack } from '../helpers/apps/deploy-output.js';
import { loadScenario, type Scenario } from '../helpers/apps/scenario.js';
import { runStep } from '../helpers/apps/steps.js';
import { startTestNimbus } from '../helpers/nimbus.js';
import { nimbusCli } from '../helpers/serve.js';

/**
 * Features not there yet. An app that needs one of these is skipped, with the reason; every
 * other app must pass. Empty this set as the features land.
 *
 * gradle: building Gradle projects, which cannot be done with what this network reaches. `sam
 *   build` runs the project's Gradle wrapper, or `gradle` on PATH. The wrapper downloads its
 *   distribution from services.gradle.org, which is not reachable; Gradle distributions are not
 *   published on Maven Central (only the libraries a build resolves are). Debian's `gradle` is
 *   4.4.1 (2017), tried here on JDK 17 and 25: it cannot read the `java { sourceCompatibility =
 *   JavaVersion.VERSION_21 }` block of `sam init`'s java21 Gradle template ("Could not find method
 *   java()"), has no JavaVersion.VERSION_21 ("No such property: VERSION_21"), and given
 *   sourceCompatibility '21' it compiles Java 12 class files (major version 56) instead.
 *
 * sqs, sns, eventbridge (the services and their SAM events), streaming and sigv4 (AWS_IAM function URLs) have landed.
 * The runtimes (node22/24, python3.13, java21/25) and the runtime's SDK have landed. A runtime
 * this machine cannot have (python3.14 here) is no skip: the app's scenario says how its
 * deployment must be refused (`unavailable`), and runs it where the interpreter exists.
 */
const NOT_YET = new Set(['gradle']);

const APPS = fileURLToPath(new URL('../../../test/fixtures/apps/', import.meta.url));
const CI = process.env['CI'] === 'true';

const toolRuns = new Map<string, boolean>();

/** The tools whose `--version` (`-version` for java) does not run; each is tried once. */
function missingTools(tools: string[]): string[] {
  return tools.filter((tool) => {
    if (!toolRuns.has(tool)) toolRuns.set(tool, spawnSync(tool, [tool === 'java' || tool === 'javac' ? '-version' : '--version'], { stdio: 'ignore' }).status === 0);
    return !toolRuns.get(tool);
  });
}

/** Whether this machine has the runtime, as `nimbus runtimes` (the same discovery the server uses) says for the test's data dir. */
async function runtimeAvailable(runtime: string, dataDir: string): Promise<boolean> {
  const r = await nimbusCli(['runtimes', '--json', '--data-dir', dataDir]);
  assert.equal(r.code, 0, r.stderr);
  const all = JSON.parse(r.stdout) as { runtime: string; ok: boolean }[];
  const entry = all.find((x) => x.runtime === runtime);
  assert.ok(entry, `nimbus runtimes does not list ${runtime}`);
  return entry.ok;
}

function skipReason(s: Scenario): string | false {
  const missing = s.needs.filter((n) => NOT_YET.has(n));
  if (missing.length > 0) return `needs ${missing.join(', ')}, which Nimbus does not have yet`;
  const tools = missingTools(s.tools);
  // Under CI a missing tool is a failure (the test runs and says so), never a silent skip.
  if (tools.length > 0 && !CI) return `needs ${tools.join(', ')} on this machine`;
  return false;
}

const apps = readdirSync(APPS)
  .filter((n) => statSync(join(APPS, n)).isDirectory())
  .sort();

test('the suite has the apps it claims', () => {
  assert.ok(apps.length >= 30, `only ${apps.length} apps`);
  for (const name of apps) {
    assert.ok(existsSync(join(APPS, name, 'scenario.json')), `${name} has no scenario.json`);
    // Every template parses, also those of apps waiting for a feature: a broken one would wait unseen.
    const file = join(APPS, name, loadScenario(join(APPS, name)).template);
    assert.doesNotThrow(() => parseTemplate(readFileSync(file, 'utf8'), file), `${name}'s template`);
  }
});

for (const name of apps) {
  const scenario = loadScenario(join(APPS, name));
  test(`${name}: ${scenario.description}`, { skip: skipReason(scenario), timeout: 15 * 60_000 }, async (t) => {
    const tools = missingTools(scenario.tools);
    assert.deepEqual(tools, [], `missing tools: ${tools.join(', ')}`);
    const dir = mkdtempSync(join(tmpdir(), `nimbus-app-${name}-`));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(join(APPS, name), dir, { recursive: true });
    for (const cmd of scenario.prepare) {
      const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd: dir, encoding: 'utf8', timeout: 10 * 60_000 });
      assert.equal(r.status, 0, `prepare: ${cmd.join(' ')}\n${r.stdout}\n${r.stderr}`);
    }
    const ticks = scenario.steps.some((s) => 'tick' in s || 'advance' in s);
    const clock = ticks ? new ManualClock(Date.now()) : undefined;
    const nimbus = await startTestNimbus(t, clock ? { clock } : {});
    if (scenario.unavailable && !(await runtimeAvailable(scenario.unavailable.runtime, nimbus.dataDir))) {
      // This machine cannot run the runtime: the deployment must say so, clearly, and change nothing.
      const refused = await nimbusCli(['--endpoint', nimbus.url, 'deploy', '-t', join(dir, scenario.template), '--stack-name', scenario.stackName ?? name]);
      assert.equal(refused.code, 1, `the deployment of a ${scenario.unavailable.runtime} app was not refused:\n${refused.stdout}\n${refused.stderr}`);
      for (const p of scenario.unavailable.refusal) assert.match(refused.stderr, new RegExp(p), 'the refusal');
      assert.equal((await fetch(`${nimbus.url}/nimbus/v1/stacks/${scenario.stackName ?? name}`)).status, 404, 'a refused deployment leaves no stack');
      t.diagnostic(`${scenario.unavailable.runtime} is not available here: the deployment was refused as it must be`);
      return;
    }
    const overrides = Object.entries(scenario.parameterOverrides).flatMap(([k, v]) => ['--parameter-overrides', `${k}=${v}`]);
    const stack = scenario.stackName ?? name;
    const deploy = await nimbusCli(['--endpoint', nimbus.url, 'deploy', '-t', join(dir, scenario.template), '--stack-name', stack, ...overrides]);
    assert.equal(deploy.code, 0, `deploy failed:\n${deploy.stdout}\n${deploy.stderr}`);
    for (const p of scenario.deployStdout) assert.match(deploy.stdout, new RegExp(p), 'deploy output');
    for (const p of scenario.deployStderr) assert.match(deploy.stderr, new RegExp(p), 'deploy warnings');
    const deployed = await readStack(nimbus.url, stack);
    assert.equal(deployed.status, 'CREATE_COMPLETE');
    const ctx = { endpoint: nimbus.url, lambda: nimbus.lambda, clock, deployed };
    for (const [i, step] of scenario.steps.entries()) {
      await runStep(step, ctx, `${name} step ${i + 1} (${Object.keys(step)[0]!})`);
    }
  });
}
