/**
 * `nimbus events`: the async queue (queued, running, retrying, succeeded and failed events with
 * their attempt counts); `nimbus queue`: the SQS queues that destinations and dead-letter
 * configs write to, read without receiving (queues.ts has `nimbus queues` and `nimbus esm`).
 */
import type { Command } from 'commander';
import type { NimbusClient } from '../client.js';

interface EventRow {
  requestId: string;
  functionName: string;
  source: string;
  status: string;
  attempts: number;
  enqueuedAt: string;
  nextAttemptAt: string | null;
  finishedAt: string | null;
  condition: string | null;
  lastError: string | null;
}

/** Prints rows as aligned columns. */
export function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) process.stdout.write(`${r.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
}

export function registerEvents(program: Command, client: () => NimbusClient): void {
  program
    .command('events')
    .description('List async events (Event invokes, schedule runs, destination deliveries), newest first')
    .option('--function <name>', 'only this function')
    .option('--status <status>', 'queued | running | retrying | succeeded | failed')
    .option('-n, --limit <count>', 'how many', '50')
    .option('--json', 'print JSON')
    .action(async (opts: { function?: string; status?: string; limit: string; json?: boolean }) => {
      const q = new URLSearchParams({ limit: opts.limit });
      if (opts.function) q.set('function', opts.function);
      if (opts.status) q.set('status', opts.status);
      const { events, counts } = await client().json<{ events: EventRow[]; counts: Record<string, number> }>('GET', `/nimbus/v1/events?${q.toString()}`);
      if (opts.json) return void process.stdout.write(`${JSON.stringify(events, null, 2)}\n`);
      process.stdout.write(`${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
      if (events.length === 0) return void process.stdout.write('No events.\n');
      const rows = [['REQUEST ID', 'FUNCTION', 'STATUS', 'ATTEMPTS', 'ENQUEUED', 'NEXT/FINISHED', 'DETAIL']];
      for (const e of events) {
        rows.push([
          e.requestId,
          e.functionName,
          e.status,
          String(e.attempts),
          e.enqueuedAt,
          e.nextAttemptAt ?? e.finishedAt ?? '',
          [e.condition, e.lastError].filter(Boolean).join(': ').slice(0, 80),
        ]);
      }
      table(rows);
    });

  const queue = program.command('queue').description('SQS queues (arn:aws:sqs:<region>:<account>:<name>), which async destinations and dead-letter configs write to');
  queue
    .command('ls')
    .description('List queues with how many messages each holds')
    .action(async () => {
      const { queues } = await client().json<{ queues: { name: string; messages: number; arn: string }[] }>('GET', '/nimbus/v1/queues');
      if (queues.length === 0) return void process.stdout.write('No queues.\n');
      table([['NAME', 'MESSAGES', 'ARN'], ...queues.map((q) => [q.name, String(q.messages), q.arn])]);
    });
  queue
    .command('read <name>')
    .description('Print messages of a queue as JSON lines (oldest first) without receiving them')
    .option('--after <id>', 'only messages after this id', '0')
    .option('-n, --limit <count>', 'how many', '100')
    .option('--delete', 'delete the printed messages')
    .action(async (name: string, opts: { after: string; limit: string; delete?: boolean }) => {
      const c = client();
      const path = `/nimbus/v1/queues/${encodeURIComponent(name)}/messages`;
      const page = await c.json<{ messages: { id: number }[] }>('GET', `${path}?after=${encodeURIComponent(opts.after)}&limit=${encodeURIComponent(opts.limit)}`);
      for (const m of page.messages) process.stdout.write(`${JSON.stringify(m)}\n`);
      if (opts.delete && page.messages.length) await c.call('DELETE', `${path}?ids=${page.messages.map((m) => m.id).join(',')}`);
    });
}
