/** `nimbus invoke`: calls a function synchronously; prints the result and the log tail. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { apiError, CliError, fnPath, type NimbusClient } from '../client.js';

export function registerInvoke(program: Command, client: () => NimbusClient): void {
  program
    .command('invoke <name>')
    .description('Invoke a function and print its result (stdout) and log tail (stderr)')
    .option('-p, --payload <json>', "event as JSON text, or '-' to read it from stdin")
    .option('-f, --file <path>', 'read the event from a file')
    .option('-q, --qualifier <qualifier>', 'version or alias')
    .option('--no-logs', 'do not print the log tail')
    .addHelpText('after', '\nExits with status 1 when the function fails (X-Amz-Function-Error), printing its error.')
    .action(async (name: string, opts: { payload?: string; file?: string; qualifier?: string; logs: boolean }) => {
      let payload = '{}';
      if (opts.payload !== undefined && opts.file !== undefined) throw new CliError('give either --payload or --file, not both');
      if (opts.file !== undefined) payload = readFileSync(opts.file, 'utf8');
      else if (opts.payload === '-') payload = readFileSync(0, 'utf8');
      else if (opts.payload !== undefined) payload = opts.payload;
      const q = opts.qualifier ? `?Qualifier=${encodeURIComponent(opts.qualifier)}` : '';
      const r = await client().request('POST', `${fnPath(name)}/invocations${q}`, payload, {
        'content-type': 'application/json',
        'x-amz-log-type': opts.logs ? 'Tail' : 'None',
      });
      if (r.status >= 400) throw apiError(r);
      const tail = r.headers.get('x-amz-log-result');
      if (opts.logs && tail) process.stderr.write(Buffer.from(tail, 'base64').toString('utf8'));
      process.stdout.write(`${r.body.toString('utf8')}\n`);
      if (r.headers.get('x-amz-function-error')) process.exitCode = 1;
    });
}
