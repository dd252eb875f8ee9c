/**
 * soak: a long run of warm synchronous invocations (1,000,000 by default) against one Nimbus,
 * sampling the server's resident memory and open file descriptors as it goes. A leak shows as
 * growth from the first samples after warm-up to the last ones; "flat" means the difference is
 * within the noise of the samples themselves.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { load } from '../lib/load.js';
import { fmt, type Section } from '../lib/report.js';
import { startNimbus } from '../targets/nimbus.js';

export interface SoakOptions {
  invocations: number;
  connections: number;
  /** Length of one load segment; samples are taken between segments. */
  segmentS: number;
}

interface Sample {
  requests: number;
  rssMb: number;
  fds: number;
}

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return kb / 1024;
}

const fds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function soak(o: SoakOptions): Promise<Section> {
  const t = await startNimbus({ memoryMb: 512 });
  const samples: Sample[] = [];
  let requests = 0;
  let errors = 0;
  let seconds = 0;
  try {
    const base = { url: t.invokeUrl, method: 'POST' as const, body: '{"n":1}', connections: o.connections };
    // Warm-up: every sandbox the load needs is started and the JIT has settled before sampling.
    await load({ ...base, durationS: 5 });
    samples.push({ requests: 0, rssMb: rssMb(t.pid), fds: fds(t.pid) });
    while (requests < o.invocations) {
      const r = await load({ ...base, durationS: o.segmentS });
      requests += r.requests;
      errors += r.errors;
      seconds += o.segmentS;
      samples.push({ requests, rssMb: rssMb(t.pid), fds: fds(t.pid) });
      process.stderr.write(`soak: ${requests.toLocaleString('en-US')} invocations, RSS ${fmt(samples.at(-1)!.rssMb, 1)} MB, ${samples.at(-1)!.fds} fds\n`);
    }
  } finally {
    await t.stop();
  }
  // The first sample, right after the warm-up, is the baseline before the heap reaches its
  // working size; the first and last quarters of the rest are compared, and a least-squares
  // slope over the rest tells a trend from noise.
  const steady = samples.length > 2 ? samples.slice(1) : samples;
  const q = Math.max(1, Math.floor(steady.length / 4));
  const early = steady.slice(0, q);
  const late = steady.slice(-q);
  const rss = samples.map((s) => s.rssMb);
  const growth = mean(late.map((s) => s.rssMb)) - mean(early.map((s) => s.rssMb));
  const slope = (f: (s: Sample) => number): number => {
    const mx = mean(steady.map((s) => s.requests));
    const my = mean(steady.map(f));
    const sxy = steady.reduce((a, s) => a + (s.requests - mx) * (f(s) - my), 0);
    const sxx = steady.reduce((a, s) => a + (s.requests - mx) ** 2, 0);
    return sxx ? (sxy / sxx) * 1e6 : 0;
  };
  const rows = [
    [
      'server RSS (MB)',
      fmt(samples[0]!.rssMb, 1),
      fmt(mean(early.map((s) => s.rssMb)), 1),
      fmt(mean(late.map((s) => s.rssMb)), 1),
      fmt(Math.min(...rss), 1),
      fmt(Math.max(...rss), 1),
      `${fmt(slope((s) => s.rssMb), 1)} MB`,
    ],
    [
      'open file descriptors',
      String(samples[0]!.fds),
      fmt(mean(early.map((s) => s.fds)), 1),
      fmt(mean(late.map((s) => s.fds)), 1),
      String(Math.min(...samples.map((s) => s.fds))),
      String(Math.max(...samples.map((s) => s.fds))),
      fmt(slope((s) => s.fds), 1),
    ],
  ];
  return {
    scenario: 'soak',
    description: `${requests.toLocaleString('en-US')} warm synchronous invocations of a trivial Node.js handler (512 MB) at ${o.connections} connections in ${o.segmentS} s segments (${seconds} s), server RSS and open fds sampled after each segment (${samples.length} samples).`,
    table: { header: ['measure', `baseline after warm-up`, `samples 2-${q + 1}`, `last ${q} samples`, 'min', 'max', 'trend per million'], rows },
    notes: [
      `RSS change from the first to the last quarter of the samples after the baseline: ${growth >= 0 ? '+' : ''}${fmt(growth, 1)} MB over ${requests.toLocaleString('en-US')} invocations; range of those samples ${fmt(Math.max(...steady.map((s) => s.rssMb)) - Math.min(...steady.map((s) => s.rssMb)), 1)} MB (target: flat within noise)`,
      `${fmt(requests / Math.max(1, seconds))} invocations/s on average; ${errors} errors`,
    ],
  };
}
