/**
 * cold-start-layers: what layers cost a cold start (docs/layers.md). The same Node.js function,
 * which requires five packages (2,000 files in all), is cold-started with the packages in its own
 * node_modules (no layers), in one layer, and in five layers, under each isolation level, with
 * `--stem-cells 0` (a function with layers does not take a stem cell); the variants take turns,
 * so that the machine's load falls on each alike. Beside that, the one-time cost of making a set of layers
 * ready for /opt two ways on the same trees: Nimbus's merge (a tree of hard links, built once per
 * set and bind-mounted) and an overlay mount of the layers (which bwrap 0.8, the version Debian 12
 * ships, cannot make inside the sandbox, so it would be a mount per set in the host's namespace).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import yazl from 'yazl';
import { CodeStore } from '../../src/store/code-store.js';
import { fmt, type Section } from '../lib/report.js';
import { startNimbus } from '../targets/nimbus.js';

const LAYERS = 5;
const FILES_PER_LAYER = 400;

/** Package `pkg<i>` of many small files, as a dependency tree has, under `prefix` (a layer's `nodejs/`, or the function's root). */
function addPackage(zip: yazl.ZipFile, i: number, prefix: string): void {
  zip.addBuffer(Buffer.from(`module.exports = 'pkg${i}';`), `${prefix}node_modules/pkg${i}/index.js`);
  for (let f = 1; f < FILES_PER_LAYER; f++) zip.addBuffer(Buffer.from(`// file ${f}\n`), `${prefix}node_modules/pkg${i}/lib/f${f}.js`);
}

function zipOf(fill: (zip: yazl.ZipFile) => void): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  fill(zip);
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** Layer `i` holds `pkg<i>` (all of them when `all`). */
const layerZip = (i: number, all = false): Promise<Buffer> =>
  zipOf((zip) => {
    for (let p = 0; p < LAYERS; p++) if (all || p === i) addPackage(zip, p, 'nodejs/');
  });

/** The function requires every package; `bundled` puts them in its own node_modules. */
const functionZip = (bundled: boolean): Promise<Buffer> =>
  zipOf((zip) => {
    const requires = Array.from({ length: LAYERS }, (_, i) => `require('pkg${i}')`).join(', ');
    zip.addBuffer(Buffer.from(`const loaded = [${requires}]; exports.handler = async () => loaded;`), 'index.js');
    if (bundled) for (let p = 0; p < LAYERS; p++) addPackage(zip, p, '');
  });

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};

interface Variant {
  label: string;
  name: string;
  layers: string[];
  bundled: boolean;
  inits: number[];
  firsts: number[];
}

const call = (url: string, method: string, path: string, body: unknown) => fetch(`${url}${path}`, { method, body: JSON.stringify(body) });

async function deploy(url: string, v: Variant): Promise<void> {
  const created = await call(url, 'POST', '/2015-03-31/functions', {
    FunctionName: v.name,
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    Role: 'arn:aws:iam::000000000000:role/bench',
    MemorySize: 1769,
    Layers: v.layers,
    Code: { ZipFile: (await functionZip(v.bundled)).toString('base64') },
  });
  if (created.status !== 201) throw new Error(`deploy ${v.name}: ${created.status} ${await created.text()}`);
}

/** One cold start: a new revision retires the warm sandbox, so the next call starts one. */
async function coldStart(url: string, v: Variant, i: number, record: boolean): Promise<void> {
  await call(url, 'PUT', `/2015-03-31/functions/${v.name}/configuration`, { Environment: { Variables: { RUN: String(i) } } });
  const t0 = performance.now();
  const r = await fetch(`${url}/2015-03-31/functions/${v.name}/invocations`, { method: 'POST', body: '{}', headers: { 'x-amz-log-type': 'Tail' } });
  const body = await r.text();
  const ms = performance.now() - t0;
  if (r.headers.get('x-amz-function-error')) throw new Error(`${v.name} failed: ${body}`);
  if (!record) return;
  v.firsts.push(ms);
  const log = Buffer.from(r.headers.get('x-amz-log-result') ?? '', 'base64').toString();
  v.inits.push(Number(/Init Duration: ([\d.]+) ms/.exec(log)?.[1] ?? NaN));
}

