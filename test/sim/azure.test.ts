import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadAzureTrace } from '../../src/sim/azure.js';
import { runSimulation } from '../../src/sim/index.js';
import { DAY_MS } from '../../src/sim/trace.js';

/** Writes a two-day, two-app trace in the Azure 2019 layout. */
async function fixture(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nimbus-azure-'));
  const minutes = (counts: Record<number, number>): string =>
    Array.from({ length: 1440 }, (_, m) => String(counts[m + 1] ?? 0)).join(',');
  const header = `HashOwner,HashApp,HashFunction,Trigger,${Array.from({ length: 1440 }, (_, i) => i + 1).join(',')}`;
  const day1 = [header, `o1,appA,f1,http,${minutes({ 1: 2, 60: 1 })}`, `o1,appA,f2,timer,${minutes({ 30: 1 })}`, `o2,appB,g1,queue,${minutes({ 10: 3 })}`];
  const day2 = [header, `o1,appA,f1,http,${minutes({ 1440: 1 })}`];
  await writeFile(join(dir, 'invocations_per_function_md.anon.d01.csv'), `${day1.join('\n')}\n`);
  await writeFile(join(dir, 'invocations_per_function_md.anon.d02.csv'), `${day2.join('\n')}\n`);
  const dHead = 'HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,percentile_Average_1,percentile_Average_25,percentile_Average_50,percentile_Average_75,percentile_Average_99,percentile_Average_100';
  await writeFile(join(dir, 'function_durations_percentiles.anon.d01.csv'), `${dHead}\no1,appA,f1,200,3,100,300,100,100,150,200,250,300,300\n`);
  const mHead = 'HashOwner,HashApp,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct1,AverageAllocatedMb_pct5,AverageAllocatedMb_pct25,AverageAllocatedMb_pct50,AverageAllocatedMb_pct75,AverageAllocatedMb_pct95,AverageAllocatedMb_pct99,AverageAllocatedMb_pct100';
  await writeFile(join(dir, 'app_memory_percentiles.anon.d01.csv'), `${mHead}\no1,appA,10,300,1,1,1,1,1,1,1,1\no2,appB,10,150,1,1,1,1,1,1,1,1\n`);
  return dir;
}

test('the Azure 2019 loader turns per-minute counts into arrivals inside each minute', async () => {
  const dir = await fixture();
  try {
    const trace = await loadAzureTrace(dir, { apps: 10, seed: 1 });
    assert.equal(trace.days, 2);
    assert.equal(trace.apps.length, 2);
    const a = trace.apps.findIndex((x) => x.id.includes('appA'));
    const b = trace.apps.findIndex((x) => x.id.includes('appB'));
    assert.equal(trace.apps[a]?.memoryMb, 300);
    assert.equal(trace.apps[a]?.functions, 2);
    assert.equal(trace.apps[b]?.memoryMb, 150);
    const times = (i: number): number[] => {
      const s = trace.open(i);
      const out: number[] = [];
      while (s.next()) out.push(s.t);
      return out;
    };
    const ta = times(a);
    assert.equal(ta.length, 5);
    assert.ok(ta.slice(0, 2).every((t) => t >= 0 && t < 60_000));
    assert.ok((ta[2] ?? 0) >= 29 * 60_000 && (ta[2] ?? 0) < 30 * 60_000);
    assert.ok((ta[4] ?? 0) >= DAY_MS + 1439 * 60_000 && (ta[4] ?? 0) < 2 * DAY_MS);
    assert.deepEqual(times(a), ta, 'replayable');
    assert.equal(times(b).length, 3);
    const one = await loadAzureTrace(dir, { apps: 1, seed: 1, days: 1 });
    assert.equal(one.apps.length, 1);
    assert.equal(one.days, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('runSimulation replays an Azure trace directory', async () => {
  const dir = await fixture();
  try {
    const r = await runSimulation({ seed: 1, apps: 10, days: 2, trainDays: 0, regime: 'unconstrained', policies: ['fixed:10m', 'never'], traceDir: dir });
    const never = r.policies.find((p) => p.name === 'never');
    assert.equal(never?.invocations, 8);
    assert.equal(never?.coldStarts, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
