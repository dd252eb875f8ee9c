/**
 * The chaos soak of docs/reference/reliability-and-isolation.md §5 row 17: mixed sync and async load against a
 * real `nimbus serve` while a chaos loop kill -9s the server (and restarts it), kill -9s sandboxes
 * (the server's child processes, found through /proc) and SIGSTOPs the server for 5 s. After the
 * chaos stops and Nimbus has recovered, every accepted event must have exactly one terminal state
 * (one terminal row in the queue, exactly one destination record, and one dead letter if and only
 * if it failed), nothing may stay in flight,
 * and every sync call must have got an answer or an explicit error, never a hang.
 *
 * The duration is a parameter: `test/e2e/async-soak.test.ts` runs about a minute of it inside
 * `npm test`; `npm run soak:async -- --minutes 30` (scripts/soak-async.mjs) runs the full soak.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PutFunctionEventInvokeConfigCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { LEDGER_HANDLER, readLedger } from './ledger.js';
import { deployNode, sdkClient } from './nimbus.js';
import { alive, serve, type ServedNimbus } from './serve.js';

export interface SoakOptions {
  /** How long load and chaos run; recovery and checks come after. */
  durationMs: number;
  /** A working directory: the data directory and the ledger go inside. */
  workDir: string;
  seed: number;
  /** Pause between two chaos actions, drawn uniformly from this range (ms). */
  chaosGapMs?: [number, number];
  /** MaximumRetryAttempts for the function (0 keeps the recovery short: no 1-2 minute retries). */
  retries?: number;
  /** Concurrent async and sync clients. */
  asyncClients?: number;
  syncClients?: number;
  /** Mean pause of each async client between two events (ms); sets the offered load. */
  asyncPauseMs?: number;
  /** A sync call (or a 202) that takes longer than this is a hang. */
  hangMs?: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  seed: number;
  durationMs: number;
  /** Event invokes sent, answered 202, refused with an HTTP error, or cut off (server killed). */
  async: { sent: number; accepted: number; refused: number; cutOff: number; hung: number };
  /** Events in the queue at the end (acknowledged plus committed-but-cut-off) by terminal state. */
  terminal: { succeeded: number; failed: Record<string, number>; notTerminal: number; rows: number };
  /** Failed events by the error type in their failure record (a function error, a timeout, a killed sandbox). */
  failedBy: Record<string, number>;
  /** Dead letters written (one per failed event). */
  deadLetters: number;
  /**
   * Distinct acknowledged events the function ran, total executions of them (function-error
   * retries included), and events that succeeded but ran more than once (duplicates from chaos).
   */
  executed: { events: number; executions: number; succeededMoreThanOnce: number };
  sync: { sent: number; ok: number; functionError: number; throttled: number; serverError: number; connectionError: number; hung: number };
  chaos: { serverKills: number; sandboxKills: number; stops: number };
  /** Server starts after the first (one per kill). */
  restarts: number;
  /** Sandbox processes of a killed server still alive 5 s after it died (cleaned up at the end). */
  orphans: number;
  recoveryMs: number;
  /** Violations of the row's pass criterion; empty when it passed. */
  problems: string[];
}

const FN = 'soak';
const OK_QUEUE = 'soak-ok';
const FAILED_QUEUE = 'soak-failed';
const DLQ = 'soak-dlq';
/** The function has a 2 s timeout, so `{ms: 5000}` ends as a timeout (a function error). */
const TIMEOUT_S = 2;

/** A small seeded generator, so a failing run can be replayed from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A mixed event: mostly quick ones, some slow (running when chaos strikes), some failing or timing out. */
function payload(n: number, r: number): Record<string, unknown> {
  if (r < 0.6) return { n };
  if (r < 0.8) return { n, ms: 300 };
  if (r < 0.9) return { n, fail: true };
  if (r < 0.95) return { n, ms: 5000 };
  return { n, ms: 50, fail: true };
}

