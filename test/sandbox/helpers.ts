/**
 * Shared helpers for the sandbox tests: a probe function that performs what its event asks and
 * reports what it saw, specs built by hand, and the CI rule for isolation tests (fail, never skip,
 * when CI=true and the host cannot isolate).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodejs } from '../../src/runtimes/node.js';
import { detectNamespaceSupport } from '../../src/sandbox/detect.js';
import type { InvocationReport, Sandbox, SandboxSpec } from '../../src/sandbox/types.js';

/**
 * `skip` option for isolation tests: false when the host can isolate, or under CI=true (the test
 * then runs and fails on `assertIsolation`); otherwise the reason, so a laptop run says why.
 */
export function isolationSkip(): false | string {
  const d = detectNamespaceSupport('0000test0000');
  if (d.ok || process.env['CI'] === 'true') return false;
  return `namespace isolation unavailable here (${d.reasons.join('; ')}); with CI=true this test fails instead`;
}

/** First assertion of every isolation test: under CI a missing capability is a failure. */
export function assertIsolation(): void {
  const d = detectNamespaceSupport('0000test0000');
  assert.ok(d.ok, `namespace isolation unavailable: ${d.ok ? '' : d.reasons.join('; ')}`);
}

/** The probe: each event names an operation; the result says what happened inside the sandbox. */
export const PROBE = String.raw`
import fs from 'node:fs';
import net from 'node:net';
import cp from 'node:child_process';
const tryDo = (f) => { try { return { ok: true, value: f() }; } catch (e) { return { ok: false, code: e.code ?? String(e) }; } };
const ops = {
  status: () => ({
    uid: process.getuid(), gid: process.getgid(), env: { ...process.env },
    status: fs.readFileSync('/proc/self/status', 'utf8'),
    pids: fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number),
    pid1: tryDo(() => fs.readFileSync('/proc/1/cmdline', 'utf8').split('\0').join(' ')),
    fds: fs.readdirSync('/proc/self/fd'),
  }),
  read: ({ path }) => tryDo(() => fs.readFileSync(path, 'utf8')),
  list: ({ path }) => tryDo(() => fs.readdirSync(path)),
  write: ({ path, data }) => tryDo(() => fs.writeFileSync(path, data)),
  environs: () => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map((p) => tryDo(() => fs.readFileSync('/proc/' + p + '/environ', 'utf8'))),
  connect: ({ host, port, timeoutMs = 1500 }) => new Promise((resolve) => {
    const s = net.connect({ host, port });
    const t = setTimeout(() => { s.destroy(); resolve({ ok: false, code: 'TIMEOUT' }); }, timeoutMs);
    s.once('connect', () => { clearTimeout(t); s.destroy(); resolve({ ok: true }); });
    s.once('error', (e) => { clearTimeout(t); resolve({ ok: false, code: e.code }); });
  }),
  sh: ({ cmd, timeoutMs = 20000 }) => {
    const r = cp.spawnSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', timeout: timeoutMs });
    return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, error: r.error?.code };
  },
  alloc: ({ mb }) => { const keep = []; for (let i = 0; i < mb; i++) keep.push(Buffer.alloc(1 << 20, 1)); return keep.length; },
  hang: ({ cmd }) => { if (cmd) cp.spawn('/bin/sh', ['-c', cmd], { stdio: 'ignore' }); for (;;) {} },
};
export const handler = async (event) => ops[event.op](event);
`;

/** A temporary directory removed by `cleanup`. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A code directory with the probe and any extra files, world-readable as Lambda requires. */
export function codeDir(extra: Record<string, string> = {}): string {
  const dir = tempDir('nimbus-code-');
  chmodSync(dir, 0o755);
  for (const [name, text] of Object.entries({ 'index.mjs': PROBE, ...extra })) {
    writeFileSync(join(dir, name), text, { mode: 0o644 });
  }
  return dir;
}

/** A realistic spec: Lambda's standard variables plus the function's own. */
export function spec(code: string, over: Partial<SandboxSpec> & { functionName?: string } = {}): SandboxSpec {
  const memoryMb = over.memoryMb ?? 512;
  const name = over.functionName ?? 'probe';
  return {
    id: randomBytes(8).toString('hex'),
    runtime: 'nodejs20.x',
    descriptor: nodejs,
    handler: 'index.handler',
    codeDir: code,
    memoryMb,
    ephemeralStorageMb: 512,
    network: 'none',
    ...over,
    env: {
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: '2024/01/01/[$LATEST]0123456789abcdef',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      PATH: '/usr/local/bin:/usr/bin/:/bin:/opt/bin',
      _HANDLER: 'index.handler',
      ...over.env,
    },
  };
}

let seq = 0;

/** Invokes the probe with `event`; the deadline defaults to 20 s. */
export function invoke(sb: Sandbox, event: unknown, timeoutMs = 20_000): Promise<InvocationReport> {
  return sb.invoke({
    requestId: `req-${++seq}`,
    payload: Buffer.from(JSON.stringify(event)),
    deadlineMs: Date.now() + timeoutMs,
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:probe',
  });
}

/** Invokes and returns the parsed response, failing the test on any other outcome. */
export async function call<T = unknown>(sb: Sandbox, event: unknown, timeoutMs?: number): Promise<T> {
  const r = await invoke(sb, event, timeoutMs);
  assert.equal(r.result.kind, 'response', `expected a response, got ${JSON.stringify(r.result)}; logs: ${r.logs}`);
  return JSON.parse((r.result as { payload: Buffer }).payload.toString('utf8')) as T;
}

export function rmrf(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Host pids whose real uid is `uid` (a sandbox's uid is used by nothing else). */
export function hostPidsOfUid(uid: number): number[] {
  const out: number[] = [];
  for (const p of readdirSafe('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(readFileSafe(`/proc/${p}/status`));
      if (m && Number(m[1]) === uid) out.push(Number(p));
    } catch {
      // Exited while we looked.
    }
  }
  return out;
}

function readdirSafe(d: string): string[] {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}
function readFileSafe(f: string): string {
  return readFileSync(f, 'utf8');
}
