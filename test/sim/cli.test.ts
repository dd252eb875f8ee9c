import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { registerSim } from '../../src/cli/commands/sim.js';
import { renderSvg } from '../../src/sim/plot.js';

test('nimbus sim prints a table and writes --json and --plot outputs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nimbus-sim-'));
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  try {
    const program = new Command().exitOverride();
    registerSim(program);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    await program.parseAsync([
      'node', 'nimbus', 'sim', '--seed', '3,4', '--apps', '30', '--days', '2', '--no-progress',
      '--policies', 'fixed:10m,hybrid,learned', '--json', join(dir, 'r.json'), '--plot', join(dir, 'p'),
    ]);
  } finally {
    process.stdout.write = write;
  }
  try {
    const text = out.join('');
    assert.match(text, /fixed:10m/);
    assert.match(text, /p75 cold%/);
    const json = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')) as { policies: { name: string; coldStartPercentP75: number; wastedMemoryRatio: number; seeds: number }[]; runs: unknown[] };
    assert.deepEqual(json.policies.map((p) => p.name), ['fixed:10m', 'hybrid', 'learned']);
    assert.equal(json.policies[0]?.wastedMemoryRatio, 1);
    assert.ok(json.policies.every((p) => p.seeds === 2 && p.coldStartPercentP75 >= 0 && p.coldStartPercentP75 <= 100));
    assert.equal(json.runs.length, 2);
    const svg = await readFile(join(dir, 'p.svg'), 'utf8');
    assert.match(svg, /^<svg/);
    assert.match(svg, /hybrid/);
    const png = await readFile(join(dir, 'p.png'));
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.ok((await stat(join(dir, 'p.png'))).size > 5000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the SVG plot places points by value and joins a series in x order', () => {
  const svg = renderSvg({
    title: 't',
    xLabel: 'x',
    yLabel: 'y',
    points: [
      { label: 'a', series: 'fixed', x: 100, y: 50 },
      { label: 'b', series: 'fixed', x: 50, y: 80 },
      { label: 'c', series: 'hybrid', x: 80, y: 20 },
    ],
  });
  assert.equal((svg.match(/<circle/g) ?? []).length, 3 + 2);
  assert.equal((svg.match(/<path/g) ?? []).length, 1);
  assert.match(svg, />a<\/text>/);
});