/** Child pids of `pid` (all threads), read from /proc: the sandboxes of a `process`-isolation server. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        out.push(...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number));
      } catch {
        // The thread ended meanwhile.
      }
    }
  } catch {
    // The process is gone.
  }
  return [...new Set(out)];
}

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const random = rng(o.seed);
  const log = o.log ?? (() => undefined);
  const hangMs = o.hangMs ?? 30_000;
  const asyncPause = o.asyncPauseMs ?? 30;
  const [gapMin, gapMax] = o.chaosGapMs ?? [3_000, 8_000];
  const dataDir = join(o.workDir, 'data');
  const ledger = join(o.workDir, 'ledger');
  mkdirSync(dataDir, { recursive: true });
  const cleanups: (() => unknown)[] = [];
  const fakeT = { after: (fn: () => unknown) => void cleanups.push(fn) };
  const env = { NIMBUS_ISOLATION: 'process', NIMBUS_KEEPALIVE: 'fixed:30s' };
  const report: SoakReport = {
    seed: o.seed,
    durationMs: o.durationMs,
    async: { sent: 0, accepted: 0, refused: 0, cutOff: 0, hung: 0 },
    terminal: { succeeded: 0, failed: {}, notTerminal: 0, rows: 0 },
    failedBy: {},
    deadLetters: 0,
    executed: { events: 0, executions: 0, succeededMoreThanOnce: 0 },
    sync: { sent: 0, ok: 0, functionError: 0, throttled: 0, serverError: 0, connectionError: 0, hung: 0 },
    chaos: { serverKills: 0, sandboxKills: 0, stops: 0 },
    restarts: 0,
    orphans: 0,
    recoveryMs: 0,
    problems: [],
  };
  const problems = report.problems;
  const accepted = new Map<string, number>();
  const orphanPids = new Set<number>();
  let server: ServedNimbus | undefined;

  try {
    server = await serve(fakeT, { dataDir, env });
    const lambda = sdkClient(server.url);
    try {
      await deployNode(lambda, FN, { 'index.js': LEDGER_HANDLER }, { Timeout: TIMEOUT_S, MemorySize: 128, Environment: { Variables: { LEDGER: ledger } } });
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: FN, DeadLetterConfig: { TargetArn: `arn:aws:sqs:us-east-1:000000000000:${DLQ}` } }));
      await lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: FN,
          MaximumRetryAttempts: o.retries ?? 0,
          DestinationConfig: {
            OnSuccess: { Destination: `arn:aws:sqs:us-east-1:000000000000:${OK_QUEUE}` },
            OnFailure: { Destination: `arn:aws:sqs:us-east-1:000000000000:${FAILED_QUEUE}` },
          },
        }),
      );
    } finally {
      lambda.destroy();
    }

    const started = Date.now();
    let stop = false;
    let n = 0;
    const invokeUrl = (): string => `${server!.url}/2015-03-31/functions/${FN}/invocations`;

    const asyncClient = async (): Promise<void> => {
      while (!stop) {
        const i = n++;
        report.async.sent++;
        try {
          const r = await fetch(invokeUrl(), {
            method: 'POST',
            headers: { 'x-amz-invocation-type': 'Event' },
            body: JSON.stringify(payload(i, random())),
            signal: AbortSignal.timeout(hangMs),
          });
          await r.arrayBuffer();
          if (r.status === 202) {
            report.async.accepted++;
            accepted.set(r.headers.get('x-amzn-requestid')!, i);
          } else report.async.refused++;
        } catch (e) {
          if ((e as Error).name === 'TimeoutError') {
            report.async.hung++;
            problems.push(`an Event invoke got no answer within ${hangMs} ms`);
          } else report.async.cutOff++;
          await sleep(100);
        }
        await sleep(asyncPause * (0.5 + random()));
      }
    };

    const syncClient = async (): Promise<void> => {
      while (!stop) {
        const i = n++;
        report.sync.sent++;
        try {
          const r = await fetch(invokeUrl(), { method: 'POST', body: JSON.stringify(payload(i, random())), signal: AbortSignal.timeout(hangMs) });
          await r.arrayBuffer();
          if (r.status === 200) {
            if (r.headers.get('x-amz-function-error')) report.sync.functionError++;
            else report.sync.ok++;
          } else if (r.status === 429) report.sync.throttled++;
          else if (r.status >= 500) report.sync.serverError++;
          else problems.push(`a sync invoke answered ${r.status}`);
        } catch (e) {
          if ((e as Error).name === 'TimeoutError') {
            report.sync.hung++;
            problems.push(`a sync invoke got no answer within ${hangMs} ms`);
          } else report.sync.connectionError++;
          await sleep(100);
        }
        await sleep(20 + random() * 60);
      }
    };

    const restart = async (): Promise<void> => {
      for (let tries = 0; ; tries++) {
        try {
          server = await serve(fakeT, { dataDir, env });
          report.restarts++;
          return;
        } catch (e) {
          if (tries >= 3) throw e;
          await sleep(500);
        }
      }
    };

    // The first three actions are one of each kind (in a random order), so that even a short run
    // sees them all; after that each is drawn at random.
    const firstKinds = [0.1, 0.5, 0.9].sort(() => random() - 0.5);
    const chaos = async (): Promise<void> => {
      while (!stop) {
        await sleep(gapMin + random() * (gapMax - gapMin));
        if (stop) break;
        const s = server!;
        const pid = s.child.pid!;
        const r = firstKinds.shift() ?? random();
        if (r < 0.3) {
          const sandboxes = childPids(pid);
          s.child.kill('SIGKILL');
          await s.exited;
          report.chaos.serverKills++;
          log(`chaos: kill -9 server ${pid} (${sandboxes.length} sandboxes)`);
          setTimeout(() => {
            for (const p of sandboxes) if (alive(p)) orphanPids.add(p);
          }, 5_000).unref();
          await restart();
        } else if (r < 0.7) {
          let sandboxes = childPids(pid);
          for (let i = 0; i < 40 && sandboxes.length === 0; i++) {
            await sleep(50);
            sandboxes = childPids(pid);
          }
          const victim = sandboxes[Math.floor(random() * sandboxes.length)];
          if (victim === undefined) continue;
          try {
            // Each sandbox is its own process group: kill it and whatever it forked.
            process.kill(-victim, 'SIGKILL');
          } catch {
            process.kill(victim, 'SIGKILL');
          }
          report.chaos.sandboxKills++;
          log(`chaos: kill -9 sandbox ${victim}`);
        } else {
          s.child.kill('SIGSTOP');
          log(`chaos: SIGSTOP server ${pid} for 5 s`);
          await sleep(5_000);
          s.child.kill('SIGCONT');
          report.chaos.stops++;
        }
      }
    };

    const timer = setTimeout(() => (stop = true), o.durationMs);
    await Promise.all([
      chaos(),
      ...Array.from({ length: o.asyncClients ?? 3 }, asyncClient),
      ...Array.from({ length: o.syncClients ?? 2 }, syncClient),
    ]);
    clearTimeout(timer);
    log(`load and chaos stopped after ${Math.round((Date.now() - started) / 1000)} s; recovering`);

    // Recovery: the last server (never killed after this point) works off whatever is left. A
    // backlog may take a while; what must not happen is that the work stops while events remain
    // in flight. The stall limit outlasts the longest retry delay (2 minutes).
    const recoveryStart = Date.now();
    const stallMs = 200_000;
    let lastDone = -1;
    let lastProgress = Date.now();
    let lastLog = Date.now();
    for (;;) {
      const counts = ((await (await fetch(`${server!.url}/nimbus/v1/events?function=${FN}&limit=1`)).json()) as { counts: Record<string, number> }).counts;
      if ((counts['queued'] ?? 0) + (counts['running'] ?? 0) + (counts['retrying'] ?? 0) === 0) break;
      const done = (counts['succeeded'] ?? 0) + (counts['failed'] ?? 0);
      if (Date.now() - lastLog > 30_000) {
        lastLog = Date.now();
        log(`recovering: ${JSON.stringify(counts)}`);
      }
      if (done !== lastDone) {
        lastDone = done;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress > stallMs) {
        problems.push(`no event finished for ${stallMs / 1000} s while some are in flight: ${JSON.stringify(counts)}`);
        break;
      }
      await sleep(250);
    }
    report.recoveryMs = Date.now() - recoveryStart;
    server!.child.kill('SIGTERM');
    const exit = await server!.exited;
    if (exit.code !== 0) problems.push(`the last server did not stop cleanly: ${JSON.stringify(exit)}`);

    const succeeded = checkQueue(join(dataDir, 'queue.db'), accepted, report);
    const runs = new Map<string, number>();
    for (const l of readLedger(ledger)) if (accepted.has(l.id)) runs.set(l.id, (runs.get(l.id) ?? 0) + 1);
    report.executed.events = runs.size;
    report.executed.executions = [...runs.values()].reduce((a, b) => a + b, 0);
    report.executed.succeededMoreThanOnce = [...runs.entries()].filter(([id, c]) => c > 1 && succeeded.has(id)).length;
    report.orphans = orphanPids.size;
    if (report.async.accepted === 0) problems.push('no event was accepted');
    return report;
  } finally {
    for (const p of orphanPids) {
      try {
        process.kill(-p, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    for (const fn of cleanups.reverse()) await fn();
  }
}

interface Row {
  id: string;
  status: string;
  condition: string | null;
}

/**
 * Every message handed on to a queue: those still in the queue's outbox (queue.db) and those
 * already moved into their SQS queue (sqs.db). Between the two, each must appear exactly once.
 */
