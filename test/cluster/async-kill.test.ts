/**
 * Two `nimbus serve --cluster` nodes on loopback, sharing a PostgreSQL and an etcd that the test
 * starts: an async event that node 1 accepted and was running survives `kill -9` of node 1 - the
 * reaper on node 2 releases it when node 1's etcd lease expires, and node 2 runs it to success.
 * The function is created once, through node 1: its configuration and its package are in
 * PostgreSQL, and the nodes share the keyring that seals environments.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { PgQueue } from '../../src/queue/pg-queue.js';
import { makeZip, ROLE, sdkClient } from '../helpers/nimbus.js';
import { serve } from '../helpers/serve.js';
import { clusterBackends, clusterNodeEnv, newMasterKey, skipWithoutCluster } from '../helpers/cluster.js';

const skip = skipWithoutCluster();
const SCOPE = { accountId: '000000000000', region: 'us-east-1' };

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cluster: async events survive kill -9 of the node running them', { skip }, () => {
  const backends = clusterBackends();

  it('the reaper on the surviving node releases the dead node’s running event, which then succeeds there', async (t) => {
    const env = clusterNodeEnv(backends, { NIMBUS_MASTER_KEY: newMasterKey() });
    // A function slow enough to be caught mid-run (every attempt sleeps 20 s: the configuration is shared).
    const zip = await makeZip({ 'index.mjs': "export const handler = async () => { await new Promise((r) => setTimeout(r, 20000)); return 'ok'; };" });
    const n1 = await serve(t, { env: env('n1') });
    const lambda = sdkClient(n1.url);
    t.after(() => lambda.destroy());
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'slow', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zip }, Timeout: 60 }));
    const probe = new PgQueue({ url: backends.pg.url });
    t.after(() => probe.close());

    const accepted = await sdkClient(n1.url).send(new InvokeCommand({ FunctionName: 'slow', InvocationType: 'Event', Payload: Buffer.from('{"n":1}') }));
    assert.equal(accepted.StatusCode, 202);
    const id = await until('the event is in PostgreSQL', async () => (await probe.list(SCOPE, { limit: 1 }))[0]?.id);
    await until('node 1 runs it', async () => ((await probe.get(SCOPE, id))?.status === 'running' ? true : undefined));

    const n2 = await serve(t, { env: env('n2') });
    const killedAt = Date.now();
    n1.child.kill('SIGKILL');
    await n1.exited;
    await until('node 2 claims it again', async () => ((await probe.get(SCOPE, id))?.attempts === 2 ? true : undefined));
    const redeliveredMs = Date.now() - killedAt;
    const ev = await until(
      'node 2 finishes it',
      async () => {
        const e = await probe.get(SCOPE, id);
        return e?.status === 'succeeded' ? e : undefined;
      },
      90_000,
    );
    t.diagnostic(`redelivered (claimed by node 2) ${redeliveredMs} ms after kill -9 (lease TTL 5 s)`);
    assert.equal(ev.attempts, 2, 'the second attempt ran on node 2');
    assert.match(n2.stderr(), /released for redelivery/);
  });
});
