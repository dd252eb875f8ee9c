/**
 * Nothing a process-isolated sandbox runs outlives a SIGKILLed Nimbus. Namespace sandboxes die
 * with bwrap's PR_SET_PDEATHSIG; process-isolated runtimes are plain children, which a killed
 * server used to leave behind: Nimbus's Node.js runtime then spun on EPIPE for ever (its fatal
 * error report failing to write, raising the next), and a custom runtime's shell loop went on
 * polling a Runtime API that was gone. Both are in flight when the server is killed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CreateFunctionCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { makeZip, ROLE, sdkClient } from '../helpers/nimbus.js';
import { serve } from '../helpers/serve.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Host processes whose command line or environment names `marker`. */
function processesNaming(marker: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmd.includes(marker) || env.includes(marker)) out.push(`${pid} ${cmd.replace(/\0/g, ' ').trim()}`);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return out;
}

const BOOTSTRAP = `#!/bin/sh
while true; do
  H=$(mktemp)
  curl -sS -o /dev/null -D "$H" "http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next"
  ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$H" | tr -d '[:space:]' | cut -d: -f2)
  sleep 30
  curl -sS -X POST "http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$ID/response" -d '{}'
done
`;

test('a SIGKILLed server leaves no process-isolated runtime behind (Node.js and a custom runtime, mid-invocation)', async (t) => {
  const marker = `orphan-check-${process.pid}-${Date.now()}`;
  const s = await serve(t, { env: { NIMBUS_ISOLATION: 'process' } });
  const lambda = sdkClient(s.url);
  t.after(() => lambda.destroy());
  const env = { Variables: { MARKER: marker } };
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'node-slow',
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: ROLE,
      Timeout: 60,
      Environment: env,
      Code: { ZipFile: await makeZip({ 'index.js': 'exports.handler = async () => { console.log("working"); await new Promise((r) => setTimeout(r, 30000)); return 1; };' }) },
    }),
  );
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'shell-slow',
      Runtime: 'provided.al2023',
      Handler: 'x',
      Role: ROLE,
      Timeout: 60,
      Environment: env,
      Code: { ZipFile: await makeZip({ bootstrap: { content: BOOTSTRAP, mode: 0o755 } }) },
    }),
  );
  // Both in flight; the calls themselves end when the server dies.
  const calls = ['node-slow', 'shell-slow'].map((f) => lambda.send(new InvokeCommand({ FunctionName: f, Payload: Buffer.from('{}') })).catch(() => undefined));
  for (let i = 0; i < 600 && processesNaming(marker).length < 2; i++) await sleep(100);
  assert.ok(processesNaming(marker).length >= 2, `both runtimes run: ${processesNaming(marker).join('; ')}`);

  s.child.kill('SIGKILL');
  await s.exited;
  await Promise.all(calls);
  // SIGKILL reaches them at once (PR_SET_PDEATHSIG); a generous bound for a loaded machine.
  for (let i = 0; i < 300 && processesNaming(marker).length > 0; i++) await sleep(100);
  assert.deepEqual(processesNaming(marker), [], 'no runtime outlives the server');
});
