/**
 * warm-invoke-multi: a multi-concurrent Node.js function (CapacityProviderConfig
 * PerExecutionEnvironmentMaxConcurrency 64, docs/multi-concurrency.md) under 64 connections:
 * one sandbox, one Node.js process running 64 loops, against the in-process ceiling (the same
 * handler in one plain Node HTTP server) at the same 64 connections. Issue #18's target: >= 0.8 x
 * the ceiling. The one-at-a-time function at the same load is shown beside it (64 sandboxes).
 */
import { measureWarm, type WarmMeasured } from '../lib/warm.js';
import { fmt, type Section } from '../lib/report.js';
import { startCeiling } from '../targets/ceiling.js';
import { startNimbus } from '../targets/nimbus.js';
import type { Target } from '../targets/types.js';

export interface WarmInvokeMultiOptions {
  durationS: number;
  connections: number;
}

const TARGET_CEILING = 0.8;
const CP = 'arn:aws:lambda:us-east-1:000000000000:capacity-provider:this-host';

const measure = (start: () => Promise<Target>, o: WarmInvokeMultiOptions, name?: string): Promise<WarmMeasured> => measureWarm(start, o, name);

export async function warmInvokeMulti(o: WarmInvokeMultiOptions): Promise<Section> {
  const ceiling = await measure(startCeiling, o);
  const multi = await measure(
    () =>
      startNimbus({
        memoryMb: 1769,
        config: { CapacityProviderConfig: { LambdaManagedInstancesCapacityProviderConfig: { CapacityProviderArn: CP, PerExecutionEnvironmentMaxConcurrency: o.connections } } },
      }),
    o,
    `nimbus 1769 MB, concurrency ${o.connections} (1 sandbox)`,
  );
  // One invocation per sandbox needs a sandbox per connection: the capacity is raised so that they fit.
  const single = await measure(
    () => startNimbus({ memoryMb: 1769, args: ['--memory-capacity', String(o.connections * 1769 + 8192)] }),
    o,
    `nimbus 1769 MB, one at a time (${o.connections} sandboxes)`,
  );
  const rows = [ceiling, multi, single].map((m) => [
    m.name,
    fmt(m.busy.rps),
    fmt(m.busy.rps / ceiling.busy.rps, 2),
    fmt(m.busy.p50Ms, 2),
    fmt(m.busy.p99Ms, 2),
    String(m.busy.errors),
    fmt(m.load, 1),
  ]);
  const r = multi.busy.rps / ceiling.busy.rps;
  return {
    scenario: 'warm-invoke-multi',
    description: `Warm synchronous Invoke of a trivial Node.js handler configured with PerExecutionEnvironmentMaxConcurrency ${o.connections}, ${o.connections} connections for ${o.durationS} s; load by ${ceiling.busy.tool}.`,
    table: { header: ['target', 'req/s', 'x ceiling', 'p50 ms', 'p99 ms', 'errors', 'load'], rows },
    notes: [
      `${multi.name}: ${fmt(r, 2)} x the in-process ceiling (target >= ${TARGET_CEILING}: ${r >= TARGET_CEILING ? 'met' : 'NOT met'}).`,
      'load = the 1-minute load average as the measured run began (the load tool, the server and the runtime share the machine).',
    ],
  };
}