function handedOn(queueDb: Database.Database, sqsFile: string, report: SoakReport): { queue: string; body: string; attributes: Record<string, string> }[] {
  const out = (queueDb.prepare('SELECT queue, body, attributes FROM messages').all() as { queue: string; body: string; attributes: string }[]).map((m) => ({
    queue: m.queue,
    body: m.body,
    attributes: JSON.parse(m.attributes) as Record<string, string>,
  }));
  if (!existsSync(sqsFile)) return out;
  const sqs = new Database(sqsFile, { readonly: true });
  try {
    const integrity = (sqs.pragma('integrity_check') as { integrity_check: string }[])[0]?.integrity_check;
    if (integrity !== 'ok') report.problems.push(`sqs.db integrity_check: ${integrity}`);
    const rows = sqs.prepare('SELECT q.name AS queue, m.body AS body, m.attributes AS attributes FROM sqs_messages m JOIN sqs_queues q ON q.id = m.queue_id').all() as { queue: string; body: string; attributes: string | null }[];
    for (const r of rows) {
      const attrs = r.attributes ? (JSON.parse(r.attributes) as Record<string, { StringValue?: string }>) : {};
      out.push({ queue: r.queue, body: r.body, attributes: Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, v.StringValue ?? ''])) });
    }
  } finally {
    sqs.close();
  }
  return out;
}

