/** `nimbus ls` and `nimbus rm`: list and delete functions. */
import type { Command } from 'commander';
import { fnPath, type NimbusClient } from '../client.js';

interface ListPage {
  Functions: { FunctionName: string; Runtime: string; MemorySize: number; Timeout: number; CodeSize: number; LastModified: string }[];
  NextMarker?: string;
}

export function registerLs(program: Command, client: () => NimbusClient): void {
  program
    .command('ls')
    .description('List functions')
    .option('--json', 'print the raw FunctionConfiguration objects')
    .action(async (opts: { json?: boolean }) => {
      const c = client();
      const all: ListPage['Functions'] = [];
      let marker: string | undefined;
      do {
        const page = await c.json<ListPage>('GET', `/2015-03-31/functions${marker ? `?Marker=${encodeURIComponent(marker)}` : ''}`);
        all.push(...page.Functions);
        marker = page.NextMarker;
      } while (marker);
      if (opts.json) return void process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
      if (all.length === 0) return void process.stdout.write('No functions.\n');
      const rows = [['NAME', 'RUNTIME', 'MEMORY', 'TIMEOUT', 'SIZE', 'MODIFIED']];
      for (const f of all) rows.push([f.FunctionName, f.Runtime, `${f.MemorySize} MB`, `${f.Timeout} s`, `${f.CodeSize} B`, f.LastModified]);
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) process.stdout.write(`${r.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
    });

  program
    .command('rm <name...>')
    .description('Delete functions')
    .action(async (names: string[]) => {
      const c = client();
      for (const n of names) {
        await c.call('DELETE', fnPath(n));
        process.stdout.write(`Deleted ${n}\n`);
      }
    });
}
