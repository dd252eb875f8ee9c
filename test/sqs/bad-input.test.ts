/**
 * Hostile and malformed input straight into `SqsService.handle` (no socket, like Fastify's
 * inject): every answer is an AWS-shaped 4xx, nothing throws out, nothing is logged as an
 * internal error, and the service keeps working afterwards.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { SqsService } from '../../src/sqs/service.js';

function open(t: TestContext): { sqs: SqsService; logs: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-sqs-bad-'));
  const logs: string[] = [];
  const sqs = new SqsService({ file: join(dir, 'sqs.db'), log: (l) => logs.push(l) });
  t.after(async () => {
    await sqs.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { sqs, logs };
}

const base = { accountId: '000000000000', region: 'us-east-1', baseUrl: 'http://127.0.0.1:9' };
const json = (sqs: SqsService, action: string, body: string | Buffer) =>
  sqs.handle({
    ...base,
    method: 'POST',
    path: '/',
    query: new URLSearchParams(),
    headers: { 'x-amz-target': `AmazonSQS.${action}`, 'content-type': 'application/x-amz-json-1.0' },
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  });
const query = (sqs: SqsService, params: string, path = '/') =>
  sqs.handle({
    ...base,
    method: 'POST',
    path,
    query: new URLSearchParams(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.from(params),
  });

test('malformed JSON requests get JSON errors with __type and the query-error header', async (t) => {
  const { sqs, logs } = open(t);
  const created = await json(sqs, 'CreateQueue', '{"QueueName":"q"}');
  assert.equal(created.status, 200);
  const url = (JSON.parse(created.body.toString()) as { QueueUrl: string }).QueueUrl;
  const cases: [string, string | Buffer, string][] = [
    ['SendMessage', '{', 'SerializationException'],
    ['SendMessage', Buffer.from([0xff, 0xfe, 0x00]), 'SerializationException'],
    ['SendMessage', 'null', 'SerializationException'],
    ['SendMessage', '"a string"', 'SerializationException'],
    ['SendMessage', `{"QueueUrl":"${url}","MessageBody":5}`, 'SerializationException'],
    ['SendMessage', `{"QueueUrl":"${url}","MessageBody":"x","MessageAttributes":[]}`, 'SerializationException'],
    ['SendMessage', `{"QueueUrl":"${url}","MessageBody":"x","MessageAttributes":{"a":"b"}}`, 'SerializationException'],
    ['SendMessage', `{"QueueUrl":"${url}","MessageBody":"x","MessageAttributes":{"a":{"DataType":"Binary","BinaryValue":"%%%"}}}`, 'InvalidParameterValueException'],
    ['SendMessage', `{"QueueUrl":"${url}","MessageBody":"x","MessageAttributes":{"a":{}}}`, 'InvalidParameterValueException'],
    ['SendMessage', `{"QueueUrl":"${url}","MessageBody":"x","DelaySeconds":1e400}`, 'SerializationException'],
    ['SendMessage', '{"QueueUrl":"not a url","MessageBody":"x"}', 'QueueDoesNotExist'],
    ['SendMessage', '{"QueueUrl":"http://[::1","MessageBody":"x"}', 'QueueDoesNotExist'],
    ['SendMessage', '{"MessageBody":"x"}', 'MissingRequiredParameterException'],
    ['SendMessageBatch', `{"QueueUrl":"${url}","Entries":[{"Id":null,"MessageBody":"x"}]}`, 'InvalidBatchEntryId'],
    ['SendMessageBatch', `{"QueueUrl":"${url}","Entries":{}}`, 'SerializationException'],
    ['CreateQueue', '{"QueueName":"q2","Attributes":{"VisibilityTimeout":30}}', 'SerializationException'],
    ['CreateQueue', '{"QueueName":"q2","Attributes":{"RedrivePolicy":"{not json"}}', 'InvalidParameterValueException'],
    ['CreateQueue', '{"QueueName":"q2","Attributes":{"RedriveAllowPolicy":"{\\"redrivePermission\\":\\"maybe\\"}"}}', 'InvalidParameterValueException'],
    ['CreateQueue', `{"QueueName":"${'x'.repeat(81)}"}`, 'InvalidParameterValueException'],
    ['ReceiveMessage', `{"QueueUrl":"${url}","MaxNumberOfMessages":-5}`, 'InvalidParameterValueException'],
    ['ReceiveMessage', `{"QueueUrl":"${url}","AttributeNames":["Bogus"]}`, 'InvalidAttributeName'],
    ['ReceiveMessage', `{"QueueUrl":"${url}","AttributeNames":[1]}`, 'SerializationException'],
    ['DeleteMessage', `{"QueueUrl":"${url}","ReceiptHandle":"${Buffer.from('nimbus-sqs:1:99:' + 'a'.repeat(24)).toString('base64')}x"}`, 'ReceiptHandleIsInvalid'],
    ['ListQueues', '{"NextToken":"@@@"}', 'InvalidParameterValueException'],
    ['ListQueues', '{"MaxResults":100000}', 'InvalidParameterValueException'],
    ['NoSuchAction', '{}', 'UnknownOperationException'],
    ['CancelMessageMoveTask', '{"TaskHandle":"x"}', 'ResourceNotFoundException'],
    ['StartMessageMoveTask', '{}', 'MissingRequiredParameterException'],
  ];
  for (const [action, body, type] of cases) {
    const r = await json(sqs, action, body);
    assert.ok(r.status >= 400 && r.status < 500, `${action} ${String(body)}: status ${r.status}`);
    assert.equal(r.headers['content-type'], 'application/x-amz-json-1.0');
    const doc = JSON.parse(r.body.toString()) as { __type: string; message: string };
    assert.equal(doc.__type, `com.amazonaws.sqs#${type}`, `${action} ${String(body)}: ${doc.message}`);
    assert.ok(typeof doc.message === 'string' && doc.message.length > 0);
    assert.match(r.headers['x-amzn-query-error'] ?? '', /^[A-Za-z.]+;Sender$/);
  }
  // An entry without a body fails alone.
  const partial = await json(sqs, 'SendMessageBatch', `{"QueueUrl":"${url}","Entries":[{"Id":"a"},{"Id":"b","MessageBody":"x"}]}`);
  assert.equal(partial.status, 200);
  const doc = JSON.parse(partial.body.toString()) as { Successful: { Id: string }[]; Failed: { Id: string; Code: string }[] };
  assert.deepEqual([doc.Successful.map((s) => s.Id), doc.Failed.map((f) => [f.Id, f.Code])], [['b'], [['a', 'MissingParameter']]]);
  assert.deepEqual(logs, []);
  assert.equal((await json(sqs, 'SendMessage', `{"QueueUrl":"${url}","MessageBody":"still fine"}`)).status, 200);
});

test('malformed Query requests get XML ErrorResponses', async (t) => {
  const { sqs, logs } = open(t);
  assert.equal((await query(sqs, 'Action=CreateQueue&Version=2012-11-05&QueueName=q')).status, 200);
  const cases: [string, string, string?][] = [
    ['Action=FooBar&Version=2012-11-05', 'InvalidAction'],
    ['Version=2012-11-05', 'InvalidAction'],
    ['Action=SendMessage&Version=2012-11-05&QueueUrl=/000000000000/q', 'MissingParameter'],
    ['Action=SendMessage&Version=2012-11-05&QueueUrl=/000000000000/q&MessageBody=x&DelaySeconds=soon', 'InvalidParameterValue'],
    ['Action=SendMessage&Version=2012-11-05&QueueUrl=/000000000000/nope&MessageBody=x', 'AWS.SimpleQueueService.NonExistentQueue'],
    ['Action=SendMessageBatch&Version=2012-11-05&QueueUrl=/000000000000/q', 'AWS.SimpleQueueService.EmptyBatchRequest'],
    ['Action=SendMessageBatch&Version=2012-11-05&QueueUrl=/000000000000/q&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=x&SendMessageBatchRequestEntry.2.Id=a&SendMessageBatchRequestEntry.2.MessageBody=y', 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct'],
    ['Action=ReceiveMessage&Version=2012-11-05&QueueUrl=/000000000000/q&MaxNumberOfMessages=0', 'InvalidParameterValue'],
    ['Action=GetQueueAttributes&Version=2012-11-05&QueueUrl=/000000000000/q&AttributeName.1=Foobar', 'InvalidAttributeName'],
    ['Action=AddPermission&Version=2012-11-05&QueueUrl=/000000000000/q', 'AWS.SimpleQueueService.UnsupportedOperation'],
    ['Action=CreateQueue&Version=2012-11-05', 'MissingParameter'],
  ];
  for (const [params, code] of cases) {
    const r = await query(sqs, params);
    assert.ok(r.status >= 400 && r.status < 500, `${params}: ${r.status}`);
    const xml = r.body.toString();
    assert.match(xml, /^<\?xml version="1.0"\?><ErrorResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><Error><Type>Sender<\/Type>/);
    assert.ok(xml.includes(`<Code>${code}</Code>`), `${params}: ${xml}`);
  }
  // Recorded: CreateQueue and ListQueues are not valid at a queue URL.
  const atQueue = await query(sqs, 'Action=ListQueues&Version=2012-11-05', '/000000000000/q');
  assert.match(atQueue.body.toString(), /<Code>InvalidAction<\/Code><Message>The action ListQueues is not valid for this endpoint.<\/Message>/);
  assert.deepEqual(logs, []);
});

test('random bytes and random parameter soup never escape handle()', async (t) => {
  const { sqs, logs } = open(t);
  await json(sqs, 'CreateQueue', '{"QueueName":"q"}');
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const actions = ['SendMessage', 'SendMessageBatch', 'ReceiveMessage', 'DeleteMessage', 'ChangeMessageVisibility', 'SetQueueAttributes', 'CreateQueue', 'TagQueue', 'GetQueueAttributes', 'ListQueues'];
  const values = ['', 'x', '-1', '99999999999999999999', '/000000000000/q', 'http://h/000000000000/q', '\u0000', '{"a":1}', 'All', '😀'];
  const keys = ['QueueUrl', 'QueueName', 'MessageBody', 'MaxNumberOfMessages', 'Attribute.1.Name', 'Attribute.1.Value', 'MessageAttribute.1.Name',
    'MessageAttribute.1.Value.DataType', 'MessageAttribute.1.Value.StringValue', 'SendMessageBatchRequestEntry.1.Id', 'ReceiptHandle', 'VisibilityTimeout', 'Tag.1.Key', 'AttributeName.1', 'DelaySeconds'];
  for (let i = 0; i < 400; i++) {
    const params = new URLSearchParams({ Action: pick(actions), Version: '2012-11-05' });
    for (let k = 0; k < 5; k++) params.set(pick(keys), pick(values));
    const r = await query(sqs, params.toString());
    assert.ok(r.status === 200 || (r.status >= 400 && r.status < 500), `${params}: ${r.status} ${r.body.toString()}`);
    const doc: Record<string, unknown> = { QueueUrl: pick(values) };
    for (let k = 0; k < 4; k++) doc[pick(['MessageBody', 'MaxNumberOfMessages', 'Entries', 'Attributes', 'MessageAttributes', 'ReceiptHandle', 'QueueName'])] = pick<unknown>([1, -1, null, [], {}, 'x', [{}], { a: {} }, true]);
    const j = await json(sqs, pick(actions), rand() < 0.1 ? Buffer.from([Math.floor(rand() * 256)]) : JSON.stringify(doc));
    assert.ok(j.status === 200 || (j.status >= 400 && j.status < 500), `${JSON.stringify(doc)}: ${j.status} ${j.body.toString()}`);
  }
  assert.deepEqual(logs, []);
});

test('requests sent to a queue URL itself name their queue by the path (Query GET/POST, and JSON)', async (t) => {
  const { sqs, logs } = open(t);
  await json(sqs, 'CreateQueue', '{"QueueName":"q1"}');
  await json(sqs, 'CreateQueue', '{"QueueName":"q2"}');
  const get = (path: string, params: string) =>
    sqs.handle({ ...base, method: 'GET', path, query: new URLSearchParams(params), headers: {}, body: Buffer.alloc(0) });
  // LocalStack's AWS-validated Query API tests: GET on the queue URL, no Version needed.
  assert.equal((await get('/000000000000/q1', 'Action=SendMessage&MessageBody=foobar')).status, 200);
  const empty = await get('/000000000000/q2', 'Action=ReceiveMessage');
  assert.match(empty.body.toString(), /<ReceiveMessageResult\/>/);
  const got = await get('/000000000000/q1', 'Action=ReceiveMessage&VisibilityTimeout=0');
  assert.match(got.body.toString(), /<Body>foobar<\/Body><MD5OfBody>|<MD5OfBody>[0-9a-f]{32}<\/MD5OfBody><Body>foobar<\/Body>/);
  // A QueueUrl parameter overrides the path (recorded).
  const attrs = await get('/000000000000/q1', 'Action=GetQueueAttributes&AttributeName.1=QueueArn&QueueUrl=http://x/000000000000/q2');
  assert.match(attrs.body.toString(), /<Attribute><Name>QueueArn<\/Name><Value>arn:aws:sqs:us-east-1:000000000000:q2<\/Value><\/Attribute>/);
  // JSON POSTed to the queue URL (as the PHP SDK does; recorded as working).
  const r = await sqs.handle({
    ...base, method: 'POST', path: '/000000000000/q1', query: new URLSearchParams(),
    headers: { 'x-amz-target': 'AmazonSQS.ReceiveMessage', 'content-type': 'application/x-amz-json-1.0' },
    body: Buffer.from('{"QueueUrl":"http://elsewhere:4566/000000000000/q1","VisibilityTimeout":0}'),
  });
  assert.equal(r.status, 200);
  assert.equal((JSON.parse(r.body.toString()) as { Messages: { Body: string }[] }).Messages[0]?.Body, 'foobar');
  assert.deepEqual(logs, []);
});