/** Exactly one terminal state per accepted event: its queue row, and one destination record. Returns the ids that succeeded. */
function checkQueue(file: string, accepted: Map<string, number>, report: SoakReport): Set<string> {
  const db = new Database(file, { readonly: true });
  try {
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[])[0]?.integrity_check;
    if (integrity !== 'ok') report.problems.push(`queue.db integrity_check: ${integrity}`);
    const rows = db.prepare(`SELECT id, status, condition FROM events WHERE function_name = ?`).all(FN) as Row[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    report.terminal.rows = rows.length;
    for (const r of rows) {
      if (r.status === 'succeeded') report.terminal.succeeded++;
      else if (r.status === 'failed') report.terminal.failed[r.condition ?? 'none'] = (report.terminal.failed[r.condition ?? 'none'] ?? 0) + 1;
      else report.terminal.notTerminal++;
    }
    const records = new Map<string, string[]>();
    const handed = handedOn(db, file.replace(/queue\.db$/, 'sqs.db'), report);
    for (const m of handed.filter((x) => x.queue === OK_QUEUE || x.queue === FAILED_QUEUE)) {
      const rec = JSON.parse(m.body) as { requestContext: { requestId: string; condition: string }; responsePayload?: { errorType?: string } };
      const list = records.get(rec.requestContext.requestId) ?? [];
      list.push(rec.requestContext.condition);
      records.set(rec.requestContext.requestId, list);
      if (rec.requestContext.condition !== 'Success') {
        const type = rec.responsePayload?.errorType ?? 'none';
        report.failedBy[type] = (report.failedBy[type] ?? 0) + 1;
      }
    }
    const deadLetters = new Map<string, number>();
    for (const m of handed.filter((x) => x.queue === DLQ)) {
      const id = m.attributes['RequestID'] ?? '';
      deadLetters.set(id, (deadLetters.get(id) ?? 0) + 1);
      report.deadLetters++;
    }
    const problem = (s: string): void => {
      // Keep the report readable when something is badly wrong.
      if (report.problems.length < 50) report.problems.push(s);
    };
    for (const id of accepted.keys()) {
      const r = byId.get(id);
      if (!r) problem(`acknowledged event ${id} is not in the queue (lost)`);
      else if (r.status !== 'succeeded' && r.status !== 'failed') problem(`acknowledged event ${id} is stuck ${r.status}`);
      const recs = records.get(id) ?? [];
      if (recs.length !== 1) problem(`acknowledged event ${id} has ${recs.length} destination records: ${recs.join(',')}`);
      else if (r && (recs[0] === 'Success') !== (r.status === 'succeeded')) problem(`event ${id} is ${r.status} but its record says ${recs[0]}`);
      const dead = deadLetters.get(id) ?? 0;
      if (r && dead !== (r.status === 'failed' ? 1 : 0)) problem(`event ${id} is ${r.status} and has ${dead} dead letters`);
    }
    for (const r of rows) if (r.status !== 'succeeded' && r.status !== 'failed') problem(`event ${r.id} (committed, maybe not acknowledged) is stuck ${r.status}`);
    for (const [id, recs] of records) if (recs.length > 1 && !accepted.has(id)) problem(`event ${id} has ${recs.length} destination records`);
    return new Set(rows.filter((r) => r.status === 'succeeded').map((r) => r.id));
  } finally {
    db.close();
  }
}
