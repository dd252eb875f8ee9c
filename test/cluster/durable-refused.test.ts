/**
 * Durable functions on a cluster node (docs/durable.md): the durable-execution store is SQLite on
 * one node, so a cluster node refuses them with Lambda's InvalidParameterValueException, saying
 * why, instead of running executions no other node could continue. A node started by the test on a
 * PostgreSQL and an etcd the test starts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CreateFunctionCommand, GetDurableExecutionCommand, InvokeCommand, SendDurableExecutionCallbackSuccessCommand } from '@aws-sdk/client-lambda';
import { clusterBackends, clusterNodeEnv, newMasterKey, skipWithoutCluster } from '../helpers/cluster.js';
import { makeZip, ROLE, sdkClient } from '../helpers/nimbus.js';
import { serve } from '../helpers/serve.js';

const skip = skipWithoutCluster();

describe('cluster: durable functions are refused on cluster nodes', { skip }, () => {
  const backends = clusterBackends();

  it('Invoke of a durable function and the durable-execution operations answer InvalidParameterValueException', async (t) => {
    const env = clusterNodeEnv(backends, { NIMBUS_MASTER_KEY: newMasterKey() });
    const node = await serve(t, { env: env('n1'), startMs: 60_000 });
    const lambda = sdkClient(node.url);
    t.after(() => lambda.destroy());
    await lambda.send(new CreateFunctionCommand({
      FunctionName: 'durable', Runtime: 'nodejs22.x', Handler: 'index.handler', Role: ROLE,
      Code: { ZipFile: await makeZip({ 'index.js': 'exports.handler = async () => ({ Status: "SUCCEEDED" });' }) },
      DurableConfig: { ExecutionTimeout: 60 },
    }));
    const refused = async (p: Promise<unknown>): Promise<void> => {
      await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'InvalidParameterValueException', e.message);
        assert.equal(e.$metadata?.httpStatusCode, 400);
        assert.match(e.message, /not supported on a Nimbus cluster node/);
        return true;
      });
    };
    await refused(lambda.send(new InvokeCommand({ FunctionName: 'durable', Qualifier: '$LATEST', Payload: Buffer.from('{}') })));
    await refused(lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: 'arn:aws:lambda:us-east-1:000000000000:function:durable:$LATEST/durable-execution/a/b' })));
    await refused(lambda.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: 'abcd', Result: Buffer.from('1') })));
  });
});
