/**
 * burst: 200 concurrent calls of a 100 ms function whose reserved concurrency is 20. Lambda's
 * promise is that at most 20 run at once, the rest get 429 TooManyRequestsException, and
 * nothing fails with a 5xx. The peak is sampled from /nimbus/v1/stats during the burst.
 */
import { performance } from 'node:perf_hooks';
import { zipFolder } from '../../src/cli/zip-folder.js';
import { FIXTURES } from '../lib/paths.js';
import { fmt, type Section } from '../lib/report.js';
import { startNimbus } from '../targets/nimbus.js';

export async function burst(o: { calls: number; reserved: number }): Promise<Section> {
  const target = await startNimbus();
  try {
    const url = target.url;
    const r = await fetch(`${url}/2015-03-31/functions`, {
      method: 'POST',
      body: JSON.stringify({
        FunctionName: 'burst',
        Runtime: 'nodejs20.x',
        Handler: 'sleep.handler',
        Role: 'arn:aws:iam::000000000000:role/bench',
        MemorySize: 256,
        Code: { ZipFile: (await zipFolder(`${FIXTURES}sleep`)).toString('base64') },
      }),
    });
    if (r.status !== 201) throw new Error(`deploy: ${r.status} ${await r.text()}`);
    await fetch(`${url}/2017-10-31/functions/burst/concurrency`, { method: 'PUT', body: JSON.stringify({ ReservedConcurrentExecutions: o.reserved }) });
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const s = (await (await fetch(`${url}/nimbus/v1/stats`)).json()) as { concurrentExecutions: number };
        peak = Math.max(peak, s.concurrentExecutions);
        await new Promise((res) => setTimeout(res, 5));
      }
    })();
    const t0 = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: o.calls }, () =>
        fetch(`${url}/2015-03-31/functions/burst/invocations`, { method: 'POST', body: '{"ms":100}' }).then(
          async (res) => {
            await res.arrayBuffer();
            return res.status;
          },
          () => -1,
        ),
      ),
    );
    const wallMs = performance.now() - t0;
    sampling = false;
    await sampler;
    const count = (f: (s: number) => boolean): number => statuses.filter(f).length;
    const ok = count((s) => s === 200);
    const throttled = count((s) => s === 429);
    const fiveXX = count((s) => s >= 500);
    const failed = count((s) => s < 0);
    return {
      scenario: 'burst',
      description: `${o.calls} concurrent calls of a 100 ms function with reserved concurrency ${o.reserved}.`,
      table: {
        header: ['calls', '200', '429', '5xx', 'connection errors', 'peak running', 'wall ms'],
        rows: [[String(o.calls), String(ok), String(throttled), String(fiveXX), String(failed), String(peak), fmt(wallMs)]],
      },
      notes: [
        `Target: never more than ${o.reserved} running at once (${peak <= o.reserved ? 'met' : 'NOT met'}: peak ${peak}), the rest 429, zero 5xx (${fiveXX === 0 && failed === 0 ? 'met' : 'NOT met'}).`,
      ],
    };
  } finally {
    await target.stop();
  }
}
