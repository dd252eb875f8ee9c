/**
 * Stem cells (docs/sandbox-lifecycle.md): a pre-started namespace sandbox becomes the sandbox of
 * exactly one function, with that function's code, environment and limits, and nothing else.
 * The isolation suite (namespace-isolation.test.ts) also runs against stem cells.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PLATFORM_ENV } from '../../src/runtimes/env.js';
import { nodejs } from '../../src/runtimes/node.js';
import { python } from '../../src/runtimes/python.js';
import { createSandboxFactory } from '../../src/sandbox/index.js';
import { stemRuntimeOf } from '../../src/sandbox/stem.js';
import { NamespaceSandboxFactory } from '../../src/sandbox/namespace/factory.js';
import { SandboxInitError, type Sandbox, type SandboxSpec } from '../../src/sandbox/types.js';
import { assertIsolation, call, codeDir, invoke, isolationSkip, rmrf, spec, tempDir } from './helpers.js';

type Read = { ok: boolean; value?: unknown; code?: string };
type Status = { uid: number; env: Record<string, string> };

describe('namespace stem cells', { skip: isolationSkip() }, () => {
  let dataDir: string;
  let factory: NamespaceSandboxFactory;
  const dirs: string[] = [];
  const sandboxes: Sandbox[] = [];

  /** A spec with Lambda's platform variables, as Nimbus builds them. */
  const fnSpec = (code: string, over: Partial<SandboxSpec> & { functionName?: string } = {}): SandboxSpec =>
    spec(code, { ...over, env: { ...PLATFORM_ENV, ...over.env } });
  const fromStem = (sb: Sandbox): boolean => factory.cgroupDirsOf(sb.id)[0]!.includes('/stem');
  const started = async (s: SandboxSpec): Promise<Sandbox> => {
    const sb = factory.create(s);
    sandboxes.push(sb);
    await sb.start(15_000);
    return sb;
  };
  const code = (extra: Record<string, string> = {}): string => {
    const d = codeDir(extra);
    dirs.push(d);
    return d;
  };

  before(async () => {
    assertIsolation();
    dataDir = tempDir('nimbus-stem-');
    const choice = createSandboxFactory({ isolation: 'namespace', dataDir, hostPorts: [], stemCells: 1, stemRuntimes: [nodejs, python] });
    factory = choice.factory as NamespaceSandboxFactory;
    factory.prestart();
    assert.equal(await factory.stemCellsReady(30_000), true, 'the stem cell starts');
  });

  after(async () => {
    await factory?.close();
    for (const d of [dataDir, ...dirs]) if (d) rmrf(d);
  });

  it('runs a function with its code, handler, environment and memory limit', async () => {
    const dir = code({ 'data.txt': 'code-of-one', 'other.mjs': 'export const main = async (e) => ({ other: e.n * 2 });' });
    const s = fnSpec(dir, { functionName: 'stem-one', memoryMb: 256, handler: 'other.main', env: { OWN_VAR: 'own-value', _HANDLER: 'other.main' } });
    const sb = await started(s);
    assert.equal(sb.id, s.id, 'the cell reports the id of the sandbox it became');
    assert.ok(fromStem(sb), 'the sandbox is a stem cell');
    assert.deepEqual(await call(sb, { n: 21 }), { other: 42 }, 'the function’s handler runs');
    const [memory, , cpu] = factory.cgroupDirsOf(sb.id);
    assert.equal(Number(readFileSync(join(memory!, 'memory.limit_in_bytes'), 'utf8')), 256 * 1024 * 1024);
    assert.equal(Number(readFileSync(join(cpu!, 'cpu.cfs_quota_us'), 'utf8')), -1, 'no CPU quota (the default shared CPU model)');
    assert.equal(Number(readFileSync(join(cpu!, 'cpu.shares'), 'utf8')), 2048, 'a cell at work has its function’s CPU weight (1024 per 128 MB), no longer the idle one');
    // Back to the probe handler, on a second function, to look inside.
    assert.equal(await factory.stemCellsReady(30_000), true, 'the pool refills');
    const probe = await started(fnSpec(code({ 'data.txt': 'probe-code' }), { functionName: 'stem-probe', env: { OWN_VAR: 'probe-value' } }));
    assert.equal(fromStem(probe), true, 'the pool refilled for the second function');
    const st = await call<Status>(probe, { op: 'status' });
    assert.equal(st.env['AWS_LAMBDA_FUNCTION_NAME'], 'stem-probe');
    assert.equal(st.env['OWN_VAR'], 'probe-value');
    assert.equal(st.env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'], '512');
    assert.equal(st.env['LAMBDA_TASK_ROOT'], '/var/task');
    for (const k of ['NIMBUS_STEM_CELL', 'NIMBUS_RUNTIME_API_SOCKET']) assert.equal(st.env[k], undefined, `${k} is Nimbus’s, not the function’s`);
    assert.notEqual(st.uid, 0);
    assert.deepEqual(await call<Read>(probe, { op: 'list', path: '/var/task' }), { ok: true, value: ['data.txt', 'index.mjs'] });
    assert.deepEqual(await call<Read>(probe, { op: 'read', path: 'data.txt' }), { ok: true, value: 'probe-code' }, 'the working directory is the code');
    assert.equal((await call<Read>(probe, { op: 'write', path: '/var/task/x', data: '1' })).code, 'EROFS');
    const mounts = await call<{ stdout: string }>(probe, { op: 'sh', cmd: 'grep " /var/task " /proc/self/mountinfo' });
    assert.ok(mounts.stdout.trim().split('\n').every((l) => / ro,nosuid,nodev/.test(l)), `every mount at /var/task is read-only: ${mounts.stdout}`);
  });

  it('gives each function its own cell: two functions never share one', async () => {
    await factory.stemCellsReady(30_000);
    const a = await started(fnSpec(code({ 'secret.txt': 'secret-of-a' }), { functionName: 'stem-a', env: { SECRET: 'env-of-a' } }));
    const b = await started(fnSpec(code(), { functionName: 'stem-b' }));
    assert.ok(fromStem(a) || fromStem(b), 'at least one came from a cell');
    assert.notDeepEqual(factory.cgroupDirsOf(a.id), factory.cgroupDirsOf(b.id));
    const [sa, sb] = [await call<Status>(a, { op: 'status' }), await call<Status>(b, { op: 'status' })];
    assert.notEqual(sa.uid, sb.uid);
    assert.equal(sb.env['SECRET'], undefined);
    assert.equal((await call<Read>(b, { op: 'read', path: '/var/task/secret.txt' })).ok, false);
    const grep = await call<{ stdout: string }>(b, { op: 'sh', cmd: 'grep -rl secret-of-a /tmp /var /run /opt 2>/dev/null | head -3' });
    assert.equal(grep.stdout.trim(), '');
    // A cell, once assigned, is never handed out again, even after its function's sandbox died.
    await a.dispose();
    const c = await started(fnSpec(code(), { functionName: 'stem-c' }));
    assert.notDeepEqual(factory.cgroupDirsOf(c.id), factory.cgroupDirsOf(a.id));
  });

  it('starts functions normally when a setting cannot be applied to a running cell', async () => {
    await factory.stemCellsReady(30_000);
    const cases: [string, Partial<SandboxSpec>][] = [
      ['NODE_OPTIONS', { env: { NODE_OPTIONS: '--max-old-space-size=100' } }],
      ['a larger /tmp', { ephemeralStorageMb: 1024 }],
    ];
    for (const [why, over] of cases) {
      const sb = await started(fnSpec(code(), { functionName: 'stem-normal', ...over, env: { ...over.env } }));
      assert.equal(fromStem(sb), false, `${why}: a normal start`);
      assert.equal((await call<Status>(sb, { op: 'status' })).env['AWS_LAMBDA_FUNCTION_NAME'], 'stem-normal');
    }
    const ours = await started(fnSpec(code(), { functionName: 'stem-after' }));
    assert.equal(fromStem(ours), true, 'the unused cell is still there');
  });

  it('reports a handler that fails to load as an init error, like a normal start', async () => {
    await factory.stemCellsReady(30_000);
    const sb = factory.create(fnSpec(code({ 'index.mjs': 'throw new Error("broken at load");' }), { functionName: 'stem-broken' }));
    sandboxes.push(sb);
    await assert.rejects(sb.start(15_000), (e: unknown) => {
      assert.ok(e instanceof SandboxInitError);
      assert.equal(e.result.kind, 'error');
      assert.match(e.logs, /broken at load/);
      return true;
    });
    assert.equal(sb.state, 'dead');
  });

  it('loads a CommonJS handler after the cell warmed the loader: its own module, even under the warm-up module’s name', async () => {
    // A waiting Node.js cell loads the runtime's warmup-require.cjs as a handler (bootstrap.mts):
    // a function's module of the same name must still be its own, and nothing of the warm-up shows.
    await factory.stemCellsReady(30_000);
    const mine = [
      'let calls = 0;',
      'exports.handler = async () => ({ mine: true, calls: ++calls, file: __filename,',
      "  task: Object.keys(require.cache).filter((k) => k.startsWith('/var/task/')) });",
    ].join('\n');
    const s = fnSpec(code({ 'warmup-require.js': mine }), { functionName: 'stem-cjs', handler: 'warmup-require.handler', env: { _HANDLER: 'warmup-require.handler' } });
    const sb = await started(s);
    assert.ok(fromStem(sb), 'the sandbox is a stem cell');
    assert.deepEqual(await call(sb, {}), { mine: true, calls: 1, file: '/var/task/warmup-require.js', task: ['/var/task/warmup-require.js'] });
    assert.deepEqual(await call(sb, {}), { mine: true, calls: 2, file: '/var/task/warmup-require.js', task: ['/var/task/warmup-require.js'] });
  });

  it('reports CommonJS handlers that fail to load with Lambda’s error types, as a normal start does', async () => {
    const cases: [string, Record<string, string>, string, RegExp][] = [
      ['no such module', {}, 'missing.handler', /^Runtime\.ImportModuleError$/],
      ['no such export', { 'app.js': 'exports.other = async () => 1;' }, 'app.handler', /^Runtime\.HandlerNotFound$/],
      ['a syntax error', { 'app.js': 'exports.handler = async () => {;' }, 'app.handler', /^Runtime\.UserCodeSyntaxError$/],
      ['a throw at load', { 'app.js': 'throw new TypeError("broken at load");' }, 'app.handler', /^TypeError$/],
    ];
    for (const [why, files, handler, type] of cases) {
      await factory.stemCellsReady(30_000);
      const sb = factory.create(fnSpec(code(files), { functionName: 'stem-cjs-broken', handler, env: { _HANDLER: handler } }));
      sandboxes.push(sb);
      assert.ok(fromStem(sb), `${why}: the sandbox is a stem cell`);
      await assert.rejects(sb.start(15_000), (e: unknown) => {
        assert.ok(e instanceof SandboxInitError, why);
        assert.equal(e.result.kind, 'error', why);
        assert.match((e.result as { errorType: string }).errorType, type, why);
        return true;
      });
      assert.equal(sb.state, 'dead', why);
    }
  });

  it('runs a Python function from a Python stem cell, with its environment applied', async () => {
    await factory.stemCellsReady(30_000);
    const app = [
      'import os',
      'def handler(event, context):',
      '    return {"name": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"), "own": os.environ.get("OWN"), "stem": os.environ.get("NIMBUS_STEM_CELL"),',
      '            "cwd": os.getcwd(), "data": open("data.txt").read(), "memory": context.memory_limit_in_mb, "text": "\u00e9"}',
      '',
    ].join('\n');
    // The cell runs the machine's default Python (its runtime id names that interpreter exactly).
    const runtime = stemRuntimeOf(python);
    const env = { OWN: 'py-value', _HANDLER: 'app.handler', AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}` };
    const s = fnSpec(code({ 'app.py': app, 'data.txt': 'python-code' }), { functionName: 'stem-py', runtime, descriptor: python, handler: 'app.handler', memoryMb: 256, env });
    const sb = await started(s);
    assert.ok(fromStem(sb), 'the sandbox is a Python stem cell');
    const r = await invoke(sb, {});
    assert.equal(r.result.kind, 'response', r.logs);
    const text = (r.result as { payload: Buffer }).payload.toString('utf8');
    assert.deepEqual(JSON.parse(text), { name: 'stem-py', own: 'py-value', stem: null, cwd: '/var/task', data: 'python-code', memory: '256', text: 'é' });
    // AWS's python3.12 and later answer UTF-8 unescaped, earlier ones \\u-escape: the encoder follows the assigned AWS_EXECUTION_ENV.
    const minor = Number(runtime.split('.')[1]);
    assert.equal(text.includes('é'), minor >= 12, text);
  });

  it('leaves no mount in the host’s mount table', () => {
    const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
    assert.ok(!mountinfo.includes(dataDir), 'stem cell mounts live in the mount helper’s namespace only');
  });
});