/** The one-time cost of a set: Nimbus's hard-link merge, and an overlay mount of the same trees. */
async function setCosts(zips: Buffer[]): Promise<{ merge: number; overlay: number | undefined }> {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-bench-layers-'));
  try {
    const code = new CodeStore(dir);
    const shas = [];
    for (const z of zips) shas.push((await code.put(z)).sha256Hex);
    const t0 = performance.now();
    await code.layerSet(shas);
    const merge = performance.now() - t0;
    let overlay: number | undefined;
    if (process.getuid?.() === 0) {
      const target = join(dir, 'overlay');
      mkdirSync(target);
      // overlayfs lists the upper layer first: the function's last layer wins, as in the merge.
      const lower = [...shas].reverse().map((s) => code.taskDir(s)).join(':');
      const t1 = performance.now();
      try {
        execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower}`, target]);
        overlay = performance.now() - t1;
        execFileSync('umount', [target]);
      } catch {
        overlay = undefined;
      }
    }
    return { merge, overlay };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function coldStartLayers(o: { samples: number; isolations: string[] }): Promise<Section> {
  const zips = await Promise.all(Array.from({ length: LAYERS }, (_, i) => layerZip(i)));
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const isolation of o.isolations) {
    const target = await startNimbus({ args: ['--isolation', isolation, '--stem-cells', '0'] });
    try {
      const publish = async (name: string, z: Buffer): Promise<string> => {
        const r = await call(target.url, 'POST', `/2018-10-31/layers/${name}/versions`, { Content: { ZipFile: z.toString('base64') } });
        if (r.status !== 201) throw new Error(`publish ${name}: ${r.status} ${await r.text()}`);
        return ((await r.json()) as { LayerVersionArn: string }).LayerVersionArn;
      };
      const five: string[] = [];
      for (const [i, z] of zips.entries()) five.push(await publish(`bench-layer-${i}`, z));
      const one = await publish('bench-layer-all', await layerZip(0, true));
      const variants: Variant[] = [
        { label: 'in the function', name: 'pkgs-bundled', layers: [], bundled: true, inits: [], firsts: [] },
        { label: '1 layer', name: 'pkgs-one-layer', layers: [one], bundled: false, inits: [], firsts: [] },
        { label: `${LAYERS} layers`, name: 'pkgs-five-layers', layers: five, bundled: false, inits: [], firsts: [] },
      ];
      for (const v of variants) await deploy(target.url, v);
      // Round 0 is not recorded: it may still wait for a set's background merge. Then the variants take turns.
      for (let i = 0; i <= o.samples; i++) for (const v of variants) await coldStart(target.url, v, i, i > 0);
      const base = median(variants[0]!.firsts);
      for (const v of variants) {
        const first = median(v.firsts);
        rows.push([v.label, isolation, fmt(median(v.inits), 1), fmt(first, 1), v === variants[0] ? '-' : `${first - base >= 0 ? '+' : ''}${fmt(first - base, 1)} ms`]);
      }
    } finally {
      await target.stop();
    }
  }
  const set = await setCosts(zips);
  notes.push(
    `Making a set of ${LAYERS} layers (${LAYERS * FILES_PER_LAYER} files) ready, once per set: hard-link merge ${fmt(set.merge, 1)} ms` +
      (set.overlay === undefined ? ' (overlay mount not measured: needs root)' : `; an overlay mount of the same layers ${fmt(set.overlay, 1)} ms`) +
      '. Either way each sandbox then binds one directory at /opt.',
  );
  notes.push('Median of the cold starts after the first round; the function requires the same five packages in every variant.');
  return {
    scenario: 'cold-start-layers',
    description: `Cold starts of a Node.js function whose five packages (${LAYERS * FILES_PER_LAYER} files) are bundled, in one layer or in ${LAYERS}, at 1769 MB: median of ${o.samples}.`,
    table: { header: ['packages', 'isolation', 'Init Duration ms', 'first call ms', 'vs bundled'], rows },
    notes,
  };
}
