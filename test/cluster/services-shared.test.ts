/**
 * Two `nimbus serve --cluster` nodes on loopback sharing a PostgreSQL and an etcd that the test
 * starts: SQS, SNS and EventBridge state live in PostgreSQL (a topic subscribed and a rule
 * targeted through node 1 are published to through node 2), so a queue created and a message sent through node 1 are
 * received and deleted through node 2 with SQS's semantics (receipt handles, receive count,
 * visibility timeout, redrive, FIFO order), a long poll on node 2 wakes on node 1's send, and two
 * consumers on the two nodes receive each message exactly once while it is invisible.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { clusterBackends, clusterNodeEnv, newMasterKey, skipWithoutCluster } from '../helpers/cluster.js';
import { serve } from '../helpers/serve.js';
import { sdk } from '../helpers/sqs-clients.js';

const skip = skipWithoutCluster();
const ACCOUNT = '000000000000';
/** Cluster nodes share one keyring (docs/cluster.md). */
const masterKey = newMasterKey();

describe('cluster: SQS queues, SNS topics and EventBridge rules are shared by every node', { skip }, () => {
  const backends = clusterBackends();

  it('send through node 1, receive and delete through node 2; two consumers on two nodes get each message once', async (t) => {
    const env = clusterNodeEnv(backends, { NIMBUS_MASTER_KEY: masterKey });
    const n1 = await serve(t, { env: env('n1'), startMs: 60_000 });
    const n2 = await serve(t, { env: env('n2'), startMs: 60_000 });
    const c1 = sdk(n1.url);
    const c2 = sdk(n2.url);
    t.after(() => {
      c1.destroy();
      c2.destroy();
    });
    // A queue URL names the account and queue; either node resolves it.
    const url = (node: string, name: string): string => `${node}/${ACCOUNT}/${name}`;

    // Created on node 1, known to node 2.
    const dlq = await c1.send(new CreateQueueCommand({ QueueName: 'shared-dlq' }));
    assert.ok(dlq.QueueUrl);
    await c1.send(
      new CreateQueueCommand({
        QueueName: 'shared',
        Attributes: { VisibilityTimeout: '30', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:shared-dlq`, maxReceiveCount: 2 }) },
      }),
    );
    const attrs = await c2.send(new GetQueueAttributesCommand({ QueueUrl: url(n2.url, 'shared'), AttributeNames: ['VisibilityTimeout', 'QueueArn'] }));
    assert.equal(attrs.Attributes?.['VisibilityTimeout'], '30');

    // Sent through node 1, received through node 2, invisible to node 1 while in flight, deleted through node 2.
    const sent = await c1.send(new SendMessageCommand({ QueueUrl: url(n1.url, 'shared'), MessageBody: 'hello across nodes', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } }));
    const got = await c2.send(new ReceiveMessageCommand({ QueueUrl: url(n2.url, 'shared'), MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }));
    const m = got.Messages?.[0];
    assert.equal(m?.MessageId, sent.MessageId);
    assert.equal(m?.Body, 'hello across nodes');
    assert.equal(m?.MessageAttributes?.['k']?.StringValue, 'v');
    assert.equal(m?.Attributes?.['ApproximateReceiveCount'], '1');
    assert.deepEqual((await c1.send(new ReceiveMessageCommand({ QueueUrl: url(n1.url, 'shared') }))).Messages ?? [], [], 'in flight: node 1 does not see it');
    // Made visible again through node 1 with node 2's receipt handle; node 1 receives it (count 2).
    await c1.send(new ChangeMessageVisibilityCommand({ QueueUrl: url(n1.url, 'shared'), ReceiptHandle: m!.ReceiptHandle!, VisibilityTimeout: 0 }));
    const again = (await c1.send(new ReceiveMessageCommand({ QueueUrl: url(n1.url, 'shared'), MessageSystemAttributeNames: ['ApproximateReceiveCount'] }))).Messages?.[0];
    assert.equal(again?.MessageId, sent.MessageId);
    assert.equal(again?.Attributes?.['ApproximateReceiveCount'], '2');
    // Node 2's older handle no longer deletes it (a stale handle succeeds without deleting); node 1's does, through node 2.
    await c2.send(new DeleteMessageCommand({ QueueUrl: url(n2.url, 'shared'), ReceiptHandle: m!.ReceiptHandle! }));
    await c2.send(new DeleteMessageCommand({ QueueUrl: url(n2.url, 'shared'), ReceiptHandle: again!.ReceiptHandle! }));
    const counts = await c1.send(new GetQueueAttributesCommand({ QueueUrl: url(n1.url, 'shared'), AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    assert.deepEqual(counts.Attributes, { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });

    // Redrive across nodes: received twice (once per node), the next receive moves it to the DLQ.
    const poison = await c1.send(new SendMessageCommand({ QueueUrl: url(n1.url, 'shared'), MessageBody: 'poison' }));
    for (const c of [c1, c2]) {
      const r = await c.send(new ReceiveMessageCommand({ QueueUrl: url(n1.url, 'shared'), VisibilityTimeout: 0 }));
      assert.equal(r.Messages?.[0]?.MessageId, poison.MessageId);
    }
    assert.deepEqual((await c2.send(new ReceiveMessageCommand({ QueueUrl: url(n2.url, 'shared') }))).Messages ?? [], []);
    const dead = await c1.send(new ReceiveMessageCommand({ QueueUrl: url(n1.url, 'shared-dlq'), MessageSystemAttributeNames: ['All'] }));
    assert.equal(dead.Messages?.[0]?.MessageId, poison.MessageId);
    assert.equal(dead.Messages?.[0]?.Attributes?.['DeadLetterQueueSourceArn'], `arn:aws:sqs:us-east-1:${ACCOUNT}:shared`);

    // A long poll on node 2 wakes on node 1's send (LISTEN/NOTIFY), long before its 20 s end.
    const polling = c2.send(new ReceiveMessageCommand({ QueueUrl: url(n2.url, 'shared'), WaitTimeSeconds: 20 }));
    await new Promise((r) => setTimeout(r, 300));
    const woke = await c1.send(new SendMessageCommand({ QueueUrl: url(n1.url, 'shared'), MessageBody: 'wake up' }));
    const polled = await polling;
    assert.equal(polled.Messages?.[0]?.MessageId, woke.MessageId);
    await c2.send(new DeleteMessageCommand({ QueueUrl: url(n2.url, 'shared'), ReceiptHandle: polled.Messages![0]!.ReceiptHandle! }));

    // FIFO across nodes: order within a group, the group blocked while node 1 holds its head.
    await c1.send(new CreateQueueCommand({ QueueName: 'order.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } }));
    for (const b of ['a1', 'a2', 'a3']) await c2.send(new SendMessageCommand({ QueueUrl: url(n2.url, 'order.fifo'), MessageBody: b, MessageGroupId: 'a' }));
    const head = await c1.send(new ReceiveMessageCommand({ QueueUrl: url(n1.url, 'order.fifo'), MaxNumberOfMessages: 1 }));
    assert.deepEqual(head.Messages?.map((x) => x.Body), ['a1']);
    assert.deepEqual((await c2.send(new ReceiveMessageCommand({ QueueUrl: url(n2.url, 'order.fifo'), MaxNumberOfMessages: 10 }))).Messages ?? [], [], 'blocked behind a1');
    await c2.send(new DeleteMessageCommand({ QueueUrl: url(n2.url, 'order.fifo'), ReceiptHandle: head.Messages![0]!.ReceiptHandle! }));
    const rest = await c2.send(new ReceiveMessageCommand({ QueueUrl: url(n2.url, 'order.fifo'), MaxNumberOfMessages: 10 }));
    assert.deepEqual(rest.Messages?.map((x) => x.Body), ['a2', 'a3']);

    // SNS: a topic and its SQS subscription made through node 1; a publish through node 2 reaches the queue.
    const sns1 = new SNSClient({ endpoint: n1.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const sns2 = new SNSClient({ endpoint: n2.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    t.after(() => {
      sns1.destroy();
      sns2.destroy();
    });
    await c1.send(new CreateQueueCommand({ QueueName: 'fanout' }));
    const topic = await sns1.send(new CreateTopicCommand({ Name: 'news' }));
    await sns1.send(new SubscribeCommand({ TopicArn: topic.TopicArn!, Protocol: 'sqs', Endpoint: `arn:aws:sqs:us-east-1:${ACCOUNT}:fanout`, Attributes: { RawMessageDelivery: 'true' } }));
    await sns2.send(new PublishCommand({ TopicArn: topic.TopicArn!, Message: 'published on node 2' }));
    const fanned = await c1.send(new ReceiveMessageCommand({ QueueUrl: url(n1.url, 'fanout'), WaitTimeSeconds: 5 }));
    assert.equal(fanned.Messages?.[0]?.Body, 'published on node 2');

    // EventBridge: a rule and its SQS target made through node 1; an event put through node 2 reaches the queue.
    const eb1 = new EventBridgeClient({ endpoint: n1.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const eb2 = new EventBridgeClient({ endpoint: n2.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    t.after(() => {
      eb1.destroy();
      eb2.destroy();
    });
    await c1.send(new CreateQueueCommand({ QueueName: 'routed' }));
    await eb1.send(new PutRuleCommand({ Name: 'orders', EventPattern: JSON.stringify({ source: ['shop'] }) }));
    await eb1.send(new PutTargetsCommand({ Rule: 'orders', Targets: [{ Id: 'q', Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:routed` }] }));
    const put = await eb2.send(new PutEventsCommand({ Entries: [{ Source: 'shop', DetailType: 'order', Detail: JSON.stringify({ id: 7 }) }] }));
    assert.equal(put.FailedEntryCount, 0);
    const routed = await c1.send(new ReceiveMessageCommand({ QueueUrl: url(n1.url, 'routed'), WaitTimeSeconds: 5 }));
    assert.deepEqual((JSON.parse(routed.Messages?.[0]?.Body ?? '{}') as { detail?: unknown }).detail, { id: 7 });

    // Two consumers, one per node, draining one queue concurrently: every message exactly once.
    await c1.send(new CreateQueueCommand({ QueueName: 'work', Attributes: { VisibilityTimeout: '120' } }));
    const total = 200;
    for (let i = 0; i < total; i += 10) {
      await c1.send(new SendMessageBatchCommand({ QueueUrl: url(n1.url, 'work'), Entries: Array.from({ length: 10 }, (_, j) => ({ Id: `e${j}`, MessageBody: `m${i + j}` })) }));
    }
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    const consume = async (c: SQSClient, node: string, who: string): Promise<void> => {
      for (let empty = 0; empty < 2; ) {
        const r = await c.send(new ReceiveMessageCommand({ QueueUrl: url(node, 'work'), MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        const ms = r.Messages ?? [];
        if (ms.length === 0) {
          empty++;
          continue;
        }
        for (const x of ms) {
          if (seen.has(x.Body!)) duplicates.push(`${x.Body} (${seen.get(x.Body!)} and ${who})`);
          seen.set(x.Body!, who);
          await c.send(new DeleteMessageCommand({ QueueUrl: url(node, 'work'), ReceiptHandle: x.ReceiptHandle! }));
        }
      }
    };
    await Promise.all([consume(c1, n1.url, 'n1'), consume(c2, n2.url, 'n2')]);
    assert.deepEqual(duplicates, [], 'no message was handed to both consumers');
    assert.equal(seen.size, total, 'every message was received');
    const byNode = [...seen.values()].filter((w) => w === 'n1').length;
    t.diagnostic(`node 1 took ${byNode} of ${total}, node 2 ${total - byNode}`);
    assert.ok(byNode > 0 && byNode < total, 'both nodes consumed');
  });
});
