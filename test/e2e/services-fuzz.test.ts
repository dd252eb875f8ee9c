/**
 * Random requests in the AWS service protocols Nimbus speaks on its endpoint - SQS (JSON 1.0 and
 * Query), SNS (Query), EventBridge, CloudWatch Logs, Parameter Store and Secrets Manager (JSON 1.1) - with every operation, random members of
 * random types and values near valid ones. Bad input must get a 4xx in the service's own error
 * shape, never a 5xx, a dropped connection or a crash (the server runs in this process), and
 * the services must still work afterwards. Seeded: NIMBUS_FUZZ_SEED and NIMBUS_FUZZ_N.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { Rng } from '../../src/policy/rng.js';
import { deployNode, startTestNimbus } from '../helpers/nimbus.js';

const SQS_OPS = ['CreateQueue', 'GetQueueUrl', 'ListQueues', 'DeleteQueue', 'GetQueueAttributes', 'SetQueueAttributes', 'SendMessage', 'SendMessageBatch', 'ReceiveMessage', 'DeleteMessage', 'DeleteMessageBatch', 'ChangeMessageVisibility', 'PurgeQueue', 'TagQueue', 'Nope'];
const SNS_OPS = ['CreateTopic', 'DeleteTopic', 'ListTopics', 'GetTopicAttributes', 'SetTopicAttributes', 'Subscribe', 'Unsubscribe', 'ListSubscriptions', 'ListSubscriptionsByTopic', 'GetSubscriptionAttributes', 'SetSubscriptionAttributes', 'Publish', 'Nope'];
const LOGS_OPS = ['DescribeLogGroups', 'DescribeLogStreams', 'GetLogEvents', 'FilterLogEvents', 'PutLogEvents', 'Nope'];
const SSM_OPS = ['PutParameter', 'GetParameter', 'GetParameters', 'GetParametersByPath', 'GetParameterHistory', 'DescribeParameters', 'DeleteParameter', 'DeleteParameters', 'LabelParameterVersion', 'AddTagsToResource', 'ListTagsForResource', 'RemoveTagsFromResource', 'SendCommand'];
const SM_OPS = ['CreateSecret', 'GetSecretValue', 'PutSecretValue', 'UpdateSecret', 'DescribeSecret', 'ListSecrets', 'ListSecretVersionIds', 'DeleteSecret', 'RestoreSecret', 'TagResource', 'UntagResource', 'GetRandomPassword', 'RotateSecret'];
const EB_OPS = ['PutEvents', 'PutRule', 'DescribeRule', 'DeleteRule', 'ListRules', 'EnableRule', 'DisableRule', 'PutTargets', 'RemoveTargets', 'ListTargetsByRule', 'CreateEventBus', 'DescribeEventBus', 'DeleteEventBus', 'ListEventBuses', 'TestEventPattern', 'Nope'];

const STRINGS = ['', 'q', 'q.fifo', 'x'.repeat(300), '😀', '\u0000', '{"a":1}', '[1]', 'arn:aws:sqs:us-east-1:000000000000:q', 'arn:aws:sns:us-east-1:000000000000:t',
  'arn:aws:lambda:us-east-1:000000000000:function:f', 'http://127.0.0.1/000000000000/q', 'rate(1 minute)', 'cron(0 12 * * ? *)', 'rate(0 minutes)', '{"source":["a"]}',
  '{"color":["red"]}', 'lambda', 'sqs', 'email', 'true', 'default', 'orders', 'String', 'Number', 'Binary', 'All', '-1', '99999999999', 'AQID', '%', '<x/>',
  '/aws/lambda/f', '/app/x', '/app', 'app/x', '/app/x:1', '/app/x:lbl', 'SecureString', 'StringList', 'AWSCURRENT', 'AWSPREVIOUS', 'x'.repeat(40), '.*', '[', 'Advanced', 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:*', 'f/00000000000000000001000000', 'b/00000000000000000099000000', '2026/12/02/[$LATEST]0123456789abcdef0123456789abcdef',
  '{ $.level = "ERROR" }', '{ $.a.b[0] > 1 && ($.c IS TRUE || $.d NOT EXISTS) }', '{ $.x = ', '?START ?END -REPORT', '"unterminated', '[a, b]', 'LastEventTime', 'LogStreamName', 'eyJlIjoxLCJpIjowfQ'];
const MEMBERS = ['QueueName', 'QueueUrl', 'Attributes', 'MessageBody', 'Entries', 'ReceiptHandle', 'MaxNumberOfMessages', 'WaitTimeSeconds', 'VisibilityTimeout', 'AttributeNames',
  'MessageAttributes', 'Name', 'TopicArn', 'Protocol', 'Endpoint', 'Message', 'Subject', 'SubscriptionArn', 'AttributeName', 'AttributeValue', 'EventBusName', 'EventPattern',
  'ScheduleExpression', 'State', 'Rule', 'Targets', 'Ids', 'Source', 'DetailType', 'Detail', 'Event', 'Id', 'Arn', 'Input', 'InputTransformer', 'DelaySeconds', 'MessageGroupId',
  'logGroupName', 'logGroupIdentifier', 'logStreamName', 'logStreamNames', 'logStreamNamePrefix', 'logGroupNamePrefix', 'logGroupNamePattern', 'filterPattern', 'startTime', 'endTime',
  'limit', 'nextToken', 'startFromHead', 'orderBy', 'descending', 'interleaved',
  // Parameter Store and Secrets Manager.
  'Names', 'Value', 'Type', 'Overwrite', 'Path', 'Recursive', 'WithDecryption', 'ParameterFilters', 'Labels', 'ParameterVersion', 'Tags', 'TagKeys', 'ResourceType', 'ResourceId',
  'AllowedPattern', 'Tier', 'MaxResults', 'NextToken', 'SecretId', 'SecretString', 'SecretBinary', 'VersionStage', 'VersionId', 'ClientRequestToken', 'RecoveryWindowInDays',
  'ForceDeleteWithoutRecovery', 'Filters', 'PasswordLength', 'ExcludeCharacters', 'Key', 'Values', 'Option'];

test('random requests in the SQS, SNS, EventBridge, CloudWatch Logs, SSM and Secrets Manager protocols get 4xx answers, never a 5xx or a crash', async (t) => {
  const seed = Number(process.env['NIMBUS_FUZZ_SEED'] ?? 20261203);
  const count = Number(process.env['NIMBUS_FUZZ_N'] ?? 1500);
  const rng = new Rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rng.next() * a.length)] as T;
  const nimbus = await startTestNimbus(t);
  await deployNode(nimbus.lambda, 'f', { 'index.js': 'exports.handler = async () => ({});' });
  await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'f' }));
  const value = (depth: number): unknown => {
    const r = rng.next();
    if (depth < 3 && r < 0.15) return Object.fromEntries(Array.from({ length: 1 + Math.floor(rng.next() * 3) }, () => [pick(MEMBERS), value(depth + 1)]));
    if (depth < 3 && r < 0.25) return Array.from({ length: Math.floor(rng.next() * 12) }, () => value(depth + 1));
    if (r < 0.35) return Math.floor(rng.next() * 100) - 10;
    if (r < 0.4) return pick([null, true, 1.5, 1e300]);
    return pick(STRINGS);
  };
  const form = (action: string, version: string): string => {
    const p = new URLSearchParams({ Action: action, Version: version });
    for (let i = 0; i < rng.next() * 6; i++) {
      const m = pick(MEMBERS);
      const key = rng.next() < 0.3 ? `${m}.entry.${1 + Math.floor(rng.next() * 2)}.${pick(['key', 'value', 'Name', 'Value.DataType', 'Value.StringValue'])}` : rng.next() < 0.2 ? `${m}.member.1.${pick(['Id', 'MessageBody', 'Key'])}` : m;
      p.set(key, String(value(3)));
    }
    return p.toString();
  };
  const json = (): string => {
    const r = rng.next();
    if (r < 0.05) return '{"a":';
    if (r < 0.08) return '[]';
    return JSON.stringify(Object.fromEntries(Array.from({ length: Math.floor(rng.next() * 6) }, () => [pick(MEMBERS), value(0)])));
  };
  const statuses = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const kind = pick(['sqs-json', 'sqs-query', 'sns', 'events', 'logs', 'ssm', 'secrets']);
    let init: RequestInit;
    if (kind === 'sqs-json') init = { method: 'POST', headers: { 'x-amz-target': `AmazonSQS.${pick(SQS_OPS)}`, 'content-type': 'application/x-amz-json-1.0' }, body: json() };
    else if (kind === 'logs') init = { method: 'POST', headers: { 'x-amz-target': `Logs_20140328.${pick(LOGS_OPS)}`, 'content-type': 'application/x-amz-json-1.1' }, body: json() };
    else if (kind === 'ssm') init = { method: 'POST', headers: { 'x-amz-target': `AmazonSSM.${pick(SSM_OPS)}`, 'content-type': 'application/x-amz-json-1.1' }, body: json() };
    else if (kind === 'secrets') init = { method: 'POST', headers: { 'x-amz-target': `secretsmanager.${pick(SM_OPS)}`, 'content-type': 'application/x-amz-json-1.1' }, body: json() };
    else if (kind === 'events') init = { method: 'POST', headers: { 'x-amz-target': `AWSEvents.${pick(EB_OPS)}`, 'content-type': 'application/x-amz-json-1.1' }, body: json() };
    else init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: kind === 'sns' ? form(pick(SNS_OPS), '2010-03-31') : form(pick(SQS_OPS), '2012-11-05') };
    const what = `#${i} (seed ${seed}) ${kind} ${JSON.stringify(init.headers)} ${String(init.body).slice(0, 200)}`;
    let res: Response;
    try {
      res = await fetch(`${nimbus.url}/`, { ...init, signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      assert.fail(`${what}: no answer (${String(e)})`);
    }
    const text = await res.text();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    assert.ok(res.status < 500, `${what}: ${res.status} ${text.slice(0, 300)}`);
    if (res.status >= 400) {
      if (kind === 'sqs-json' || kind === 'events' || kind === 'logs' || kind === 'ssm' || kind === 'secrets') assert.equal(typeof (JSON.parse(text) as { __type?: unknown }).__type, 'string', `${what}: ${text.slice(0, 200)}`);
      else assert.match(text, /<ErrorResponse xmlns="[^"]+"><Error><Type>Sender<\/Type><Code>[A-Za-z.]+<\/Code>/, `${what}: ${text.slice(0, 200)}`);
    }
  }
  t.diagnostic(`answers by status: ${[...statuses].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  assert.ok((statuses.get(200) ?? 0) > count / 20, 'some requests got through to the operations');
  // Still working.
  const after = await fetch(`${nimbus.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=CreateQueue&Version=2012-11-05&QueueName=after-fuzz' });
  assert.equal(after.status, 200);
});
