/**
 * Row 15 of docs/reference/reliability-and-isolation.md §5: the throttle-retry path is separate from function
 * retries. A burst of 20 events against reserved concurrency 1: all run, the gaps between a
 * throttle and the next attempt grow 1 s, 2 s, 4 s ... up to 5 minutes, and throttles do not use
 * up the 2 function-error retries.
 *
 * Time is Nimbus's injected clock (a ManualClock): the test moves it to the next due retry each
 * time nothing is running, so an hour of backoff takes seconds and every gap is exact. The
 * function really sleeps (500 ms rather than the row's 2 s, to keep the suite short: the manual
 * clock does not move while it runs, so what matters is only that it holds the one slot while
 * the other events are tried).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { InvokeCommand, PutFunctionConcurrencyCommand, PutFunctionEventInvokeConfigCommand } from '@aws-sdk/client-lambda';
import { ManualClock } from '../../src/core/clock.js';
import { BACKOFF_FIRST_MS, BACKOFF_MAX_MS } from '../../src/queue/retry.js';
import { readLedger, waitForAsync, ledgerDir } from '../helpers/ledger.js';
import { deployNode, startTestNimbus } from '../helpers/nimbus.js';
import { nimbusCli } from '../helpers/serve.js';

/** Records each execution; `fail: "always"` throws every time, `fail: "once"` only on the first execution of its request id. */
const HANDLER = `const fs = require('fs');
process.umask(0);
exports.handler = async (event, context) => {
  const L = process.env.LEDGER;
  const seen = fs.existsSync(L) && fs.readFileSync(L, 'utf8').includes(context.awsRequestId);
  fs.appendFileSync(L, JSON.stringify({ id: context.awsRequestId, event }) + '\\n');
  await new Promise((r) => setTimeout(r, event.ms));
  if (event.fail === 'always' || (event.fail === 'once' && !seen)) throw new Error('asked to fail');
  return { ok: true };
};`;

interface EventView {
  requestId: string;
  status: string;
  attempts: number;
  functionErrors: number;
  throttles: number;
  nextAttemptAt: string | null;
  condition: string | null;
}

interface LogView {
  id: number;
  timestamp: number;
  requestId: string;
  text: string;
}

