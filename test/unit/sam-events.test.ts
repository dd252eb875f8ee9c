/**
 * Planning queues, topics, event buses, rules and event-source mappings: the template's own
 * AWS::SQS::Queue, AWS::SNS::Topic/Subscription, AWS::Events::EventBus/Rule and
 * AWS::Lambda::EventSourceMapping resources, and what SAM generates for a function's SQS, SNS,
 * EventBridgeRule and CloudWatchEvent events (names, Ref and GetAtt values, the services'
 * requests), then the stack document that carries them and the server's reading of it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseServices } from '../../src/api/stacks/document-services.js';
import { redriveOrder } from '../../src/api/stacks/apply-services.js';
import { stackDocument } from '../../src/sam/document.js';
import { SamError } from '../../src/sam/errors.js';
import { generatedName } from '../../src/sam/names.js';
import { planDeployment, type DeployPlan } from '../../src/sam/plan.js';
import { parseTemplate } from '../../src/sam/template.js';

const opts = {
  stack: 'shop',
  stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/shop/0d1c2b3a',
  region: 'eu-west-1',
  accountId: '123456789012',
  baseDir: '/proj',
  endpoint: 'http://127.0.0.1:9000/',
};
const N = (logicalId: string, max = 64): string => generatedName('shop', logicalId, opts.stackId, max);
const plan = (text: string, o: Partial<typeof opts> = {}): DeployPlan => planDeployment(parseTemplate(`Transform: AWS::Serverless-2016-10-31\n${text}`), { ...opts, ...o });
const FN = (id: string, alias = ''): string => `arn:aws:lambda:eu-west-1:123456789012:function:${N(id)}${alias ? `:${alias}` : ''}`;
const fn = (events: string, extra = ''): string => `  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      CodeUri: src/
${extra}      Events:
${events}`;

test('AWS::SQS::Queue: properties become CreateQueue attributes; Ref is the URL Nimbus mints, GetAtt Arn, QueueName, QueueUrl', () => {
  const p = plan(`Parameters:
  Visibility: { Type: Number, Default: 45 }
Resources:
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: !Ref Visibility
      MessageRetentionPeriod: 1209600
      RedrivePolicy: { deadLetterTargetArn: !GetAtt OrdersDlq.Arn, maxReceiveCount: 3 }
      Tags: [{ Key: team, Value: shop }]
  OrdersDlq:
    Type: AWS::SQS::Queue
    Properties: { QueueName: orders-dlq, SqsManagedSseEnabled: false }
  Fifo:
    Type: AWS::SQS::Queue
    Properties: { FifoQueue: true, ContentBasedDeduplication: true }
${fn('        Ping: { Type: Api, Properties: { Path: /, Method: get } }\n', '      Environment: { Variables: { QUEUE_URL: !Ref Orders, DLQ: !GetAtt OrdersDlq.QueueUrl, FIFO: !GetAtt Fifo.QueueName } }\n')}`);
  const orders = N('Orders', 80);
  assert.deepEqual(p.queues, [
    {
      logicalId: 'Orders',
      name: orders,
      arn: `arn:aws:sqs:eu-west-1:123456789012:${orders}`,
      attributes: { VisibilityTimeout: '45', MessageRetentionPeriod: '1209600', RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:eu-west-1:123456789012:orders-dlq","maxReceiveCount":3}' },
      tags: { team: 'shop' },
    },
    { logicalId: 'OrdersDlq', name: 'orders-dlq', arn: 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq', attributes: { SqsManagedSseEnabled: 'false' }, tags: {} },
    {
      logicalId: 'Fifo',
      name: `${N('Fifo', 75)}.fifo`,
      arn: `arn:aws:sqs:eu-west-1:123456789012:${N('Fifo', 75)}.fifo`,
      attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
      tags: {},
    },
  ]);
  assert.deepEqual(p.functions[0]!.environment, { QUEUE_URL: `http://127.0.0.1:9000/123456789012/${orders}`, DLQ: 'http://127.0.0.1:9000/123456789012/orders-dlq', FIFO: `${N('Fifo', 75)}.fifo` });
  // Without the client's endpoint, AWS's form.
  const aws = plan(`Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: { QueueName: q }\nOutputs:\n  Url: { Value: !Ref Q }\n`, { endpoint: undefined as unknown as string });
  assert.equal(aws.outputs['Url'], 'https://sqs.eu-west-1.amazonaws.com/123456789012/q');
});

test('SQS events become event-source mappings on the alias, numbers from parameters as numbers, filter patterns as JSON text', () => {
  const p = plan(`Parameters:
  Batch: { Type: Number, Default: 5 }
Resources:
  Q:
    Type: AWS::SQS::Queue
${fn(`        Orders:
          Type: SQS
          Properties:
            Queue: !GetAtt Q.Arn
            BatchSize: !Ref Batch
            MaximumBatchingWindowInSeconds: 2
            FunctionResponseTypes: [ReportBatchItemFailures]
            ScalingConfig: { MaximumConcurrency: 3 }
            Enabled: false
            FilterCriteria:
              Filters:
                - Pattern: '{"body":{"kind":["order"]}}'
                - Pattern: { attributes: { SenderId: [{ prefix: "AID" }] } }
`, '      AutoPublishAlias: live\n')}`);
  assert.deepEqual(p.mappings, [
    {
      logicalId: 'WorkerOrders',
      body: {
        FunctionName: FN('Worker', 'live'),
        EventSourceArn: `arn:aws:sqs:eu-west-1:123456789012:${N('Q', 80)}`,
        BatchSize: 5,
        MaximumBatchingWindowInSeconds: 2,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 3 },
        Enabled: false,
        FilterCriteria: { Filters: [{ Pattern: '{"body":{"kind":["order"]}}' }, { Pattern: '{"attributes":{"SenderId":[{"prefix":"AID"}]}}' }] },
      },
    },
  ]);
  assert.throws(() => plan(`Resources:\n${fn('        Bad: { Type: SQS, Properties: { BatchSize: 1 } }\n')}`), (e: Error) => e instanceof SamError && /Worker\.Events\.Bad\.Queue is required/.test(e.message));
});

test('SNS events: a lambda subscription with its filter policy; SqsSubscription true adds a queue, an sqs subscription and a mapping', () => {
  const p = plan(`Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties: { DisplayName: Shop, Subscription: [{ Protocol: sqs, Endpoint: !GetAtt Audit.Arn }] }
  Audit:
    Type: AWS::SQS::Queue
    Properties: { QueueName: audit }
  Raw:
    Type: AWS::SNS::Subscription
    Properties: { TopicArn: !Ref Topic, Protocol: sqs, Endpoint: !GetAtt Audit.Arn, RawMessageDelivery: true, FilterPolicy: { kind: [raw] } }
${fn(`        Direct:
          Type: SNS
          Properties:
            Topic: !Ref Topic
            FilterPolicyScope: MessageBody
            FilterPolicy: { price: [{ numeric: [">", 10] }] }
        Buffered:
          Type: SNS
          Properties: { Topic: !Ref Topic, SqsSubscription: true }
`)}Outputs:
  TopicName: { Value: !GetAtt Topic.TopicName }
  BufferUrl: { Value: !Ref WorkerBufferedQueue }
`);
  const topic = `arn:aws:sns:eu-west-1:123456789012:${N('Topic', 256)}`;
  const buffer = N('WorkerBufferedQueue', 80);
  assert.deepEqual(p.topics, [{ logicalId: 'Topic', name: N('Topic', 256), arn: topic, attributes: { DisplayName: 'Shop' }, tags: {} }]);
  assert.deepEqual(p.subscriptions, [
    { logicalId: 'TopicSubscription1', topicArn: topic, protocol: 'sqs', endpoint: 'arn:aws:sqs:eu-west-1:123456789012:audit', attributes: {} },
    { logicalId: 'Raw', topicArn: topic, protocol: 'sqs', endpoint: 'arn:aws:sqs:eu-west-1:123456789012:audit', attributes: { FilterPolicy: '{"kind":["raw"]}', RawMessageDelivery: 'true' } },
    { logicalId: 'WorkerDirect', topicArn: topic, protocol: 'lambda', endpoint: FN('Worker'), attributes: { FilterPolicy: '{"price":[{"numeric":[">",10]}]}', FilterPolicyScope: 'MessageBody' } },
    { logicalId: 'WorkerBuffered', topicArn: topic, protocol: 'sqs', endpoint: `arn:aws:sqs:eu-west-1:123456789012:${buffer}`, attributes: {} },
  ]);
  assert.deepEqual(p.queues.map((q) => q.logicalId), ['Audit', 'WorkerBufferedQueue']);
  assert.deepEqual(p.mappings, [
    { logicalId: 'WorkerBufferedEventSourceMapping', body: { BatchSize: 10, Enabled: true, FunctionName: FN('Worker'), EventSourceArn: `arn:aws:sqs:eu-west-1:123456789012:${buffer}` } },
  ]);
  assert.deepEqual(p.outputs, { TopicName: N('Topic', 256), BufferUrl: `http://127.0.0.1:9000/123456789012/${buffer}` });
  assert.throws(() => plan('Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties: { FifoTopic: true }\n'), /T: Nimbus's SNS has standard topics only/);
});

test('EventBridgeRule and CloudWatchEvent events: a rule on the bus with the function as its target; buses and rules answer Ref and GetAtt', () => {
  const p = plan(`Resources:
  Bus:
    Type: AWS::Events::EventBus
    Properties: { Name: orders }
${fn(`        Big:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref Bus
            RuleName: big-orders
            Pattern: { source: [shop.orders], detail: { total: [{ numeric: [">", 100] }] } }
            InputPath: $.detail
            Target: { Id: big }
        Any:
          Type: CloudWatchEvent
          Properties:
            Pattern: { source: [shop.inventory] }
            Enabled: false
            DeadLetterConfig: { Type: SQS }
            RetryPolicy: { MaximumRetryAttempts: 1 }
`)}Outputs:
  BusArn: { Value: !GetAtt Bus.Arn }
  BigRule: { Value: !Ref WorkerBig }
  BigArn: { Value: !GetAtt WorkerBig.Arn }
  AnyRule: { Value: !Ref WorkerAny }
  Dlq: { Value: !GetAtt WorkerAnyQueue.Arn }
`);
  assert.deepEqual(p.buses, [{ logicalId: 'Bus', name: 'orders' }]);
  assert.deepEqual(p.rules, [
    {
      logicalId: 'WorkerBig',
      name: 'big-orders',
      bus: 'orders',
      pattern: '{"source":["shop.orders"],"detail":{"total":[{"numeric":[">",100]}]}}',
      state: 'ENABLED',
      description: undefined,
      targets: [{ Id: 'big', Arn: FN('Worker'), InputPath: '$.detail' }],
    },
    { logicalId: 'WorkerAny', name: N('WorkerAny'), bus: 'default', pattern: '{"source":["shop.inventory"]}', state: 'DISABLED', description: undefined, targets: [{ Id: 'WorkerAnyLambdaTarget', Arn: FN('Worker') }] },
  ]);
  assert.deepEqual(p.queues.map((q) => q.logicalId), ['WorkerAnyQueue']);
  assert.deepEqual(p.outputs, {
    BusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/orders',
    BigRule: 'orders|big-orders',
    BigArn: 'arn:aws:events:eu-west-1:123456789012:rule/orders/big-orders',
    AnyRule: N('WorkerAny'),
    Dlq: `arn:aws:sqs:eu-west-1:123456789012:${N('WorkerAnyQueue', 80)}`,
  });
  assert.ok(p.warnings.some((w) => w.startsWith('Worker.Events.Any: DeadLetterConfig is not applied by Nimbus')), p.warnings.join('\n'));
  assert.ok(p.warnings.some((w) => w.startsWith('Worker.Events.Any: RetryPolicy is not applied by Nimbus')), p.warnings.join('\n'));
  const bad = (props: string, message: RegExp): void =>
    assert.throws(() => plan(`Resources:\n${fn(`        E: { Type: EventBridgeRule, Properties: ${props} }\n`)}`), (e: Error) => e instanceof SamError && message.test(e.message));
  bad('{ Pattern: { source: [a] }, State: ENABLED, Enabled: true }', /State and Enabled Properties cannot both be specified/);
  bad('{ Pattern: { source: [a] }, DeadLetterConfig: { Type: SNS } }', /The only valid value for 'Type' property of DeadLetterConfig is 'SQS'/);
  bad('{ EventBusName: default }', /Worker\.Events\.E: an event rule needs a Pattern/);
  // A long logical id keeps the target id within EventBridge's 64 characters, suffix kept.
  const long = `E${'x'.repeat(70)}`;
  const lp = plan(`Resources:\n${fn(`        ${long}: { Type: EventBridgeRule, Properties: { Pattern: { source: [a] } } }\n`)}`);
  assert.equal(lp.rules[0]!.targets[0]!.Id, `${`Worker${long}`.slice(0, 52)}LambdaTarget`);
});

test('AWS::Events::Rule with a pattern and AWS::Lambda::EventSourceMapping resources; mappings of other sources are skipped', () => {
  const p = plan(`Resources:
  Q:
    Type: AWS::SQS::Queue
  Rule:
    Type: AWS::Events::Rule
    Properties:
      Description: all orders
      EventPattern: '{"source":["shop"]}'
      Targets:
        - { Id: fn, Arn: !GetAtt Worker.Arn, Input: '{"fixed":true}' }
        - { Id: q, Arn: !GetAtt Q.Arn, RetryPolicy: { MaximumRetryAttempts: 2 } }
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: { FunctionName: !Ref Worker, EventSourceArn: !GetAtt Q.Arn, BatchSize: 1 }
  StreamMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: { FunctionName: !Ref Worker, EventSourceArn: arn:aws:kinesis:eu-west-1:123456789012:stream/s, StartingPosition: LATEST }
${fn('        Ping: { Type: Api, Properties: { Path: /, Method: get } }\n')}`);
  assert.deepEqual(p.rules, [
    {
      logicalId: 'Rule',
      name: N('Rule'),
      bus: 'default',
      pattern: '{"source":["shop"]}',
      state: 'ENABLED',
      description: 'all orders',
      targets: [
        { Id: 'fn', Arn: FN('Worker'), Input: '{"fixed":true}' },
        { Id: 'q', Arn: `arn:aws:sqs:eu-west-1:123456789012:${N('Q', 80)}` },
      ],
    },
  ]);
  assert.deepEqual(p.mappings, [{ logicalId: 'Mapping', body: { FunctionName: N('Worker'), EventSourceArn: `arn:aws:sqs:eu-west-1:123456789012:${N('Q', 80)}`, BatchSize: 1 } }]);
  assert.ok(p.warnings.includes('Rule.Targets.1: RetryPolicy is not applied by Nimbus'), p.warnings.join('\n'));
  assert.ok(p.warnings.some((w) => w.startsWith("StreamMapping: Nimbus's event-source mappings read SQS queues only")), p.warnings.join('\n'));
  assert.equal(p.schedules.length, 0, 'a pattern rule is no schedule');
});

test('the stack document carries every section, and the server reads it back; malformed sections are refused', () => {
  const p = plan(`Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties: { QueueName: q, VisibilityTimeout: 60 }
  T:
    Type: AWS::SNS::Topic
    Properties: { TopicName: t }
  Bus:
    Type: AWS::Events::EventBus
    Properties: { Name: b }
${fn(`        S: { Type: SQS, Properties: { Queue: !GetAtt Q.Arn } }
        N: { Type: SNS, Properties: { Topic: !Ref T } }
        E: { Type: EventBridgeRule, Properties: { EventBusName: b, Pattern: { source: [x] } } }
`)}`);
  const doc = stackDocument(p, new Map([['Worker', { sha256: 'a'.repeat(64), environment: {} }]]), 'arn:aws:iam::123456789012:role/r') as Record<string, unknown>;
  assert.deepEqual(doc['Queues'], [{ LogicalId: 'Q', QueueName: 'q', Attributes: { VisibilityTimeout: '60' }, Tags: {} }]);
  const ids: string[] = [];
  const read = parseServices(JSON.parse(JSON.stringify(doc)) as Record<string, unknown>, (id) => void ids.push(id));
  assert.deepEqual(read.Topics, [{ LogicalId: 'T', TopicName: 't', Attributes: {}, Tags: {} }]);
  assert.deepEqual(read.EventBuses, [{ LogicalId: 'Bus', Name: 'b' }]);
  assert.deepEqual(read.Subscriptions, [{ LogicalId: 'WorkerN', TopicArn: 'arn:aws:sns:eu-west-1:123456789012:t', Protocol: 'lambda', Endpoint: FN('Worker'), Attributes: {} }]);
  assert.deepEqual(read.Rules, [
    { LogicalId: 'WorkerE', Name: N('WorkerE'), EventBusName: 'b', EventPattern: '{"source":["x"]}', State: 'ENABLED', Description: undefined, Targets: [{ Id: 'WorkerELambdaTarget', Arn: FN('Worker') }] },
  ]);
  assert.deepEqual(read.EventSourceMappings, [{ LogicalId: 'WorkerS', Body: { FunctionName: FN('Worker'), EventSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:q' } }]);
  assert.deepEqual(ids, ['T', 'WorkerN', 'Bus', 'WorkerE', 'WorkerS']);
  const refused = (body: Record<string, unknown>, member: RegExp): void =>
    assert.throws(() => parseServices(body, () => undefined), (e: Error & { code?: string }) => e.code === 'ERR_VALIDATION' && member.test(e.message));
  refused({ Rules: [{ LogicalId: 'R', Name: 'r', EventPattern: '{}', State: 'MAYBE' }] }, /enum value set: \[ENABLED, DISABLED\]/);
  refused({ Topics: [{ LogicalId: 'T', TopicName: 'bad name' }] }, /topics\.0\.topicName/);
  refused({ EventSourceMappings: [{ LogicalId: 'M' }] }, /eventSourceMappings\.0\.body/);
  refused({ Subscriptions: 'x' }, /Member must be a list/);
});

test('queues are applied dead-letter targets first, whatever their order in the template', () => {
  const q = (name: string, dlq?: string) => ({
    LogicalId: name,
    QueueName: name,
    Attributes: (dlq ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:eu-west-1:123456789012:${dlq}`, maxReceiveCount: 2 }) } : {}) as Record<string, string>,
    Tags: {},
  });
  assert.deepEqual(redriveOrder([q('a', 'b'), q('b', 'c'), q('c'), q('d', 'outside')]).map((x) => x.QueueName), ['c', 'b', 'a', 'd']);
  // A cycle is SQS's to refuse; the order still holds every queue once.
  assert.deepEqual(redriveOrder([q('x', 'y'), q('y', 'x')]).map((x) => x.QueueName).sort(), ['x', 'y']);
});
