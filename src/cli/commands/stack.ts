/**
 * `nimbus stack ls|describe|rm`: the stacks `nimbus deploy -t` created (`/nimbus/v1/stacks`): their
 * status, what each owns, where its APIs and function URLs answer, and deleting one with all it owns.
 */
import type { Command } from 'commander';
import type { StackDescription } from '../../sam/report.js';
import type { NimbusClient } from '../client.js';

interface Summary {
  StackName: string;
  StackStatus: string;
  StackStatusReason?: string;
  LastUpdatedTime: string;
  ResourceCount: number;
}

function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(`${r.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
}

const path = (name: string): string => `/nimbus/v1/stacks/${encodeURIComponent(name)}`;

export function registerStack(program: Command, client: () => NimbusClient): void {
  const stack = program.command('stack').description('SAM stacks deployed with nimbus deploy -t: list, describe, delete');

  stack
    .command('ls')
    .description('List stacks')
    .option('--json', 'print the raw answer')
    .action(async (opts: { json?: boolean }) => {
      const { Stacks } = await client().json<{ Stacks: Summary[] }>('GET', '/nimbus/v1/stacks');
      if (opts.json) return void process.stdout.write(`${JSON.stringify(Stacks, null, 2)}\n`);
      if (Stacks.length === 0) return void process.stdout.write('No stacks.\n');
      table([['NAME', 'STATUS', 'RESOURCES', 'UPDATED'], ...Stacks.map((s) => [s.StackName, s.StackStatus, String(s.ResourceCount), s.LastUpdatedTime])]);
    });

  stack
    .command('describe <name>')
    .description("A stack's status, parameters, resources, API URLs and outputs")
    .option('--json', 'print the raw answer')
    .action(async (name: string, opts: { json?: boolean }) => {
      const d = await client().json<StackDescription & { LastUpdatedTime: string }>('GET', path(name));
      if (opts.json) return void process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
      const w = (line: string): void => void process.stdout.write(`${line}\n`);
      w(`Stack ${d.StackName}: ${d.StackStatus} (updated ${d.LastUpdatedTime})`);
      if (d.StackStatusReason) w(`  reason: ${d.StackStatusReason}`);
      w(`  id: ${d.StackId}`);
      for (const p of d.Parameters) w(`  parameter ${p.ParameterKey} = ${p.ParameterValue}`);
      w('Resources:');
      table([
        ['  LOGICAL ID', 'TYPE', 'PHYSICAL ID'],
        ...d.Resources.map((r) => [`  ${r.LogicalResourceId}`, r.ResourceType, `${r.PhysicalResourceId}${r.FunctionUrl ? `  ${r.FunctionUrl}` : ''}`]),
      ]);
      for (const a of d.Apis) {
        w(`API ${a.LogicalId} (${a.Type}, ${a.ApiId}, stage ${a.Stage}):`);
        w(`  ${a.Url}`);
        w(`  ${a.PathUrl}`);
        for (const r of a.Routes) w(`  ${r.RouteKey} -> ${r.FunctionName}${r.Qualifier ? `:${r.Qualifier}` : ''} (payload ${r.PayloadFormatVersion})`);
      }
      if (d.Outputs.length) w('Outputs:');
      for (const o of d.Outputs) w(`  ${o.OutputKey}: ${o.OutputValue}`);
    });

  stack
    .command('rm <name...>')
    .description('Delete stacks and everything they own')
    .action(async (names: string[]) => {
      const c = client();
      for (const n of names) {
        await c.call('DELETE', path(n));
        process.stdout.write(`Deleted stack ${n}\n`);
      }
    });
}
