/**
 * Running the AWS CLI v2 in tests the way a user would, but hermetic: a temporary HOME (removed
 * when the test ends) whose config and credentials files do not exist, so nothing of the
 * machine's own AWS setup leaks in; credentials, region and no pager come from the environment.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** Debian's AWS CLI v2 (CI installs it; tests needing it fail there when it is missing). */
export const AWS_CLI = '/usr/bin/aws';

export interface CliResult {
  /** The exit status (0: success); an error without one (the CLI could not start) counts as 1. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface AwsCliHome {
  /** The temporary HOME and working directory. */
  home: string;
  /**
   * The CLI's environment: PATH, this HOME, the `test`/`test` keys in us-east-1, no pager, config
   * and credentials files in HOME; `extra` adds or overrides (other keys, AWS_MAX_ATTEMPTS...).
   */
  env(extra?: Record<string, string>): Record<string, string>;
}

/** A temporary HOME for the CLI (prefix names the temp directory), removed when `t` ends. */
export function awsCliHome(t: { after: TestContext['after'] }, prefix: string): AwsCliHome {
  const home = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  return {
    home,
    env: (extra = {}) => ({
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: home,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      ...extra,
    }),
  };
}

/** Runs `bin args` in `cwd` with `env`; resolves with the exit status and output, never rejects. */
export function runCli(bin: string, args: readonly string[], opts: { env: Record<string, string>; cwd: string }): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(bin, args, { env: opts.env, cwd: opts.cwd, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * For a test that needs the CLI: true when it is installed; otherwise fails under CI=true (CI
 * installs it) or skips `t` saying how to install it, and returns false.
 */
export function haveAwsCli(t: { skip(message?: string): void }): boolean {
  if (existsSync(AWS_CLI)) return true;
  if (process.env['CI'] === 'true') assert.fail(`${AWS_CLI} (Debian awscli, CLI v2) is not installed; .ci/run installs it`);
  t.skip(`${AWS_CLI} not found (apt-get install awscli)`);
  return false;
}

/** `aws --endpoint-url url --output json args` with HOME (and cwd) `home`, the test keys, one attempt. */
export function awsCliAt(url: string, home: string, ...args: string[]): Promise<CliResult> {
  const env = { PATH: '/usr/bin:/bin', HOME: home, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1' };
  return runCli(AWS_CLI, ['--endpoint-url', url, '--output', 'json', ...args], { env, cwd: home });
}
