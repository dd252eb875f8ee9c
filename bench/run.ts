/**
 * `npm run bench`: named scenarios, each running Nimbus next to its peers and the physical limit
 * in the same run, printing ratios and writing bench/RESULTS.md.
 *
 *   npm run bench                      all scenarios
 *   npm run bench -- warm-invoke       one scenario
 *   npm run bench -- warm-invoke oom cold-start   issue #18's acceptance items, side by side in one run
 *   npm run bench -- warm-invoke-multi a multi-concurrent function (concurrency 64) against the ceiling
 *   npm run bench -- --quick           short runs (a smoke test of the benchmark itself)
 *   npm run bench -- cluster --lab-plain  the cluster lab's scaling run on independent nodes (before cluster mode)
 *   npm run bench -- --no-peers        skip the peers (serverless-offline, ElasticMQ, moto: nothing installed)
 *   npm run bench -- scale --scale-minutes 10   the scale scenario's mixed load for 10 minutes (default 1)
 *   npm run bench -- replay --replay-seed 2     the live-vs-simulator replay on another synthetic trace
 */
import { describeMachine } from './lib/machine.js';
import { ROOT } from './lib/paths.js';
import { textTable, type Section } from './lib/report.js';
import { writeResults } from './lib/results.js';
import { asyncEvents } from './scenarios/async-events.js';
import { burst } from './scenarios/burst.js';
import { clusterSim } from './scenarios/cluster-sim.js';
import { clusterBench } from './scenarios/cluster.js';
import { coldStart } from './scenarios/cold-start.js';
import { coldStartLayers } from './scenarios/cold-start-layers.js';
import { coldStartImage } from './scenarios/cold-start-image.js';
import { idleMemory } from './scenarios/idle-memory.js';
import { oom } from './scenarios/oom.js';
import { soak } from './scenarios/soak.js';
import { replayBench } from './scenarios/replay.js';
import { scale } from './scenarios/scale.js';
import { dynamoBench } from './scenarios/dynamodb.js';
import { sqsBench } from './scenarios/sqs.js';
import { sqsStores } from './scenarios/sqs-stores.js';
import { storeBench } from './scenarios/store.js';
import { warmHttp } from './scenarios/warm-http.js';
import { warmInvoke } from './scenarios/warm-invoke.js';
import { warmInvokeMulti } from './scenarios/warm-invoke-multi.js';
import { warmInvokeSigV4 } from './scenarios/warm-invoke-sigv4.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const peers = !args.includes('--no-peers');
const durationS = quick ? 3 : 10;
/** `--name value` as a number, or `fallback`. */
const numArg = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
};

const SCENARIOS: Record<string, () => Promise<Section>> = {
  'warm-invoke': () => warmInvoke({ durationS, connections: 32, peers }),
  'warm-invoke-sigv4': () => warmInvokeSigV4({ durationS, connections: 32 }),
  'warm-invoke-multi': () => warmInvokeMulti({ durationS, connections: 64 }),
  'warm-http': () => warmHttp({ durationS, connections: 32, peers }),
  burst: () => burst({ calls: 200, reserved: 20 }),
  'async-events': () => asyncEvents({ durationS, connections: 32 }),
  'idle-memory': () => idleMemory({ sandboxes: quick ? 5 : 20 }),
  soak: () => soak({ invocations: quick ? 50_000 : 1_000_000, connections: 32, segmentS: quick ? 5 : 20 }),
  'sqs-stores': () => sqsStores({ durationS, senders: 16, messages: quick ? 1000 : 5000, consumers: 5 }),
  dynamodb: () => dynamoBench({ durationS, clients: 16 }),
  sqs: () => sqsBench({ durationS, senders: 16, messages: quick ? 1000 : 5000, pollers: 5, peers }),
  'cold-start': () => coldStart({ samples: quick ? 3 : 10, isolations: args.includes('--process-only') ? ['process'] : ['process', 'namespace'] }),
  scale: () =>
    scale({
      functions: numArg('--scale-functions', quick ? 1000 : 10_000),
      warm: numArg('--scale-warm', quick ? 50 : 500),
      mixedS: numArg('--scale-minutes', quick ? 0.25 : 1) * 60,
    }),
  replay: () =>
    replayBench({
      policies: ['fixed:10m', 'hybrid', 'learned:kappa=2', 'learned', 'learned:kappa=100'],
      scale: 240,
      minutes: quick ? 120 : 480,
      apps: 30,
      maxInvocations: quick ? 200 : 600,
      seed: numArg('--replay-seed', 1),
    }),
  oom: () => oom({ samples: quick ? 3 : 7 }),
  cluster: () => clusterBench({ durationS, perNode: 8, plain: args.includes('--lab-plain') }),
  'cluster-sim': () => Promise.resolve(clusterSim({ nodes: quick ? 200 : 1000 })),
  store: () => storeBench({ ops: quick ? 100 : 500, apiOps: quick ? 20 : 100 }),
  'cold-start-image': () => coldStartImage({ samples: quick ? 3 : 10 }),
  'cold-start-layers': () => coldStartLayers({ samples: quick ? 3 : 10, isolations: args.includes('--process-only') ? ['process'] : ['process', 'namespace'] }),
};

async function main(): Promise<void> {
  const chosen = args.filter((a, i) => !a.startsWith('--') && !/^--(scale|replay)-/.test(args[i - 1] ?? ''));
  for (const c of chosen) if (!SCENARIOS[c]) throw new Error(`unknown scenario '${c}'; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const names = chosen.length ? chosen : Object.keys(SCENARIOS);
  const run: { section: Section; when: Date }[] = [];
  for (const name of names) {
    process.stderr.write(`bench: running ${name}...\n`);
    const s = await SCENARIOS[name]!();
    run.push({ section: s, when: new Date() });
    process.stdout.write(`\n== ${s.scenario}: ${s.description}\n${textTable(s.table.header, s.table.rows)}\n${s.notes.map((n) => `  ${n}`).join('\n')}\n`);
  }
  writeResults(`${ROOT}bench/RESULTS.md`, describeMachine(), `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`, run);
  process.stdout.write(`\nResults written to bench/RESULTS.md\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
