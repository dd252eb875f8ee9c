/**
 * AWS's own `sam` (aws-sam-cli from PyPI, pinned in .ci/run) for the interop test, and the
 * environment its builds get: the Python wheels, npm packages and Maven artifacts that
 * scripts/provision-sam-cli.mjs fetched beforehand, so that `sam build` needs no network.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The aws-sam-cli version .ci/run installs, in a venv of its own. */
export const SAM_CLI_VERSION = '1.170.0';
const root = fileURLToPath(new URL('../../../', import.meta.url));
export const SAM_FIXTURES = join(root, 'test', 'fixtures', 'sam-cli');
const cache = join(root, 'node_modules', '.cache', 'nimbus-sam-cli');

/** NIMBUS_SAM_CLI, else the venv .ci/run makes, else `sam` on PATH; undefined when none runs. */
export async function findSam(): Promise<string | undefined> {
  const venv = join(homedir(), '.cache', 'nimbus-ci', `aws-sam-cli-${SAM_CLI_VERSION}`, 'bin', 'sam');
  for (const bin of [process.env['NIMBUS_SAM_CLI'], venv, 'sam']) {
    if (!bin || (bin.includes('/') && !existsSync(bin))) continue;
    const r = await run(bin, ['--version'], process.cwd(), process.env);
    if (r.code === 0 && /SAM CLI, version/.test(r.stdout)) return bin;
  }
  return undefined;
}

/**
 * `sam` for a test, or undefined after skipping it: under CI a missing SAM CLI fails the test
 * (.ci/run installs it), elsewhere the test skips saying how to install it.
 */
export async function samOrSkip(t: { skip(message?: string): void }): Promise<string | undefined> {
  const sam = await findSam();
  if (sam) return sam;
  if (process.env['CI'] === 'true') throw new Error(`aws-sam-cli is not installed: .ci/run installs aws-sam-cli==${SAM_CLI_VERSION} in a venv (or set NIMBUS_SAM_CLI)`);
  t.skip(`sam not found (pip install aws-sam-cli==${SAM_CLI_VERSION}, or set NIMBUS_SAM_CLI)`);
  return undefined;
}

/** What `sam build` runs with: pip from the provisioned wheelhouse only, npm from its cache first, no telemetry. */
export function samBuildEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SAM_CLI_TELEMETRY: '0',
    PIP_NO_INDEX: '1',
    PIP_FIND_LINKS: join(cache, 'wheelhouse'),
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    npm_config_cache: join(cache, 'npm'),
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
}

export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env, timeout: 10 * 60_000, maxBuffer: 64 * 1024 * 1024 }, (e, stdout, stderr) => {
      const code = e ? (typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}
