/**
 * Every operation with the AWS CLI v2 that Debian 12 ships (/usr/bin/aws 2.9, which speaks the
 * Query protocol and parses XML), errors included, plus FIFO, redrive and a long poll. CI
 * installs the CLI, so there this test fails rather than skips when it is missing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type TestContext, test } from 'node:test';
import { AWS_CLI, awsCliHome, runCli, type CliResult } from '../helpers/aws-cli.js';
import { startSqsServer, type SqsTestServer } from '../helpers/sqs-server.js';
import { until } from '../helpers/sqs-clients.js';

const AWS = AWS_CLI;


/** The CLI against the test server (async: the server runs in this process). */
function cliFor(t: TestContext, srv: SqsTestServer) {
  const { home, env } = awsCliHome(t, 'nimbus-sqs-cli-');
  const cliEnv = env({ AWS_MAX_ATTEMPTS: '1' });
  const run = (...args: string[]): Promise<CliResult> => runCli(AWS, ['--endpoint-url', srv.url, '--output', 'json', 'sqs', ...args], { env: cliEnv, cwd: home });
  const ok = async (...args: string[]): Promise<Record<string, unknown>> => {
    const r = await run(...args);
    assert.equal(r.code, 0, `aws sqs ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {};
  };
  /** Expects `An error occurred (<code>) when calling the <Op> operation: <message>`. */
  const fails = async (code: string, message: string | RegExp, ...args: string[]): Promise<void> => {
    const r = await run(...args);
    assert.notEqual(r.code, 0, `aws sqs ${args.join(' ')} should fail`);
    const m = /An error occurred \(([^)]+)\) when calling the \w+ operation(?: \(reached max retries: \d+\))?: (.*)/.exec(r.stderr);
    assert.ok(m, `unexpected stderr: ${r.stderr}`);
    assert.equal(m[1], code);
    if (typeof message === 'string') assert.equal(m[2]?.trim(), message);
    else assert.match(m[2] ?? '', message);
  };
  return { run, ok, fails };
}

/** The CLI must exist where CI installs it; elsewhere its absence skips. */
function haveCli(t: TestContext): boolean {
  if (existsSync(AWS)) return true;
  if (process.env['CI'] === 'true') assert.fail(`${AWS} (Debian awscli, CLI v2) is not installed; .ci/run installs it`);
  t.skip(`${AWS} not found (apt-get install awscli)`);
  return false;
}

test('queue operations and their errors with /usr/bin/aws (Query protocol)', async (t) => {
  if (!haveCli(t)) return;
  const srv = await startSqsServer(t);
  const { ok, fails } = cliFor(t, srv);
  const version = await new Promise<string>((resolve) => execFile(AWS, ['--version'], (_e, so, se) => resolve(so + se)));
  assert.match(version, /aws-cli\/2\./);

  const created = await ok('create-queue', '--queue-name', 'orders', '--attributes', 'VisibilityTimeout=20,DelaySeconds=0', '--tags', 'team=a,env=dev');
  const url = `${srv.url}/000000000000/orders`;
  assert.equal(created['QueueUrl'], url);
  assert.equal((await ok('create-queue', '--queue-name', 'orders', '--attributes', 'VisibilityTimeout=20'))['QueueUrl'], url);
  await fails('QueueAlreadyExists', 'A queue already exists with the same name and a different value for attribute VisibilityTimeout',
    'create-queue', '--queue-name', 'orders', '--attributes', 'VisibilityTimeout=21');
  assert.equal((await ok('get-queue-url', '--queue-name', 'orders'))['QueueUrl'], url);
  // Recorded Query wording for a missing queue.
  await fails('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist for this wsdl version.', 'get-queue-url', '--queue-name', 'nope');

  const attrs = (await ok('get-queue-attributes', '--queue-url', url, '--attribute-names', 'All'))['Attributes'] as Record<string, string>;
  assert.equal(attrs['VisibilityTimeout'], '20');
  assert.equal(attrs['MaximumMessageSize'], '1048576');
  assert.equal(attrs['QueueArn'], 'arn:aws:sqs:us-east-1:000000000000:orders');
  await fails('InvalidAttributeName', 'Unknown Attribute Foobar.', 'get-queue-attributes', '--queue-url', url, '--attribute-names', 'Foobar');
  await ok('set-queue-attributes', '--queue-url', url, '--attributes', 'MaximumMessageSize=2048,ReceiveMessageWaitTimeSeconds=1');
  assert.deepEqual((await ok('get-queue-attributes', '--queue-url', url, '--attribute-names', 'MaximumMessageSize', 'ReceiveMessageWaitTimeSeconds'))['Attributes'],
    { MaximumMessageSize: '2048', ReceiveMessageWaitTimeSeconds: '1' });
  await fails('InvalidAttributeValue', 'Invalid value for the parameter DelaySeconds.', 'set-queue-attributes', '--queue-url', url, '--attributes', 'DelaySeconds=901');

  await ok('tag-queue', '--queue-url', url, '--tags', 'owner=b');
  await ok('untag-queue', '--queue-url', url, '--tag-keys', 'env');
  assert.deepEqual((await ok('list-queue-tags', '--queue-url', url))['Tags'], { team: 'a', owner: 'b' });

  for (const n of ['page-a', 'page-b', 'page-c']) await ok('create-queue', '--queue-name', n);
  // --page-size makes the CLI page with MaxResults and NextToken.
  const paged = (await ok('list-queues', '--queue-name-prefix', 'page-', '--page-size', '1'))['QueueUrls'] as string[];
  assert.deepEqual(paged.map((u) => u.split('/').pop()), ['page-a', 'page-b', 'page-c']);
  assert.equal(((await ok('list-queues'))['QueueUrls'] as string[]).length, 4);

  await ok('set-queue-attributes', '--queue-url', url, '--attributes',
    `{"RedrivePolicy":"{\\"deadLetterTargetArn\\":\\"arn:aws:sqs:us-east-1:000000000000:page-a\\",\\"maxReceiveCount\\":\\"3\\"}"}`);
  assert.deepEqual((await ok('list-dead-letter-source-queues', '--queue-url', `${srv.url}/000000000000/page-a`))['queueUrls'], [url]);

  await ok('send-message', '--queue-url', url, '--message-body', 'purge me');
  await ok('purge-queue', '--queue-url', url);
  await fails('AWS.SimpleQueueService.PurgeQueueInProgress', 'Only one PurgeQueue operation on orders is allowed every 60 seconds.', 'purge-queue', '--queue-url', url);

  await ok('delete-queue', '--queue-url', url);
  await fails('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist for this wsdl version.', 'get-queue-attributes', '--queue-url', url);
  await fails('AWS.SimpleQueueService.QueueDeletedRecently', 'You must wait 60 seconds after deleting a queue before you can create another with the same name.',
    'create-queue', '--queue-name', 'orders');
});

test('message operations, batches and their errors with /usr/bin/aws', async (t) => {
  if (!haveCli(t)) return;
  const srv = await startSqsServer(t);
  const { ok, fails } = cliFor(t, srv);
  await ok('create-queue', '--queue-name', 'msgs', '--attributes', 'MaximumMessageSize=1024');
  const url = `${srv.url}/000000000000/msgs`;
  const body = 'héllo 😀 <b>&amp;</b>\r\nline two';
  const sent = await ok('send-message', '--queue-url', url, '--message-body', body,
    '--message-attributes', '{"Hello":{"DataType":"String","StringValue":"There"},"General":{"DataType":"String","StringValue":"Kenobi"},"bin":{"DataType":"Binary","BinaryValue":"AAEC/w=="}}');
  assert.equal(sent['MD5OfMessageBody'], (await import('../../src/sqs/md5.js')).md5OfBody(body));
  const got = await ok('receive-message', '--queue-url', url, '--attribute-names', 'All', '--message-attribute-names', 'Hello', 'General', '--visibility-timeout', '30');
  const [m] = got['Messages'] as Record<string, unknown>[];
  assert.equal(m?.['Body'], body, 'the XML round trip keeps CR, markup and non-BMP characters');
  assert.equal(m?.['MD5OfBody'], sent['MD5OfMessageBody']);
  assert.equal(m?.['MD5OfMessageAttributes'], 'fca026605781cb4126a1e9044df24232');
  assert.deepEqual(m?.['MessageAttributes'], { Hello: { StringValue: 'There', DataType: 'String' }, General: { StringValue: 'Kenobi', DataType: 'String' } });
  assert.equal((m?.['Attributes'] as Record<string, string>)['ApproximateReceiveCount'], '1');
  const handle = String(m?.['ReceiptHandle']);
  assert.deepEqual(await ok('receive-message', '--queue-url', url), {});
  await ok('change-message-visibility', '--queue-url', url, '--receipt-handle', handle, '--visibility-timeout', '0');
  const again = ((await ok('receive-message', '--queue-url', url, '--message-attribute-names', 'All'))['Messages'] as Record<string, unknown>[])[0];
  assert.deepEqual((again?.['MessageAttributes'] as Record<string, Record<string, string>>)['bin'], { BinaryValue: 'AAEC/w==', DataType: 'Binary' });
  await ok('delete-message', '--queue-url', url, '--receipt-handle', String(again?.['ReceiptHandle']));
  await fails('ReceiptHandleIsInvalid', 'The input receipt handle "garbage" is not a valid receipt handle.', 'delete-message', '--queue-url', url, '--receipt-handle', 'garbage');
  await fails('InvalidParameterValue', 'One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.', 'send-message', '--queue-url', url, '--message-body', 'a'.repeat(1025));
  await fails('InvalidParameterValue', 'Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.',
    'receive-message', '--queue-url', url, '--max-number-of-messages', '11');

  const batch = await ok('send-message-batch', '--queue-url', url, '--entries',
    JSON.stringify([{ Id: 'a', MessageBody: 'one' }, { Id: 'b', MessageBody: 'two', DelaySeconds: 0 }, { Id: 'big', MessageBody: 'x'.repeat(1025) }]));
  assert.deepEqual((batch['Successful'] as { Id: string }[]).map((s) => s.Id), ['a', 'b']);
  assert.deepEqual(batch['Failed'], [{ Id: 'big', SenderFault: true, Code: 'InvalidParameterValue', Message: 'One or more parameters cannot be validated. Reason: Message must be shorter than 1024 bytes.' }]);
  await fails('AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 'Maximum number of entries per request are 10. You have sent 11.', 'send-message-batch', '--queue-url', url,
    '--entries', JSON.stringify(Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x' }))));
  await fails('AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 'Id a repeated.', 'send-message-batch', '--queue-url', url,
    '--entries', JSON.stringify([{ Id: 'a', MessageBody: '1' }, { Id: 'a', MessageBody: '2' }]));
  await fails('AWS.SimpleQueueService.InvalidBatchEntryId', /^A batch entry id can only contain/, 'delete-message-batch', '--queue-url', url,
    '--entries', JSON.stringify([{ Id: 'invalid:id', ReceiptHandle: 'h' }]));
  const two = (await ok('receive-message', '--queue-url', url, '--max-number-of-messages', '10', '--visibility-timeout', '60'))['Messages'] as Record<string, string>[];
  assert.equal(two.length, 2);
  const vis = await ok('change-message-visibility-batch', '--queue-url', url, '--entries',
    JSON.stringify([{ Id: 'v1', ReceiptHandle: two[0]?.['ReceiptHandle'], VisibilityTimeout: 0 }, { Id: 'v2', ReceiptHandle: 'garbage', VisibilityTimeout: 0 }]));
  assert.deepEqual(vis['Successful'], [{ Id: 'v1' }]);
  assert.equal((vis['Failed'] as { Code: string }[])[0]?.Code, 'ReceiptHandleIsInvalid');
  const back = ((await ok('receive-message', '--queue-url', url))['Messages'] as Record<string, string>[])[0];
  assert.equal(back?.['MessageId'], two[0]?.['MessageId']);
  const del = await ok('delete-message-batch', '--queue-url', url, '--entries',
    JSON.stringify([{ Id: 'd1', ReceiptHandle: back?.['ReceiptHandle'] }, { Id: 'd2', ReceiptHandle: two[1]?.['ReceiptHandle'] }]));
  assert.deepEqual(del['Successful'], [{ Id: 'd1' }, { Id: 'd2' }]);
  const counts = (await ok('get-queue-attributes', '--queue-url', url, '--attribute-names', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'))['Attributes'];
  assert.deepEqual(counts, { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
});

test('FIFO, redrive to a DLQ and a long poll with /usr/bin/aws', async (t) => {
  if (!haveCli(t)) return;
  const srv = await startSqsServer(t);
  const { ok, run, fails } = cliFor(t, srv);
  await ok('create-queue', '--queue-name', 'jobs.fifo', '--attributes', 'FifoQueue=true,ContentBasedDeduplication=true');
  const fifo = `${srv.url}/000000000000/jobs.fifo`;
  const ids: string[] = [];
  for (const [g, b] of [['a', 'a1'], ['b', 'b1'], ['a', 'a2']] as const) {
    const r = await ok('send-message', '--queue-url', fifo, '--message-body', b, '--message-group-id', g);
    assert.match(String(r['SequenceNumber']), /^\d{20}$/);
    ids.push(String(r['MessageId']));
  }
  assert.equal((await ok('send-message', '--queue-url', fifo, '--message-body', 'a1', '--message-group-id', 'a'))['MessageId'], ids[0], 'content-based deduplication');
  await fails('MissingParameter', 'The request must contain the parameter MessageGroupId.', 'send-message', '--queue-url', fifo, '--message-body', 'x');
  const first = (await ok('receive-message', '--queue-url', fifo, '--max-number-of-messages', '10', '--attribute-names', 'MessageGroupId', 'SequenceNumber'))['Messages'] as Record<string, unknown>[];
  assert.deepEqual(first.map((m) => m['Body']), ['a1', 'a2', 'b1'], 'group a in order, then group b');

  await ok('create-queue', '--queue-name', 'dead');
  await ok('create-queue', '--queue-name', 'work', '--attributes',
    `{"RedrivePolicy":"{\\"deadLetterTargetArn\\":\\"arn:aws:sqs:us-east-1:000000000000:dead\\",\\"maxReceiveCount\\":\\"2\\"}"}`);
  const work = `${srv.url}/000000000000/work`;
  const poison = await ok('send-message', '--queue-url', work, '--message-body', 'poison');
  for (let i = 0; i < 2; i++) assert.equal(((await ok('receive-message', '--queue-url', work, '--visibility-timeout', '0'))['Messages'] as unknown[]).length, 1);
  assert.deepEqual(await ok('receive-message', '--queue-url', work), {});
  const dead = ((await ok('receive-message', '--queue-url', `${srv.url}/000000000000/dead`, '--attribute-names', 'All'))['Messages'] as Record<string, unknown>[])[0];
  assert.equal(dead?.['MessageId'], poison['MessageId']);
  assert.equal((dead?.['Attributes'] as Record<string, string>)['DeadLetterQueueSourceArn'], 'arn:aws:sqs:us-east-1:000000000000:work');

  await ok('create-queue', '--queue-name', 'waiting');
  const waitUrl = `${srv.url}/000000000000/waiting`;
  const polling = run('receive-message', '--queue-url', waitUrl, '--wait-time-seconds', '20');
  await until(async () => (await srv.waitingReceives()) === 1, 'the CLI receive to be parked', 15_000);
  await ok('send-message', '--queue-url', waitUrl, '--message-body', 'wake');
  const woke = await polling;
  assert.equal(woke.code, 0, woke.stderr);
  assert.equal(((JSON.parse(woke.stdout) as { Messages: { Body: string }[] }).Messages)[0]?.Body, 'wake');
});
