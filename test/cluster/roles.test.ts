/**
 * Roles on a cluster (docs/auth.md, "Roles"): a role made and changed through one node's IAM API
 * (the AWS CLI v2) is what a function's credentials carry on another node, which caches role
 * policies and drops them when PostgreSQL announces the change (migration 3's triggers on
 * `nimbus_auth_changes`). Two in-process nodes, a temporary PostgreSQL and etcd.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AWS_CLI, awsCliHome, haveAwsCli, runCli } from '../helpers/aws-cli.js';
import { skipWithoutCluster, startTestCluster } from '../helpers/cluster.js';
import { until } from '../helpers/until.js';
import { makeZip, payloadJson } from '../helpers/nimbus.js';

const skip = skipWithoutCluster();
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const SENDER = `import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
// To the node the event names, else the one the function runs on, whatever host the queue URL names.
export const handler = async (event) => {
  const endpoint = event.endpoint ?? process.env.AWS_ENDPOINT_URL_LAMBDA;
  const sqs = new SQSClient({ maxAttempts: 1, endpoint, useQueueUrlAsEndpoint: false });
  try {
    return { endpoint, sent: (await sqs.send(new SendMessageCommand({ QueueUrl: event.queueUrl, MessageBody: 'x' }))).MessageId };
  } catch (e) {
    return { endpoint, error: e.name };
  }
};
`;


describe('cluster: roles are shared by the nodes', { skip }, () => {
  it("a role changed through one node's IAM API counts for a function's requests to another node", async (t) => {
    if (!haveAwsCli(t)) return;
    // Local mode (the cluster helper probes its nodes unsigned): a function's own credentials are still verified and carry its role.
    const c = await startTestCluster(t, 2);
    const [n1, n2] = c.urls as [string, string];
    const creds = { accessKeyId: 'test', secretAccessKey: 'test' };
    const cli = awsCliHome(t, 'nimbus-cluster-iam-');
    let iamNode = n2;
    const iam = async (...args: string[]): Promise<void> => {
      const r = await runCli(AWS_CLI, ['iam', ...args, '--endpoint-url', iamNode], { env: cli.env({ AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey }), cwd: cli.home });
      assert.equal(r.code, 0, r.stderr);
    };
    const lambda = new LambdaClient({ endpoint: n1, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    const sqs = new SQSClient({ endpoint: n1, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    t.after(() => (lambda.destroy(), sqs.destroy()));
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'b' }))).QueueUrl!;

    await iam('create-role', '--role-name', 'sender', '--assume-role-policy-document', TRUST);
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'sender', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: 'arn:aws:iam::000000000000:role/sender', Code: { ZipFile: await makeZip({ 'index.mjs': SENDER }) } }));
    const send = async (endpoint?: string): Promise<Record<string, unknown>> => {
      const out = await lambda.send(new InvokeCommand({ FunctionName: 'sender', Payload: Buffer.from(JSON.stringify({ queueUrl, endpoint })) }));
      assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
      return payloadJson(out.Payload) as Record<string, unknown>;
    };
    // A role with no policies: refused (and the node the function runs on now has the role's policies in memory).
    const first = await send();
    assert.match(String(first['error']), /AccessDenied/);
    assert.match(String((await send())['error']), /AccessDenied/);
    // From now on the role is changed through the other node: the function's node learns of it from PostgreSQL.
    const runsOn = c.urls.find((u) => new URL(u).port === new URL(String(first['endpoint'])).port);
    assert.ok(runsOn, `the function's endpoint ${String(first['endpoint'])} is one of the nodes ${c.urls.join(', ')}`);
    iamNode = runsOn === n1 ? n2 : n1;

    // Allowed through the other node: the function's node follows (within its bound; polled, not timed).
    await iam('put-role-policy', '--role-name', 'sender', '--policy-name', 'send', '--policy-document',
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:000000000000:b' }] }));
    await until("the function's node lets it send", async () => ((await send())['sent'] ? true : undefined));
    // Taken away through the other node: refused again.
    await iam('delete-role-policy', '--role-name', 'sender', '--policy-name', 'send');
    const refused = await until("the function's node refuses it again", async () => {
      const r = await send();
      return r['sent'] ? undefined : String(r['error']);
    });
    assert.match(refused, /AccessDenied/);
    // Through the other node: its credentials verify there too (the nodes derive their credential
    // secret from the keyring they share), so the role counts; a node that could not verify them
    // would take them, in local mode, as an unchecked administrator and let the message through.
    const other = runsOn === n1 ? n2 : n1;
    const viaOther = await send(other);
    assert.equal(viaOther['endpoint'], other);
    assert.match(String(viaOther['error']), /AccessDenied/, JSON.stringify(viaOther));
  });
});