test('a burst of 20 against reserved concurrency 1: all run, throttle backoff doubles from 1 s up to 5 min, and throttles leave the 2 function-error retries intact', async (t) => {
  const tmp = ledgerDir('nimbus-throttle-');
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const ledger = join(tmp, 'ledger');
  const clock = new ManualClock(Date.now());
  const { lambda, url } = await startTestNimbus(t, { isolation: 'process', clock });
  await deployNode(lambda, 'burst', { 'index.js': HANDLER }, { Timeout: 30, Environment: { Variables: { LEDGER: ledger } } });
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'burst', ReservedConcurrentExecutions: 1 }));
  await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'burst', DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:burst-failures' } } }));

  // The events that fail come last in the burst, so that they are throttled many times before
  // their first real execution.
  const ALWAYS = 18;
  const ONCE = 17;
  const ids: string[] = [];
  const sent = await Promise.all(
    Array.from({ length: 20 }, (_, n) => {
      const fail = n === ALWAYS ? 'always' : n === ONCE ? 'once' : undefined;
      return lambda.send(new InvokeCommand({ FunctionName: 'burst', InvocationType: 'Event', Payload: Buffer.from(JSON.stringify({ n, ms: 500, fail })) }));
    }),
  );
  for (const r of sent) {
    assert.equal(r.StatusCode, 202);
    ids.push(r.$metadata.requestId!);
  }

  const list = async (): Promise<EventView[]> => ((await (await fetch(`${url}/nimbus/v1/events?function=burst&limit=100`)).json()) as { events: EventView[] }).events;
  const waiting = (e: EventView): boolean => e.status === 'queued' || e.status === 'retrying';
  // Nothing running and nothing due: the only way forward is time.
  const settled = (evs: EventView[]): boolean =>
    evs.length === 20 && !evs.some((e) => e.status === 'running' || (waiting(e) && Date.parse(e.nextAttemptAt!) <= clock.now()));
  let rounds = 0;
  for (;;) {
    const evs = await waitForAsync(list, settled, 30_000);
    assert.ok(settled(evs), `the queue settles: ${JSON.stringify(evs.filter((e) => !['succeeded', 'failed', 'retrying'].includes(e.status)))}`);
    const next = evs.filter(waiting).map((e) => Date.parse(e.nextAttemptAt!));
    if (next.length === 0) break;
    clock.advance(Math.min(...next) - clock.now());
    assert.ok(++rounds < 200, 'the burst drains');
  }

  // `nimbus events` shows the counts: every event ran; throttles are counted apart from attempts.
  const cli = await nimbusCli(['events', '--function', 'burst', '--json', '-n', '100'], { endpoint: url });
  assert.equal(cli.code, 0, cli.stderr);
  const byId = new Map((JSON.parse(cli.stdout) as EventView[]).map((e) => [e.requestId, e]));
  assert.equal(byId.size, 20);
  ids.forEach((id, n) => {
    const e = byId.get(id)!;
    if (n === ALWAYS) {
      assert.deepEqual([e.status, e.condition, e.attempts, e.functionErrors], ['failed', 'RetriesExhausted', 3, 3], `the always-failing event: ${JSON.stringify(e)}`);
    } else if (n === ONCE) {
      assert.deepEqual([e.status, e.attempts, e.functionErrors], ['succeeded', 2, 1], `the once-failing event: ${JSON.stringify(e)}`);
    } else {
      assert.deepEqual([e.status, e.attempts, e.functionErrors], ['succeeded', 1, 0], `event ${n}: ${JSON.stringify(e)}`);
    }
  });
  // The failing events were throttled several times before (and maybe between) their real runs.
  assert.ok(byId.get(ids[ALWAYS]!)!.throttles >= 3, `throttled before failing: ${JSON.stringify(byId.get(ids[ALWAYS]!))}`);
  assert.ok(byId.get(ids[ONCE]!)!.throttles >= 3, `throttled before failing: ${JSON.stringify(byId.get(ids[ONCE]!))}`);

  // Real executions, from the function's own ledger: each event once, the retried ones 2 and 3 times.
  const runs = new Map<string, number>();
  for (const l of readLedger(ledger)) runs.set(l.id, (runs.get(l.id) ?? 0) + 1);
  assert.deepEqual(
    ids.map((id) => runs.get(id) ?? 0),
    ids.map((_, n) => (n === ALWAYS ? 3 : n === ONCE ? 2 : 1)),
  );

  // The failure record counts real attempts only: 3, however many throttles came before.
  const failures = ((await (await fetch(`${url}/nimbus/v1/queues/burst-failures/messages`)).json()) as { messages: { body: string }[] }).messages;
  assert.equal(failures.length, 1);
  assert.deepEqual(JSON.parse(failures[0]!.body).requestContext, {
    requestId: ids[ALWAYS],
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:burst:$LATEST',
    condition: 'RetriesExhausted',
    approximateInvokeCount: 3,
  });

  // Every attempt's log line, in the injected clock's time: each throttle announces the next
  // gap of the backoff, and the next attempt comes exactly that long after it.
  const lines: LogView[] = [];
  for (let after = 0; ; ) {
    const page = (await (await fetch(`${url}/nimbus/v1/functions/burst/logs?after=${after}&limit=1000`)).json()) as { events: LogView[]; next: number };
    lines.push(...page.events);
    if (page.events.length === 0) break;
    after = page.next;
  }
  let capped = 0;
  let maxThrottles = 0;
  ids.forEach((id, n) => {
    const mine = lines.filter((l) => l.requestId === id && l.text.startsWith('ASYNC '));
    let throttles = 0;
    mine.forEach((l, k) => {
      const m = /Outcome: (\S+) Next: (?:retry in ([\d.]+) s|done|failed)/.exec(l.text);
      assert.ok(m, l.text);
      if (m[1] !== 'throttle') return;
      throttles++;
      const want = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (throttles - 1));
      assert.equal(Number(m[2]) * 1000, want, `event ${n}, throttle ${throttles}: ${l.text}`);
      const following = mine[k + 1];
      assert.ok(following, `event ${n} was tried again after throttle ${throttles}`);
      assert.equal(following.timestamp - l.timestamp, want, `event ${n}: the attempt after throttle ${throttles} came ${want} ms later`);
      if (want === BACKOFF_MAX_MS) capped++;
    });
    assert.equal(throttles, byId.get(id)!.throttles, `event ${n}: one log line per throttle`);
    maxThrottles = Math.max(maxThrottles, throttles);
    // The function errors were retried after 60 s and 120 s, throttles or not.
    const errors = mine.filter((l) => /Outcome: function-error/.test(l.text)).map((l) => /Next: (.*)$/.exec(l.text.trim())![1]);
    if (n === ALWAYS) assert.deepEqual(errors, ['retry in 60.0 s', 'retry in 120.0 s', 'failed (RetriesExhausted)']);
    if (n === ONCE) assert.deepEqual(errors, ['retry in 60.0 s']);
  });
  t.diagnostic(`rounds ${rounds}; most throttles for one event ${maxThrottles}; gaps at the cap ${capped}; throttles before the failing events ran: ${byId.get(ids[ONCE]!)!.throttles}, ${byId.get(ids[ALWAYS]!)!.throttles}`);
  assert.ok(maxThrottles >= 10, `the last events of the burst were throttled at least 10 times: ${maxThrottles}`);
  assert.ok(capped > 0, 'some gaps reached the 5-minute cap');
});
