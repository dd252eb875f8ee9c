/** `nimbus schedule`: rate()/cron() schedules that invoke a function asynchronously (docs/async.md). */
import type { Command } from 'commander';
import type { NimbusClient } from '../client.js';
import { table } from './events.js';

interface ScheduleRow {
  Name: string;
  ScheduleExpression: string;
  State: string;
  FunctionName: string;
  Qualifier: string | null;
  NextRun: string | null;
  LastRun: string | null;
  MissedRuns: number;
}

export function registerSchedule(program: Command, client: () => NimbusClient): void {
  const schedule = program.command('schedule').description('Run functions on EventBridge rate() or cron() schedules');
  schedule
    .command('put <name> <function> <expression>')
    .description("Create or replace a schedule, e.g. nimbus schedule put nightly report 'cron(0 2 * * ? *)'")
    .option('--input <json>', 'send this JSON instead of the EventBridge scheduled event')
    .option('--qualifier <q>', 'version or alias to invoke')
    .option('--disabled', 'create it disabled')
    .action(async (name: string, fn: string, expression: string, opts: { input?: string; qualifier?: string; disabled?: boolean }) => {
      const body: Record<string, unknown> = { FunctionName: fn, ScheduleExpression: expression, State: opts.disabled ? 'DISABLED' : 'ENABLED' };
      if (opts.input !== undefined) body['Input'] = opts.input;
      if (opts.qualifier !== undefined) body['Qualifier'] = opts.qualifier;
      const s = await client().json<ScheduleRow>('PUT', `/nimbus/v1/schedules/${encodeURIComponent(name)}`, body);
      process.stdout.write(`Schedule ${s.Name}: ${s.ScheduleExpression} -> ${s.FunctionName}; next run ${s.NextRun ?? 'never'}\n`);
    });
  schedule
    .command('ls')
    .description('List schedules')
    .action(async () => {
      const { schedules } = await client().json<{ schedules: ScheduleRow[] }>('GET', '/nimbus/v1/schedules');
      if (schedules.length === 0) return void process.stdout.write('No schedules.\n');
      const rows = [['NAME', 'EXPRESSION', 'STATE', 'FUNCTION', 'NEXT RUN', 'LAST RUN', 'MISSED']];
      for (const s of schedules) {
        rows.push([s.Name, s.ScheduleExpression, s.State, s.FunctionName + (s.Qualifier ? `:${s.Qualifier}` : ''), s.NextRun ?? '', s.LastRun ?? '', String(s.MissedRuns)]);
      }
      table(rows);
    });
  schedule
    .command('rm <name...>')
    .description('Delete schedules')
    .action(async (names: string[]) => {
      for (const n of names) {
        await client().call('DELETE', `/nimbus/v1/schedules/${encodeURIComponent(n)}`);
        process.stdout.write(`Deleted schedule ${n}\n`);
      }
    });
}
