/** `nimbus deploy`: creates or updates a function from a folder or a zip. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, fnPath, type NimbusClient } from '../client.js';
import { zipFolder } from '../zip-folder.js';

interface DeployOptions {
  name?: string;
  runtime?: string;
  handler?: string;
  memory?: string;
  timeout?: string;
  env: string[];
  description?: string;
  role: string;
}

export function registerDeploy(program: Command, client: () => NimbusClient): void {
  program
    .command('deploy <path>')
    .description('Create or update a function from a folder or a .zip file')
    .option('-n, --name <name>', 'function name (default: the folder or zip name)')
    .option('-r, --runtime <runtime>', 'runtime, for example nodejs20.x (default on create: nodejs20.x)')
    .option('-H, --handler <handler>', 'handler, for example index.handler (default on create: index.handler)')
    .option('-m, --memory <mb>', 'memory size in MB (128-10240)')
    .option('-t, --timeout <seconds>', 'timeout in seconds (1-900)')
    .option('-e, --env <KEY=VALUE>', 'environment variable (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('-d, --description <text>', 'description')
    .option('--role <arn>', 'execution role ARN (not enforced by Nimbus)', 'arn:aws:iam::000000000000:role/nimbus')
    .action(async (path: string, opts: DeployOptions) => {
      const abs = resolve(path);
      if (!existsSync(abs)) throw new CliError(`${path} does not exist`);
      const isDir = statSync(abs).isDirectory();
      const zip = isDir ? await zipFolder(abs) : readFileSync(abs);
      const name = opts.name ?? basename(abs).replace(/\.zip$/i, '');
      const config: Record<string, unknown> = {};
      if (opts.runtime) config['Runtime'] = opts.runtime;
      if (opts.handler) config['Handler'] = opts.handler;
      if (opts.memory) config['MemorySize'] = toInt(opts.memory, '--memory');
      if (opts.timeout) config['Timeout'] = toInt(opts.timeout, '--timeout');
      if (opts.description !== undefined) config['Description'] = opts.description;
      if (opts.env.length) config['Environment'] = { Variables: parseEnv(opts.env) };
      const c = client();
      const exists = (await c.request('GET', fnPath(name))).status === 200;
      let result: Record<string, unknown>;
      if (!exists) {
        result = await c.json('POST', '/2015-03-31/functions', {
          FunctionName: name,
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: opts.role,
          ...config,
          Code: { ZipFile: zip.toString('base64') },
        });
      } else {
        result = await c.json('PUT', `${fnPath(name)}/code`, { ZipFile: zip.toString('base64') });
        if (Object.keys(config).length) result = await c.json('PUT', `${fnPath(name)}/configuration`, config);
      }
      process.stdout.write(
        `${exists ? 'Updated' : 'Created'} ${String(result['FunctionName'])} (${String(result['Runtime'])}, ${String(result['Handler'])}, ` +
          `${String(result['MemorySize'])} MB, ${zip.length} bytes, sha256 ${String(result['CodeSha256'])})\n`,
      );
    });
}

function toInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new CliError(`${flag} must be a whole number, got '${v}'`);
  return n;
}

function parseEnv(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new CliError(`--env takes KEY=VALUE, got '${p}'`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}
