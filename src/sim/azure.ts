import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Rng, deriveSeed } from '../policy/rng.js';
import { MEMORY_BURR, burr, clamp } from './distributions.js';
import { DAY_MS, type ArrivalStream, type Trace, type TraceApp } from './trace.js';

/**
 * Loads the public Azure Functions 2019 trace (https://github.com/Azure/AzurePublicDataset/blob/master/AzureFunctionsDataset2019.md)
 * from a directory holding its CSVs:
 *   invocations_per_function_md.anon.dNN.csv  HashOwner,HashApp,HashFunction,Trigger,1..1440
 *   function_durations_percentiles.anon.dNN.csv  (optional) ...,Average,Count,...,percentile_Average_50,...
 *   app_memory_percentiles.anon.dNN.csv          (optional) HashOwner,HashApp,SampleCount,AverageAllocatedMb,...
 * Counts are per minute, so arrivals are spread uniformly inside each minute (dslab's
 * BucketUniform). A function's durations are log-normal with the file's mean and median; an
 * app's memory is the largest daily average allocated; cold starts cost `coldStartMs` (dslab's
 * 1 s default). Apps are sampled (seeded) from those present on the first day.
 */
export interface AzureOptions {
  /** How many apps to sample (all when larger than the population). */
  apps: number;
  seed: number;
  /** Use at most this many day files, in day order. */
  days?: number;
  coldStartMs?: number;
}

const INVOCATIONS = /^invocations_per_function_md\.anon\.d(\d+)\.csv$/;
const DURATIONS = /^function_durations_percentiles\.anon\.d(\d+)\.csv$/;
const MEMORY = /^app_memory_percentiles\.anon\.d(\d+)\.csv$/;

interface AzureFunction {
  trigger: string;
  /** Per day, 1440 per-minute counts (absent: no calls that day). */
  perDay: (Uint32Array | undefined)[];
  meanMs: number;
  medianMs: number;
}

interface AzureApp extends TraceApp {
  fns: AzureFunction[];
}

/** Reads the CSVs in `dir` into a replayable trace. */
export async function loadAzureTrace(dir: string, o: AzureOptions): Promise<Trace> {
  const files = await readdir(dir);
  const byDay = (re: RegExp): string[] =>
    files.filter((f) => re.test(f)).sort((a, b) => Number(re.exec(a)?.[1]) - Number(re.exec(b)?.[1]));
  const invFiles = byDay(INVOCATIONS).slice(0, o.days ?? Infinity);
  if (invFiles.length === 0) throw new Error(`no invocations_per_function_md.anon.dNN.csv in ${dir}`);
  const days = invFiles.length;

  // Sample apps from the first day, so later files are filtered while streaming.
  const seen = new Set<string>();
  await eachRow(join(dir, invFiles[0] as string), (r) => seen.add(`${r[0]}/${r[1]}`));
  const population = [...seen].sort();
  const rng = new Rng(deriveSeed(o.seed, 'azure-sample'));
  for (let i = population.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [population[i], population[j]] = [population[j] as string, population[i] as string];
  }
  const chosen = new Set(population.slice(0, o.apps).sort());

  const fnMap = new Map<string, Map<string, AzureFunction>>();
  for (let d = 0; d < days; d++) {
    await eachRow(join(dir, invFiles[d] as string), (r) => {
      const key = `${r[0]}/${r[1]}`;
      if (!chosen.has(key)) return;
      let fns = fnMap.get(key);
      if (!fns) fnMap.set(key, (fns = new Map()));
      let f = fns.get(r[2] ?? '');
      if (!f) fns.set(r[2] ?? '', (f = { trigger: r[3] ?? 'others', perDay: [], meanMs: 1000, medianMs: 1000 }));
      const counts = new Uint32Array(1440);
      for (let m = 0; m < 1440; m++) counts[m] = Number(r[4 + m] ?? 0) || 0;
      f.perDay[d] = counts;
    });
  }
  for (const file of byDay(DURATIONS).slice(0, days).reverse()) {
    await eachRow(join(dir, file), (r, h) => {
      const f = fnMap.get(`${r[0]}/${r[1]}`)?.get(r[2] ?? '');
      if (!f) return;
      const mean = Number(r[h.indexOf('Average')]);
      const median = Number(r[h.indexOf('percentile_Average_50')]);
      if (mean > 0) f.meanMs = mean;
      if (median > 0) f.medianMs = median;
    });
  }
  const memory = new Map<string, number>();
  for (const file of byDay(MEMORY).slice(0, days)) {
    await eachRow(join(dir, file), (r, h) => {
      const key = `${r[0]}/${r[1]}`;
      const mb = Number(r[h.indexOf('AverageAllocatedMb')]);
      if (chosen.has(key) && mb > 0) memory.set(key, Math.max(memory.get(key) ?? 0, mb));
    });
  }

  const apps: AzureApp[] = [...chosen].filter((k) => fnMap.has(k)).map((key, i) => {
    const fns = [...(fnMap.get(key) as Map<string, AzureFunction>).values()];
    const total = (f: AzureFunction): number => f.perDay.reduce((a, c) => a + (c ? c.reduce((x, y) => x + y, 0) : 0), 0);
    const busiest = fns.reduce((a, b) => (total(b) > total(a) ? b : a));
    const appRng = new Rng(deriveSeed(o.seed, `azure-mem:${key}`));
    const mb = memory.get(key) ?? burr(appRng, MEMORY_BURR.c, MEMORY_BURR.k, MEMORY_BURR.lambda);
    return {
      id: `azure${String(i).padStart(5, '0')}:${key.slice(0, 12)}`,
      memoryMb: Math.round(clamp(mb, 16, 16_384)),
      coldStartMs: o.coldStartMs ?? 1000,
      functions: fns.length,
      trigger: busiest.trigger,
      fns,
    };
  });
  return {
    name: `azure2019(${dir}, apps=${apps.length}, days=${days}, seed=${o.seed})`,
    apps,
    days,
    open: (i) => new MinuteBucketStream(apps[i] as AzureApp, days, new Rng(deriveSeed(o.seed, `azure-arrivals:${i}`))),
  };
}

