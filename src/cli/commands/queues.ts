/**
 * `nimbus queues`: the SQS queues of the region with their counts (visible, in flight, delayed);
 * `nimbus esm`: the event-source mappings with what their pollers have done - state, recent
 * batches and their outcomes, failed records, throttles, and the lag of the source (messages
 * waiting and the age of the oldest). Both read Nimbus's own API (/nimbus/v1/queues,
 * /nimbus/v1/event-source-mappings).
 */
import type { Command } from 'commander';
import type { NimbusClient } from '../client.js';
import { table } from './events.js';

interface QueueRow {
  name: string;
  fifo: boolean;
  visible: number;
  inFlight: number;
  delayed: number;
  url: string;
}

interface Batch {
  at: number;
  records: number;
  filtered: number;
  outcome: string;
  failed: number;
  durationMs: number;
  delayMs: number;
  error?: string;
}

interface MappingRow {
  UUID: string;
  FunctionArn: string;
  EventSourceArn: string;
  State: string;
  BatchSize: number;
  Nimbus: {
    stats: { batches: number; records: number; succeeded: number; failed: number; filtered: number; throttles: number; lastProcessingResult: string; recent: Batch[] };
    lag?: { waiting: number; inFlight: number; oldestAgeMs?: number };
  } | null;
}

/** A function ARN's name and qualifier, another ARN's resource name. */
const last = (arn: string): string => (/^arn:[^:]+:lambda:/.test(arn) ? arn.split(':').slice(6).join(':') : (arn.split(':').pop() ?? arn));
const seconds = (ms: number | undefined): string => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

export function registerQueues(program: Command, client: () => NimbusClient): void {
  program
    .command('queues')
    .description('List SQS queues with their message counts')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { queues } = await client().json<{ queues: QueueRow[] }>('GET', '/nimbus/v1/queues');
      if (opts.json) return void process.stdout.write(`${JSON.stringify(queues, null, 2)}\n`);
      if (queues.length === 0) return void process.stdout.write('No queues.\n');
      table([['NAME', 'VISIBLE', 'IN FLIGHT', 'DELAYED', 'URL'], ...queues.map((q) => [q.name, String(q.visible), String(q.inFlight), String(q.delayed), q.url])]);
    });

  program
    .command('esm [uuid]')
    .description('List event-source mappings with their recent batches, failures and lag (one mapping in detail with its UUID)')
    .option('--json', 'print JSON')
    .action(async (uuid: string | undefined, opts: { json?: boolean }) => {
      const c = client();
      const mappings = uuid
        ? [await c.json<MappingRow>('GET', `/nimbus/v1/event-source-mappings/${encodeURIComponent(uuid)}`)]
        : (await c.json<{ mappings: MappingRow[] }>('GET', '/nimbus/v1/event-source-mappings')).mappings;
      if (opts.json) return void process.stdout.write(`${JSON.stringify(uuid ? mappings[0] : mappings, null, 2)}\n`);
      if (mappings.length === 0) return void process.stdout.write('No event-source mappings.\n');
      const rows = [['UUID', 'FUNCTION', 'SOURCE', 'STATE', 'BATCHES', 'RECORDS', 'FAILED', 'FILTERED', 'THROTTLES', 'WAITING', 'IN FLIGHT', 'OLDEST', 'LAST RESULT']];
      for (const m of mappings) {
        const s = m.Nimbus?.stats;
        const lag = m.Nimbus?.lag;
        rows.push([
          m.UUID,
          last(m.FunctionArn),
          last(m.EventSourceArn),
          m.State,
          String(s?.batches ?? 0),
          String(s?.records ?? 0),
          String(s?.failed ?? 0),
          String(s?.filtered ?? 0),
          String(s?.throttles ?? 0),
          lag ? String(lag.waiting) : '-',
          lag ? String(lag.inFlight) : '-',
          seconds(lag?.oldestAgeMs),
          (s?.lastProcessingResult ?? '-').slice(0, 60),
        ]);
      }
      table(rows);
      if (!uuid) return;
      const recent = mappings[0]?.Nimbus?.stats.recent ?? [];
      process.stdout.write(recent.length === 0 ? '\nNo batches yet.\n' : '\nRecent batches (oldest first):\n');
      if (recent.length === 0) return;
      table([
        ['AT', 'RECORDS', 'FILTERED', 'OUTCOME', 'FAILED', 'DURATION', 'DELAY', 'ERROR'],
        ...recent.map((b) => [new Date(b.at).toISOString(), String(b.records), String(b.filtered), b.outcome, String(b.failed), `${b.durationMs} ms`, `${b.delayMs} ms`, (b.error ?? '').slice(0, 60)]),
      ]);
    });
}
