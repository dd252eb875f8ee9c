/**
 * `nimbus deploy`: creates or updates a function from a folder or a zip, or deploys a SAM
 * template (`-t template.yaml`, logic in src/sam); `--watch` redeploys on file changes.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, fnPath, type NimbusClient } from '../client.js';
import { zipFolder } from '../zip-folder.js';
import { messageOf } from '../../core/errors.js';

interface DeployOptions {
  name?: string;
  runtime?: string;
  handler?: string;
  memory?: string;
  timeout?: string;
  env: string[];
  description?: string;
  role: string;
  template?: string;
  stackName?: string;
  stack?: string;
  parameterOverrides: string[];
  watch?: boolean;
}

export function registerDeploy(program: Command, client: () => NimbusClient): void {
  program
    .command('deploy [path]')
    .description('Create or update a function from a folder or a .zip file, or deploy a SAM template (-t)')
    .option('-t, --template <file>', 'deploy the AWS::Serverless::Function resources and HttpApi/Api routes of a SAM template')
    .option('--stack-name <name>', 'with -t: the stack to create or update (default: the template folder name)')
    .option('--stack <name>', 'the same as --stack-name')
    .option('--parameter-overrides <Key=Value>', 'with -t: a template parameter (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('-w, --watch', 'redeploy whenever a file under the folder (or the template folder) changes')
    .option('-n, --name <name>', 'function name (default: the folder or zip name)')
    .option('-r, --runtime <runtime>', 'runtime, for example nodejs20.x (default on create: nodejs20.x)')
    .option('-H, --handler <handler>', 'handler, for example index.handler (default on create: index.handler)')
    .option('-m, --memory <mb>', 'memory size in MB (128-10240)')
    .option('--timeout <seconds>', 'timeout in seconds (1-900)')
    .option('-e, --env <KEY=VALUE>', 'environment variable (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('-d, --description <text>', 'description')
    .option('--role <arn>', 'execution role ARN (not enforced by Nimbus)', 'arn:aws:iam::000000000000:role/nimbus')
    .action(async (path: string | undefined, opts: DeployOptions) => {
      if (opts.template !== undefined) {
        if (path !== undefined) throw new CliError('give either a path or -t <template>, not both');
        if (opts.stack !== undefined && opts.stackName !== undefined && opts.stack !== opts.stackName) throw new CliError('give --stack-name or --stack, not both');
        const c = client();
        // Loaded here, not at the top: every command (`serve` too) would pay for SAM's modules at start.
        const [{ deployTemplate }, { SamError }] = await Promise.all([import('../../sam/deploy.js'), import('../../sam/errors.js')]);
        const once = () =>
          deployTemplate(
            {
              templateFile: opts.template!,
              stack: opts.stackName ?? opts.stack,
              region: c.region,
              parameterOverrides: parseEnv(opts.parameterOverrides, '--parameter-overrides'),
              warn: (line) => process.stderr.write(`${line}\n`),
            },
            { client: c, zipFolder, role: opts.role, out: (line) => process.stdout.write(`${line}\n`) },
          ).then(
            () => undefined,
            (e: unknown) => {
              throw e instanceof SamError ? new CliError(e.message) : e;
            },
          );
        await once();
        if (opts.watch) await watchForever(dirname(resolve(opts.template)), once);
        return;
      }
      if (path === undefined) throw new CliError('give a folder or .zip to deploy, or -t <template.yaml>');
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
      if (opts.watch && isDir) {
        await watchForever(abs, async () => {
          const again = await zipFolder(abs);
          const r = await c.json('PUT', `${fnPath(name)}/code`, { ZipFile: again.toString('base64') });
          process.stdout.write(`Updated ${name} (${again.length} bytes, sha256 ${String(r['CodeSha256'])})\n`);
        }, () =>
          process.stdout.write(
            `${exists ? 'Updated' : 'Created'} ${String(result['FunctionName'])} (${String(result['Runtime'])}, ${String(result['Handler'])}, ` +
              `${String(result['MemorySize'])} MB, ${zip.length} bytes, sha256 ${String(result['CodeSha256'])})\n`,
          ),
        );
        return;
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

/** Runs `deploy` on every change under `dir` until Ctrl-C. */
async function watchForever(dir: string, deploy: () => Promise<void>, first?: () => void): Promise<void> {
  first?.();
  const { watchAndRedeploy } = await import('../../sam/watch.js');
  process.stdout.write(`Watching ${dir} for changes (Ctrl-C to stop)\n`);
  const w = watchAndRedeploy(dir, deploy, { onError: (e) => process.stderr.write(`nimbus: ${messageOf(e)}\n`) });
  await new Promise<void>((done) => {
    const stop = (): void => {
      w.close();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function parseEnv(pairs: string[], flag = '--env'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new CliError(`${flag} takes KEY=VALUE, got '${p}'`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}
