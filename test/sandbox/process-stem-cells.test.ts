/**
 * Process stem cells: the runtime is started ahead of demand and takes one function's code on its
 * first call (process isolation isolates nothing, so this checks the function runs as it would
 * after a normal start: its handler, code, environment and working directory).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PLATFORM_ENV } from '../../src/runtimes/env.js';
import { nodejs } from '../../src/runtimes/node.js';
import { ProcessSandboxFactory } from '../../src/sandbox/process.js';
import type { Sandbox, SandboxSpec } from '../../src/sandbox/types.js';
import { call, codeDir, rmrf, spec, tempDir } from './helpers.js';

type Status = { env: Record<string, string> };
type Read = { ok: boolean; value?: unknown };

describe('process stem cells', () => {
  let scratch: string;
  let factory: ProcessSandboxFactory;
  const dirs: string[] = [];
  const sandboxes: Sandbox[] = [];
  const started = async (s: SandboxSpec): Promise<Sandbox> => {
    const sb = factory.create(s);
    sandboxes.push(sb);
    await sb.start(15_000);
    return sb;
  };
  const fn = (name: string, files: Record<string, string>, env: Record<string, string> = {}): SandboxSpec => {
    const d = codeDir(files);
    dirs.push(d);
    return spec(d, { functionName: name, env: { ...PLATFORM_ENV, ...env } });
  };

  before(async () => {
    scratch = tempDir('nimbus-pstem-');
    factory = new ProcessSandboxFactory({ scratchRoot: scratch, users: null, nimbusApi: null }, { size: 1, descriptors: [nodejs] });
    factory.prestart();
    assert.equal(await factory.stemCellsReady(30_000), true);
  });

  after(async () => {
    await Promise.all(sandboxes.map((s) => s.dispose()));
    await factory.close();
    for (const d of [scratch, ...dirs]) rmrf(d);
  });

  it('runs each function in its own cell, with its code, environment and working directory', async () => {
    const a = await started(fn('pstem-a', { 'data.txt': 'code-of-a' }, { OWN: 'a' }));
    const sa = await call<Status>(a, { op: 'status' });
    assert.ok(sa.env['LAMBDA_TASK_ROOT']!.startsWith(`${scratch}/stem`), `a stem cell: ${sa.env['LAMBDA_TASK_ROOT']}`);
    assert.equal(sa.env['AWS_LAMBDA_FUNCTION_NAME'], 'pstem-a');
    assert.equal(sa.env['OWN'], 'a');
    assert.equal(sa.env['NIMBUS_STEM_CELL'], undefined);
    assert.deepEqual(await call<Read>(a, { op: 'read', path: 'data.txt' }), { ok: true, value: 'code-of-a' });

    assert.equal(await factory.stemCellsReady(30_000), true, 'the pool refills');
    const b = await started(fn('pstem-b', { 'data.txt': 'code-of-b' }));
    const sb = await call<Status>(b, { op: 'status' });
    assert.ok(sb.env['LAMBDA_TASK_ROOT']!.startsWith(`${scratch}/stem`));
    assert.notEqual(sb.env['LAMBDA_TASK_ROOT'], sa.env['LAMBDA_TASK_ROOT'], 'two functions never share a cell');
    assert.equal(sb.env['OWN'], undefined);
    assert.deepEqual(await call<Read>(b, { op: 'read', path: 'data.txt' }), { ok: true, value: 'code-of-b' });
  });

  it('starts a function normally when it sets a variable read at process start', async () => {
    assert.equal(await factory.stemCellsReady(30_000), true);
    const sb = await started(fn('pstem-opts', {}, { NODE_OPTIONS: '--no-warnings' }));
    const st = await call<Status>(sb, { op: 'status' });
    assert.ok(!st.env['LAMBDA_TASK_ROOT']!.startsWith(`${scratch}/stem`), 'a normal start');
    assert.equal(st.env['NODE_OPTIONS'], '--no-warnings');
  });
});
