/**
 * async-events: durable Event invokes. How many 202s per second Nimbus sustains with full
 * durability (every 202 follows an fsync of the queue; group commit shares one fsync between the
 * events that arrive together), and the delay from the 202 to the end of the event's execution
 * (p50, p99), at one connection and under load. The queue's own timestamps give the delay:
 * `enqueuedAt` is taken just before the commit, `finishedAt` when the attempt's result comes back.
 */
import { load, type LoadResult } from '../lib/load.js';
import { fmt, type Section } from '../lib/report.js';
import { startNimbus } from '../targets/nimbus.js';

export interface AsyncEventsOptions {
  durationS: number;
  connections: number;
}

interface EventRow {
  status: string;
  enqueuedAt: string;
  finishedAt: string | null;
}

interface Phase {
  name: string;
  load: LoadResult;
  executed: number;
  delays: number[];
  backlog: number;
}

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

type Counts = Record<'queued' | 'running' | 'retrying' | 'succeeded' | 'failed', number>;

/** Status counts, and up to 10,000 events enqueued from `since` on, oldest first. */
async function events(url: string, since = 0): Promise<{ counts: Counts; events: EventRow[] }> {
  const r = await fetch(`${url}/nimbus/v1/events?limit=10000&function=bench&since=${new Date(since).toISOString()}`);
  return (await r.json()) as { counts: Counts; events: EventRow[] };
}

const waiting = (c: Counts): number => c.queued + c.running + c.retrying;

/** Waits until nothing is waiting or running (or `ms` passes); returns what is still waiting. */
async function drain(url: string, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = waiting((await events(url, Date.now())).counts);
    if (left === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function asyncEvents(o: AsyncEventsOptions): Promise<Section> {
  const t = await startNimbus();
  const phases: Phase[] = [];
  try {
    const base = { url: t.invokeUrl, method: 'POST' as const, body: '{"n":1}', headers: { 'x-amz-invocation-type': 'Event' } };
    // Warm-up: start the sandboxes delivery needs.
    await load({ ...base, connections: 4, durationS: 2 });
    await drain(t.url, 30_000);
    for (const [name, connections, durationS] of [
      ['1 connection', 1, Math.max(3, Math.round(o.durationS / 2))],
      [`${o.connections} connections`, o.connections, o.durationS],
    ] as const) {
      const before = (await events(t.url, Date.now())).counts;
      const start = Date.now();
      const result = await load({ ...base, connections, durationS });
      const end = Date.now();
      const after = (await events(t.url, end)).counts;
      const backlog = waiting(after);
      await drain(t.url, 120_000);
      // The first 10,000 events of the window: their delays from 202 to the end of the execution.
      const mine = (await events(t.url, start)).events.filter((e) => Date.parse(e.enqueuedAt) <= end && e.finishedAt);
      phases.push({
        name,
        load: result,
        executed: (after.succeeded + after.failed - before.succeeded - before.failed) / ((end - start) / 1000),
        delays: mine.map((e) => Date.parse(e.finishedAt!) - Date.parse(e.enqueuedAt)),
        backlog,
      });
    }
  } finally {
    await t.stop();
  }
  const rows = phases.map((p) => [
    p.name,
    fmt(p.load.rps),
    fmt(p.load.p50Ms, 2),
    fmt(p.load.p99Ms, 2),
    fmt(p.executed),
    String(p.backlog),
    fmt(pct(p.delays, 50), 1),
    fmt(pct(p.delays, 99), 1),
    String(p.load.errors),
  ]);
  const busy = phases[phases.length - 1]!;
  return {
    scenario: 'async-events',
    description: `Durable Event invokes of a trivial Node.js handler (202 only after the fsync), 1 connection, then ${o.connections} connections for ${o.durationS} s; load by ${busy.load.tool}. Delay = 202 to the end of the execution, from the queue's own timestamps (the first 10,000 events of each window).`,
    table: { header: ['load', '202/s', '202 p50 ms', '202 p99 ms', 'executed/s', 'backlog at end', 'delay p50 ms', 'delay p99 ms', 'errors'], rows },
    notes: [`Nimbus sustains ${fmt(busy.load.rps)} durable events/s (target: >= 2,000 on this machine)`],
  };
}
