/**
 * Sandboxes crashing in the middle of a burst (issue #4): some invocations make their runtime
 * exit, and one busy sandbox is SIGKILLed from outside. Each of those calls gets Lambda's
 * Runtime.ExitError as a function error; every other call of the burst succeeds; nobody gets a
 * 5xx or hangs; the pool replaces what died and keeps serving.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { deployNode, payloadJson, startTestNimbus } from '../helpers/nimbus.js';

/** Host pids of the processes descending from `root`, with their command lines. */
function descendants(root: number): { pid: number; cmd: string }[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // The command name may contain spaces and parentheses: ppid is the 2nd field after the last ')'.
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Exited meanwhile.
    }
  }
  const out: { pid: number; cmd: string }[] = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p !== root) continue;
      try {
        out.push({ pid, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ') });
      } catch {
        // Exited meanwhile.
      }
      break;
    }
  }
  return out;
}

test('sandboxes that crash in the middle of a burst fail only their own invocations', async (t) => {
  const { lambda, url } = await startTestNimbus(t);
  await deployNode(lambda, 'crashy', {
    'index.js': `exports.handler = async (e) => {
  if (e.exit) setTimeout(() => process.exit(e.exit), 20);
  await new Promise((r) => setTimeout(r, e.ms));
  return { ok: true, i: e.i };
};`,
  }, { Timeout: 60 });

  const calls = 60;
  const crashers = new Set([5, 17, 29, 41, 53]);
  const started = Array.from({ length: calls }, (_, i) =>
    lambda.send(
      new InvokeCommand({
        FunctionName: 'crashy',
        Payload: Buffer.from(JSON.stringify({ i, ms: crashers.has(i) ? 5000 : 1500, ...(crashers.has(i) ? { exit: 2 } : {}) })),
      }),
    ),
  );
  // While the burst runs, kill one runtime from outside, as the OOM killer or an operator would.
  let victims: number[] = [];
  for (let i = 0; i < 100 && victims.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    victims = descendants(process.pid)
      .filter((p) => /bootstrap\.(cjs|mjs)/.test(p.cmd) && !/bwrap|setpriv/.test(p.cmd.split(' ')[0] ?? ''))
      .map((p) => p.pid);
  }
  assert.ok(victims.length > 0, 'found the burst’s runtimes');
  await new Promise((r) => setTimeout(r, 300));
  // The oldest runtime is busy with one of the burst's calls; a newer one may be a stem cell
  // still waiting for a function, whose death fails no call.
  const victim = Math.min(...victims);
  process.kill(victim, 'SIGKILL');

  const results = await Promise.allSettled(started);
  let ok = 0;
  let exitErrors = 0;
  let killed = 0;
  for (const [i, r] of results.entries()) {
    assert.equal(r.status, 'fulfilled', `call ${i} failed at the API level: ${r.status === 'rejected' ? String(r.reason) : ''}`);
    const v = (r as PromiseFulfilledResult<Awaited<(typeof started)[number]>>).value;
    assert.equal(v.StatusCode, 200);
    const body = payloadJson(v.Payload) as { ok?: boolean; i?: number; errorType?: string; errorMessage?: string };
    if (v.FunctionError === undefined) {
      assert.equal(body.i, i, 'each call gets its own answer');
      assert.ok(!crashers.has(i), `crashing call ${i} cannot succeed`);
      ok++;
    } else {
      assert.equal(v.FunctionError, 'Unhandled');
      assert.equal(body.errorType, 'Runtime.ExitError', `call ${i}: ${JSON.stringify(body)}`);
      const message = body.errorMessage ?? '';
      // On a loaded machine the victim may be a crasher's runtime still in its init phase.
      if (/signal: killed/.test(message)) killed++;
      else assert.ok(crashers.has(i) && /Runtime exited with error: exit status 2/.test(message), `call ${i}: only crashers and the killed sandbox may fail: ${message}`);
      exitErrors++;
    }
  }
  assert.equal(killed, 1, 'the killed sandbox failed exactly its own call');
  // Every crasher failed; the victim's call adds one more failure unless it was itself a crasher's.
  const victimWasCrasher = [...crashers].some((i) => {
    const r = results[i] as PromiseFulfilledResult<Awaited<(typeof started)[number]>>;
    return /signal: killed/.test(String((payloadJson(r.value.Payload) as { errorMessage?: string }).errorMessage));
  });
  assert.equal(exitErrors, crashers.size + (victimWasCrasher ? 0 : 1));
  assert.equal(ok + exitErrors, calls);

  // The pool replaced what died: the next calls all succeed, on live sandboxes.
  const after = await Promise.all(
    Array.from({ length: 10 }, (_, i) => lambda.send(new InvokeCommand({ FunctionName: 'crashy', Payload: Buffer.from(JSON.stringify({ i, ms: 10 })) }))),
  );
  for (const r of after) assert.equal(r.FunctionError, undefined);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const errors = Number(/nimbus_errors_total\{[^}]*function="crashy"[^}]*\} (\d+)/.exec(metrics)?.[1]);
  assert.equal(errors, exitErrors, 'metrics count every failed invocation once');
  const stats = (await (await fetch(`${url}/nimbus/v1/stats`)).json()) as { pool: { busy: number } };
  assert.equal(stats.pool.busy, 0, 'no sandbox is left busy');
});