/** Expands per-minute counts into arrivals spread uniformly inside each minute. */
class MinuteBucketStream implements ArrivalStream {
  t = 0;
  durationMs = 0;
  private minute = -1;
  private batchT: number[] = [];
  private batchD: number[] = [];
  private k = 0;
  private readonly sigmas: number[];
  private readonly mus: number[];

  constructor(private readonly app: AzureApp, private readonly days: number, private readonly rng: Rng) {
    // Log-normal from mean and median: median = e^mu, mean = e^(mu + sigma^2/2).
    this.mus = app.fns.map((f) => Math.log(Math.max(1, f.medianMs)));
    this.sigmas = app.fns.map((f) => Math.sqrt(Math.max(0, 2 * Math.log(Math.max(f.meanMs, f.medianMs) / Math.max(1, f.medianMs)))));
  }

  next(): boolean {
    while (this.k >= this.batchT.length) {
      if (!this.fill()) return false;
    }
    this.t = this.batchT[this.k] ?? 0;
    this.durationMs = this.batchD[this.k] ?? 0;
    this.k++;
    return true;
  }

  private fill(): boolean {
    this.minute++;
    if (this.minute >= this.days * 1440) return false;
    const d = Math.floor(this.minute / 1440);
    const m = this.minute % 1440;
    const pairs: [number, number][] = [];
    this.app.fns.forEach((f, j) => {
      const c = f.perDay[d]?.[m] ?? 0;
      for (let q = 0; q < c; q++) {
        const dur = Math.min(600_000, Math.exp((this.mus[j] ?? 0) + (this.sigmas[j] ?? 0) * this.rng.normal()));
        pairs.push([d * DAY_MS + m * 60_000 + this.rng.next() * 60_000, dur]);
      }
    });
    pairs.sort((a, b) => a[0] - b[0]);
    this.batchT = pairs.map((p) => p[0]);
    this.batchD = pairs.map((p) => p[1]);
    this.k = 0;
    return true;
  }
}

/** Streams a CSV's rows (simple comma split: the trace has no quoted fields) after its header. */
async function eachRow(path: string, onRow: (row: string[], header: string[]) => void): Promise<void> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let header: string[] | undefined;
  for await (const line of lines) {
    if (!line) continue;
    const row = line.split(',');
    if (!header) header = row;
    else onRow(row, header);
  }
}
