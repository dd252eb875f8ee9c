/**
 * cold-start-image: what packaging a function as a container image costs (docs/images.md). The
 * same Node.js handler is cold-started as a zip function (`nodejs20.x`) and as an image laid out
 * like AWS's Node.js base image (the machine's Node binary, sh, AWS-style entrypoint; built with
 * umoci, pushed with skopeo), taking turns so that the machine's load falls on both alike. Beside
 * that, the one-time costs of an image: CreateFunction (resolving the tag to a digest) and
 * unpacking the image into its root (once per digest, in the background after create).
 */
import { performance } from 'node:perf_hooks';
import { fmt, type Section } from '../lib/report.js';
import { startNimbus } from '../targets/nimbus.js';
import { makeZip } from '../../test/helpers/nimbus.js';
import { pushImage } from '../../test/helpers/oci-image.js';
import { nodeFunctionImage } from '../../test/helpers/node-image.js';

const HANDLER = 'exports.handler = async () => ({ ok: true });\n';
const ROLE = 'arn:aws:iam::000000000000:role/bench';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};

const call = (url: string, method: string, path: string, body: unknown): Promise<Response> => fetch(`${url}${path}`, { method, body: JSON.stringify(body) });

interface Variant {
  label: string;
  name: string;
  inits: number[];
  firsts: number[];
}

async function coldStart(url: string, v: Variant, i: number, record: boolean): Promise<void> {
  await call(url, 'PUT', `/2015-03-31/functions/${v.name}/configuration`, { Environment: { Variables: { RUN: String(i) } } });
  const t0 = performance.now();
  const r = await fetch(`${url}/2015-03-31/functions/${v.name}/invocations`, { method: 'POST', body: '{}', headers: { 'x-amz-log-type': 'Tail' } });
  const body = await r.text();
  const ms = performance.now() - t0;
  if (r.headers.get('x-amz-function-error') || r.status !== 200) throw new Error(`${v.name} failed: ${body}`);
  if (!record) return;
  v.firsts.push(ms);
  const log = Buffer.from(r.headers.get('x-amz-log-result') ?? '', 'base64').toString();
  v.inits.push(Number(/Init Duration: ([\d.]+) ms/.exec(log)?.[1] ?? NaN));
}

export async function coldStartImage(o: { samples: number }): Promise<Section> {
  const cleanups: (() => unknown)[] = [];
  const t = { after: (f: () => unknown) => void cleanups.push(f) };
  const target = await startNimbus({ args: ['--isolation', 'namespace', '--stem-cells', '0'] });
  const notes: string[] = [];
  try {
    const host = new URL(target.url).host;
    const layout = await nodeFunctionImage(t, { '/var/task/index.js': HANDLER });
    await pushImage(layout, `${host}/bench/node:v1`);
    const zip = await call(target.url, 'POST', '/2015-03-31/functions', { FunctionName: 'zip', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: (await makeZip({ 'index.js': HANDLER })).toString('base64') } });
    if (zip.status !== 201) throw new Error(`create zip: ${zip.status} ${await zip.text()}`);
    const t0 = performance.now();
    const img = await call(target.url, 'POST', '/2015-03-31/functions', { FunctionName: 'image', PackageType: 'Image', Code: { ImageUri: `${host}/bench/node:v1` }, Role: ROLE });
    const createMs = performance.now() - t0;
    if (img.status !== 201) throw new Error(`create image: ${img.status} ${await img.text()}`);
    // The first call waits for the background unpacking: its wall time less Init Duration is what unpacking still took.
    const t1 = performance.now();
    const first = await fetch(`${target.url}/2015-03-31/functions/image/invocations`, { method: 'POST', body: '{}', headers: { 'x-amz-log-type': 'Tail' } });
    const firstMs = performance.now() - t1;
    if (first.status !== 200) throw new Error(`first image call: ${await first.text()}`);
    notes.push(`CreateFunction of the image (tag resolved to a digest): ${fmt(createMs, 1)} ms; the first call, which waits for the unpacking begun at create: ${fmt(firstMs, 1)} ms (once per image digest).`);
    const variants: Variant[] = [
      { label: 'zip (nodejs20.x)', name: 'zip', inits: [], firsts: [] },
      { label: 'image (Node.js base layout)', name: 'image', inits: [], firsts: [] },
    ];
    for (let i = 0; i <= o.samples; i++) for (const v of variants) await coldStart(target.url, v, i, i > 0);
    const rows = variants.map((v) => [v.label, fmt(median(v.inits), 1), fmt(median(v.firsts), 1)]);
    const ratio = median(variants[1]!.firsts) / median(variants[0]!.firsts);
    notes.push(`Image / zip cold start (first call, median): ${fmt(ratio, 2)}x.`);
    return {
      scenario: 'cold-start-image',
      description: `Cold starts of the same Node.js handler as a zip function and as a container image (namespace isolation, no stem cells): median of ${o.samples}.`,
      table: { header: ['package', 'Init Duration ms', 'first call ms'], rows },
      notes,
    };
  } finally {
    await target.stop();
    for (const f of cleanups) await f();
  }
}

