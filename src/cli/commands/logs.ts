/** `nimbus logs`: prints a function's logs; `--follow` keeps printing new ones. */
import type { Command } from 'commander';
import type { NimbusClient } from '../client.js';

interface LogPage {
  events: { id: number; text: string }[];
  next: number;
}

export function registerLogs(program: Command, client: () => NimbusClient): void {
  program
    .command('logs <name>')
    .description("Print a function's logs (START, output, END and REPORT of each invocation)")
    .option('-f, --follow', 'keep printing new logs until interrupted')
    .option('-n, --tail <count>', 'how many of the newest invocations to print first', '20')
    .action(async (name: string, opts: { follow?: boolean; tail: string }) => {
      const c = client();
      const base = `/nimbus/v1/functions/${encodeURIComponent(name)}/logs`;
      // Unknown functions get Lambda's ResourceNotFoundException, not an empty log.
      await c.call('GET', `/2015-03-31/functions/${encodeURIComponent(name)}/configuration`);
      let page = await c.json<LogPage>('GET', `${base}?tail=${encodeURIComponent(opts.tail)}`);
      for (;;) {
        for (const e of page.events) process.stdout.write(e.text.endsWith('\n') ? e.text : `${e.text}\n`);
        if (!opts.follow) return;
        page = await c.json<LogPage>('GET', `${base}?after=${page.next}&wait=20&limit=1000`);
      }
    });
}
