/**
 * Durable function fixtures (docs/durable.md): deployment zips that carry AWS's published
 * durable SDK for JavaScript (@aws/durable-execution-sdk-js, a pinned devDependency) beside a
 * handler written against it, as a user bundles it. The handlers follow the shapes of AWS's
 * `lambda-durable-*` samples (an order with steps and a wait, a retried step, an approval by
 * callback, a chained invoke); they are Nimbus's own code.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { makeZip } from './nimbus.js';

/** The SDK's package directory, as npm installed it. */
function sdkDir(): string {
  // The package exports no ./package.json: its CommonJS entry is dist-cjs/index.js, two levels down.
  const require = createRequire(import.meta.url);
  return dirname(dirname(require.resolve('@aws/durable-execution-sdk-js')));
}

/** The SDK's package.json and ES module build, under node_modules/ as a bundle would hold them. */
function sdkFiles(): Record<string, Buffer> {
  const root = sdkDir();
  const out: Record<string, Buffer> = { 'node_modules/@aws/durable-execution-sdk-js/package.json': readFileSync(join(root, 'package.json')) };
  const walk = (dir: string): void => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (!f.endsWith('.map')) out[`node_modules/@aws/durable-execution-sdk-js/${relative(root, p)}`] = readFileSync(p);
    }
  };
  walk(join(root, 'dist'));
  return out;
}

export const durableZip = async (handler: string): Promise<Buffer> => await makeZip({ 'index.mjs': handler, ...sdkFiles() });

/** One handler, several workflows chosen by `event.mode`. */
export const WORKFLOWS = `
import { randomUUID } from 'node:crypto';
import { withDurableExecution } from '@aws/durable-execution-sdk-js';

const every = (seconds) => ({ shouldRetry: true, delay: { seconds } });

export const handler = withDurableExecution(async (event, context) => {
  switch (event.mode) {
    case 'order': {
      // The first step's value is random: were the step run again on replay, the result would show it.
      const reservation = await context.step('reserve', async () => randomUUID());
      await context.wait('cool-down', { seconds: event.waitSeconds ?? 1 });
      const total = await context.step('charge', async () => event.amount * 2);
      return { reservation, total };
    }
    case 'flaky': {
      const attempts = await context.step('flaky', async (step) => {
        if (step.attempt < 3) throw new Error('attempt ' + step.attempt + ' failed');
        return step.attempt;
      }, { retryStrategy: (error, n) => (n < 5 ? every(1) : { shouldRetry: false }) });
      return { attempts };
    }
    case 'doomed': {
      await context.step('doomed', async () => { throw new Error('never works'); }, { retryStrategy: (error, n) => (n < 2 ? every(1) : { shouldRetry: false }) });
      return 'unreachable';
    }
    case 'approval': {
      const [answer, callbackId] = await context.createCallback('approval', { timeout: { seconds: event.timeoutSeconds ?? 600 } });
      try {
        return { approved: await answer, callbackId };
      } catch (e) {
        return { rejected: e.message, callbackId };
      }
    }
    case 'chain': {
      const out = await context.invoke('call-helper', event.target, { n: event.n });
      return { chained: out };
    }
    case 'submit': {
      // The submitter would hand the callback id to another system; the test plays that system.
      const answer = await context.waitForCallback('approve', async (callbackId, ctx) => { ctx.logger.info('submitted ' + callbackId); }, { timeout: { seconds: 120 } });
      return { answer };
    }
    case 'composite': {
      // map and parallel (child contexts with steps and a wait), a named child context, waitForCondition.
      const squares = await context.map('square', [1, 2, 3], async (ctx, n) => await ctx.step('sq', async () => n * n));
      const both = await context.parallel('both', [
        async (ctx) => await ctx.step('a', async () => 'A'),
        async (ctx) => { await ctx.wait('pause', { seconds: 1 }); return 'B'; },
      ]);
      const child = await context.runInChildContext('child', async (ctx) => await ctx.step('inner', async () => 'C'));
      const polled = await context.waitForCondition('count', async (state) => state + 1, {
        initialState: 0,
        waitStrategy: (state) => (state < 3 ? { shouldContinue: true, delay: { seconds: 1 } } : { shouldContinue: false }),
      });
      return { squares: squares.getResults(), both: both.getResults(), child, polled };
    }
    default:
      return { echo: event };
  }
});
`;

/** A plain (not durable) function a chained invoke calls. */
export const HELPER = `exports.handler = async (event) => ({ doubled: event.n * 2 });`;
