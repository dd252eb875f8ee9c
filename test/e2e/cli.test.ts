/** The `nimbus` CLI as a user runs it: serve, deploy, invoke, logs, ls, rm, and its errors. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { nimbusCli, serve } from '../helpers/serve.js';

test('the nimbus CLI', async (t) => {
  const s = await serve(t, { env: { NIMBUS_ISOLATION: 'process' } });
  const cli = (args: string[], input?: string) => nimbusCli(args, { endpoint: s.url, ...(input === undefined ? {} : { input }) });
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-fn-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'lib'));
  writeFileSync(join(dir, 'lib', 'greet.js'), 'exports.greet = (n) => `hello ${n}`;');
  writeFileSync(join(dir, 'index.js'), "const { greet } = require('./lib/greet');\nexports.handler = async (e) => { console.log('greeting', e.name); if (e.fail) throw new Error('asked to fail'); return greet(e.name); };");

  await t.test('serve warns, at start-up and in its help, that process isolation does not isolate', async () => {
    assert.match(s.stderr(), /WARNING: sandbox isolation is "process"/);
    assert.match((await cli(['serve', '--help'])).stdout, /WARNING: sandbox isolation is "process"/);
  });

  await t.test('deploy creates, then updates', async () => {
    const c = await cli(['deploy', dir, '--name', 'greeter', '--runtime', 'nodejs20.x', '--env', 'STAGE=dev']);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /^Created greeter \(nodejs20\.x, index\.handler, 128 MB/);
    const u = await cli(['deploy', dir, '--name', 'greeter', '--memory', '256']);
    assert.equal(u.code, 0, u.stderr);
    assert.match(u.stdout, /^Updated greeter \(nodejs20\.x, index\.handler, 256 MB/);
  });

  await t.test('invoke takes the payload from an argument, a file or stdin, and prints the log tail', async () => {
    const a = await cli(['invoke', 'greeter', '--payload', '{"name":"arg"}']);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, '"hello arg"\n');
    assert.match(a.stderr, /START RequestId[\s\S]*greeting arg[\s\S]*REPORT RequestId/);
    const file = join(dir, 'event.json');
    writeFileSync(file, '{"name":"file"}');
    assert.equal((await cli(['invoke', 'greeter', '--file', file])).stdout, '"hello file"\n');
    assert.equal((await cli(['invoke', 'greeter', '--payload', '-'], '{"name":"stdin"}')).stdout, '"hello stdin"\n');
    const f = await cli(['invoke', 'greeter', '--payload', '{"fail":true}', '--no-logs']);
    assert.equal(f.code, 1, 'a function error exits 1');
    assert.match(f.stdout, /"errorMessage":"asked to fail"/);
    assert.equal(f.stderr, '');
  });

  await t.test('logs prints START/END/REPORT of each invocation', async () => {
    const l = await cli(['logs', 'greeter']);
    assert.equal(l.code, 0, l.stderr);
    assert.equal((l.stdout.match(/^REPORT RequestId/gm) ?? []).length, 4);
    assert.match(l.stdout, /greeting stdin/);
    assert.equal((await cli(['logs', 'greeter', '--tail', '1'])).stdout.match(/^START/gm)?.length, 1);
  });

  await t.test('logs --follow prints new invocations as they happen', async () => {
    const { spawn } = await import('node:child_process');
    const { NIMBUS_BIN } = await import('../helpers/serve.js');
    const follower = spawn(process.execPath, [NIMBUS_BIN, '--endpoint', s.url, 'logs', 'greeter', '--follow', '--tail', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    follower.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    try {
      await new Promise((r) => setTimeout(r, 500));
      await cli(['invoke', 'greeter', '--payload', '{"name":"followed"}']);
      const deadline = Date.now() + 10_000;
      while (!/greeting followed/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.match(out, /greeting followed[\s\S]*REPORT RequestId/);
    } finally {
      follower.kill();
    }
  });

  await t.test('stats shows calls, errors, cold starts and idle memory per function', async () => {
    const st = await cli(['stats']);
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stdout, /^FUNCTION\s+VERSION\s+CALLS\s+ERRORS/);
    const row = st.stdout.split('\n').find((l) => l.startsWith('greeter '));
    assert.ok(row, st.stdout);
    assert.match(row, /^greeter\s+\$LATEST\s+5\s+1\s+0\s+\d+ \(/);
    const json = JSON.parse((await cli(['stats', '--json'])).stdout) as { functions: { function: string; idleGbSeconds: number }[] };
    assert.ok(json.functions.find((f) => f.function === 'greeter')!.idleGbSeconds > 0);
  });

  await t.test('ls and rm', async () => {
    const l = await cli(['ls']);
    assert.match(l.stdout, /^NAME\s+RUNTIME\s+MEMORY/);
    assert.match(l.stdout, /greeter\s+nodejs20\.x\s+256 MB/);
    const r = await cli(['rm', 'greeter']);
    assert.equal(r.code, 0);
    assert.equal((await cli(['ls'])).stdout, 'No functions.\n');
  });

  await t.test('errors are clear', async () => {
    const missing = await cli(['invoke', 'greeter']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^nimbus: ResourceNotFoundException: Function not found: arn:aws:lambda:us-east-1:000000000000:function:greeter\n$/);
    const badEnv = await cli(['deploy', dir, '--name', 'x', '--env', 'novalue']);
    assert.match(badEnv.stderr, /--env takes KEY=VALUE/);
    const badRuntime = await cli(['deploy', dir, '--name', 'x', '--runtime', 'cobol']);
    assert.match(badRuntime.stderr, /InvalidParameterValueException: Value cobol at 'runtime'/);
    const down = await nimbusCli(['ls'], { endpoint: 'http://127.0.0.1:1' });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach Nimbus at http:\/\/127\.0\.0\.1:1/);
    const help = await cli(['invoke', '--help']);
    assert.match(help.stdout, /--payload <json>/);
    const unknown = await cli(['frobnicate']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  });
});
