/**
 * Wire protocol units: which requests are SQS's, decoding both protocols into one form (the
 * Query bodies are the ones /usr/bin/aws 2.9 sends, captured verbatim), and encoding results and
 * errors in the shapes AWS uses (recorded examples from the shared snap_sqs.json and LocalStack's
 * AWS-validated snapshots).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invalidParameterValue, queueDoesNotExist } from '../../src/sqs/errors.js';
import { classify, isSqsRequest } from '../../src/sqs/protocol/detect.js';
import { decodeJsonParams, encodeJsonError } from '../../src/sqs/protocol/json.js';
import { decodeQueryParams } from '../../src/sqs/protocol/query.js';
import { OPERATIONS } from '../../src/sqs/protocol/shapes.js';
import { encodeXmlError, encodeXmlResult } from '../../src/sqs/protocol/xml.js';
import { SqsError } from '../../src/sqs/errors.js';

const shape = (action: string) => {
  const s = OPERATIONS[action];
  assert.ok(s, action);
  return s;
};
const req = (method: string, path: string, headers: Record<string, string> = {}, query = '') => ({
  method,
  path,
  query: new URLSearchParams(query),
  headers,
});

test('JSON requests are claimed by X-Amz-Target, Lambda API paths never', () => {
  const json = { 'x-amz-target': 'AmazonSQS.SendMessage', 'content-type': 'application/x-amz-json-1.0' };
  assert.equal(classify(req('POST', '/', json)), 'sqs');
  assert.equal(classify(req('POST', '/000000000000/q1', json)), 'sqs');
  assert.equal(classify(req('POST', '/', { 'x-amz-target': 'DynamoDB_20120810.PutItem' })), 'not-sqs');
  assert.equal(classify(req('POST', '/2015-03-31/functions/f/invocations', json)), 'not-sqs');
  assert.equal(classify(req('POST', '/2015-03-31/functions', { 'content-type': 'application/json' })), 'not-sqs');
  assert.equal(classify(req('GET', '/2015-03-31/functions', {}, 'Action=ListQueues&Version=2012-11-05')), 'not-sqs');
});

test('Query requests need Action with Version 2012-11-05, or a queue URL path', () => {
  assert.equal(classify(req('GET', '/', {}, 'Action=ListQueues&Version=2012-11-05')), 'sqs');
  assert.equal(classify(req('GET', '/', {}, 'Action=ListQueues')), 'not-sqs');
  assert.equal(classify(req('GET', '/', {}, 'Action=ListQueues&Version=2010-05-08')), 'not-sqs');
  assert.equal(classify(req('GET', '/000000000000/q1', {}, 'Action=ReceiveMessage')), 'sqs');
  assert.equal(classify(req('GET', '/some/user/route', {}, 'Action=ReceiveMessage&Version=2012-11-05')), 'not-sqs');
  const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  assert.equal(classify(req('POST', '/', form)), 'body');
  assert.equal(classify(req('POST', '/', { 'content-type': 'application/json' })), 'not-sqs');
  const post = (body: string, path = '/') => isSqsRequest({ ...req('POST', path, form), body: Buffer.from(body) });
  assert.equal(post('Action=ListQueues&Version=2012-11-05'), true);
  assert.equal(post('name=alice&comment=hi'), false);
  assert.equal(post('Action=Subscribe&Version=2010-03-31'), false);
  assert.equal(post('Action=SendMessage&MessageBody=x', '/000000000000/q1'), true);
});

test('JSON bodies are type-checked against the operation shape', () => {
  const p = decodeJsonParams(
    Buffer.from(JSON.stringify({ QueueUrl: 'u', MaxNumberOfMessages: 10, AttributeNames: ['All'], Extra: 1 })),
    shape('ReceiveMessage'),
  );
  assert.deepEqual(p, { QueueUrl: 'u', MaxNumberOfMessages: 10, AttributeNames: ['All'] });
  assert.deepEqual(decodeJsonParams(Buffer.alloc(0), shape('ListQueues')), {});
  const bad = (body: string, action: string) => assert.throws(() => decodeJsonParams(Buffer.from(body), shape(action)), (e: unknown) => e instanceof SqsError && e.type === 'SerializationException');
  bad('{"QueueUrl":"u","MaxNumberOfMessages":"10"}', 'ReceiveMessage');
  bad('{"QueueUrl":"u","MaxNumberOfMessages":1.5}', 'ReceiveMessage');
  bad('[1,2]', 'ListQueues');
  bad('{not json', 'ListQueues');
  bad('{"QueueUrl":"u","Entries":[1]}', 'DeleteMessageBatch');
  bad('{"QueueUrl":"u","MessageBody":"x","MessageAttributes":{"a":{"DataType":1}}}', 'SendMessage');
});

test('Query bodies as /usr/bin/aws sends them decode to the JSON member layout', () => {
  const q = (s: string, action: string) => decodeQueryParams(new URLSearchParams(s), shape(action));
  assert.deepEqual(
    q('Action=CreateQueue&Version=2012-11-05&QueueName=q1&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=5&Attribute.2.Name=FifoQueue&Attribute.2.Value=true&Tag.1.Key=a&Tag.1.Value=b', 'CreateQueue'),
    { QueueName: 'q1', Attributes: { VisibilityTimeout: '5', FifoQueue: 'true' }, tags: { a: 'b' } },
  );
  assert.deepEqual(
    q('Action=SendMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2F127.0.0.1%3A9876%2F000000000000%2Fq1&MessageBody=hi&DelaySeconds=1&MessageAttribute.1.Name=a&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=x&MessageAttribute.2.Name=b&MessageAttribute.2.Value.DataType=Binary&MessageAttribute.2.Value.BinaryValue=AQID', 'SendMessage'),
    {
      QueueUrl: 'http://127.0.0.1:9876/000000000000/q1',
      MessageBody: 'hi',
      DelaySeconds: 1,
      MessageAttributes: { a: { DataType: 'String', StringValue: 'x' }, b: { DataType: 'Binary', BinaryValue: 'AQID' } },
    },
  );
  assert.deepEqual(
    q('Action=ReceiveMessage&Version=2012-11-05&QueueUrl=u&AttributeName.1=All&MessageAttributeName.1=All&MaxNumberOfMessages=3', 'ReceiveMessage'),
    { QueueUrl: 'u', AttributeNames: ['All'], MessageAttributeNames: ['All'], MaxNumberOfMessages: 3 },
  );
  // Numbering, not key order, gives list order; entries nest their own maps.
  assert.deepEqual(
    q('QueueUrl=u&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=y&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=x&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=a&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=String&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=x', 'SendMessageBatch'),
    {
      QueueUrl: 'u',
      Entries: [
        { Id: 'a', MessageBody: 'x', MessageAttributes: { a: { DataType: 'String', StringValue: 'x' } } },
        { Id: 'b', MessageBody: 'y' },
      ],
    },
  );
  assert.deepEqual(q('QueueUrl=u&Tag.1.Key=a&Tag.1.Value=b', 'TagQueue'), { QueueUrl: 'u', Tags: { a: 'b' } });
  assert.deepEqual(q('QueueUrl=u&TagKey.1=a&TagKey.2=c', 'UntagQueue'), { QueueUrl: 'u', TagKeys: ['a', 'c'] });
  // Non-flattened spellings other Query clients use.
  assert.deepEqual(q('QueueUrl=u&AttributeNames.member.1=QueueArn', 'GetQueueAttributes'), { QueueUrl: 'u', AttributeNames: ['QueueArn'] });
  assert.throws(() => q('QueueUrl=u&MaxNumberOfMessages=ten', 'ReceiveMessage'), (e: unknown) => e instanceof SqsError && e.code === 'InvalidParameterValue');
});

test('XML results are wrapped, flattened, escaped (CR kept for the MD5)', () => {
  const xml = encodeXmlResult('ReceiveMessage', {
    Messages: [{
      MessageId: 'm', ReceiptHandle: 'h', MD5OfBody: 'd', Body: 'a<b>&c\r\n',
      Attributes: { SenderId: '1' },
      MD5OfMessageAttributes: 'x',
      MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } },
    }],
  }, 'rid').toString();
  assert.equal(
    xml,
    '<?xml version="1.0"?><ReceiveMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ReceiveMessageResult>' +
      '<Message><MessageId>m</MessageId><ReceiptHandle>h</ReceiptHandle><MD5OfBody>d</MD5OfBody><Body>a&lt;b&gt;&amp;c&#xD;\n</Body>' +
      '<Attribute><Name>SenderId</Name><Value>1</Value></Attribute><MD5OfMessageAttributes>x</MD5OfMessageAttributes>' +
      '<MessageAttribute><Name>k</Name><Value><DataType>String</DataType><StringValue>v</StringValue></Value></MessageAttribute></Message>' +
      '</ReceiveMessageResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></ReceiveMessageResponse>',
  );
  // LocalStack's validated Query test: an empty receive is an empty Result element.
  assert.match(encodeXmlResult('ReceiveMessage', {}, 'r').toString(), /<ReceiveMessageResult\/>/);
  // Operations without output have no Result element.
  assert.equal(
    encodeXmlResult('DeleteQueue', {}, 'r').toString(),
    '<?xml version="1.0"?><DeleteQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteQueueResponse>',
  );
  assert.match(encodeXmlResult('ListQueues', { QueueUrls: ['a', 'b'] }, 'r').toString(), /<ListQueuesResult><QueueUrl>a<\/QueueUrl><QueueUrl>b<\/QueueUrl><\/ListQueuesResult>/);
  assert.match(encodeXmlResult('SendMessageBatch', { Successful: [{ Id: '1', MessageId: 'm' }], Failed: [{ Id: '2', SenderFault: true, Code: 'C', Message: 'M' }] }, 'r').toString(),
    /<SendMessageBatchResultEntry><Id>1<\/Id><MessageId>m<\/MessageId><\/SendMessageBatchResultEntry><BatchResultErrorEntry><Id>2<\/Id><SenderFault>true<\/SenderFault><Code>C<\/Code><Message>M<\/Message><\/BatchResultErrorEntry>/);
  assert.match(encodeXmlResult('ListQueueTags', { Tags: { a: 'b' } }, 'r').toString(), /<Tag><Key>a<\/Key><Value>b<\/Value><\/Tag>/);
});

test('errors: JSON __type + x-amzn-query-error, XML ErrorResponse with the Query wording', () => {
  const e = queueDoesNotExist();
  const json = encodeJsonError(e);
  assert.equal(json.headers['x-amzn-query-error'], 'AWS.SimpleQueueService.NonExistentQueue;Sender');
  assert.deepEqual(JSON.parse(json.body.toString()), { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' });
  assert.equal(e.status, 400);
  // snap_sqs.json (test_esm_with_not_existing_sqs_queue) quotes AWS's code and message:
  // "SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist."
  assert.equal(`SQS Error Code: ${e.code}. SQS Error Message: ${e.message}`, 'SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.');
  assert.equal(
    encodeXmlError(e, 'rid').toString(),
    '<?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type>' +
      '<Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist for this wsdl version.</Message><Detail/></Error>' +
      '<RequestId>rid</RequestId></ErrorResponse>',
  );
  const ipv = encodeJsonError(invalidParameterValue('x < y'));
  assert.equal(ipv.headers['x-amzn-query-error'], 'InvalidParameterValue;Sender');
  assert.equal((JSON.parse(ipv.body.toString()) as { __type: string }).__type, 'com.amazonaws.sqs#InvalidParameterValueException');
  assert.match(encodeXmlError(invalidParameterValue('x < y'), 'r').toString(), /<Message>x &lt; y<\/Message>/);
});
