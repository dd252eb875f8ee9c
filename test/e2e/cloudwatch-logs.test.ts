/**
 * The CloudWatch Logs subset (docs/logging.md, "CloudWatch Logs API") end to end: a real Nimbus,
 * real functions, and the clients teams read logs with: @aws-sdk/client-cloudwatch-logs, the AWS
 * CLI v2 (`aws logs tail`, `--follow`, `filter-log-events`, ...) and boto3. Errors are AWS's; with
 * `--auth keys` the requests are signed and identity policies decide.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  paginateFilterLogEvents,
  type FilteredLogEvent,
  type FilterLogEventsCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { builtinRuntimes } from '../../src/runtimes/registry.js';
import { AWS_CLI, awsCliHome, haveAwsCli, runCli } from '../helpers/aws-cli.js';
import { rejects } from '../helpers/aws-errors.js';
import { deployNode, makeZip, payloadJson, startTestNimbus } from '../helpers/nimbus.js';
import { run as runSam, samOrSkip } from '../helpers/sam-cli.js';
import { nimbusCli } from '../helpers/serve.js';
import { until } from '../helpers/until.js';

const CI = process.env['CI'] === 'true';
const PYTHON = '/usr/bin/python3';

/** Logs a line per call, a two-line message, and an error line. */
const LOGGER = `exports.handler = async (e, context) => {
  console.log('hello ' + e.n);
  console.log('first line\\nsecond line');
  console.error('boom-' + e.n);
  return { n: e.n, stream: context.logStreamName };
};`;

function logsClient(url: string, credentials = { accessKeyId: 'test', secretAccessKey: 'test' }): CloudWatchLogsClient {
  return new CloudWatchLogsClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });
}

async function invoke(nimbus: { lambda: { send: (c: InvokeCommand) => Promise<{ FunctionError?: string | undefined }> } }, name: string, n: number): Promise<void> {
  const r = await nimbus.lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ n })) }));
  assert.equal(r.FunctionError, undefined);
}

async function all(client: CloudWatchLogsClient, input: FilterLogEventsCommandInput): Promise<FilteredLogEvent[]> {
  const out: FilteredLogEvent[] = [];
  for await (const page of paginateFilterLogEvents({ client }, input)) out.push(...(page.events ?? []));
  return out;
}

async function world(t: TestContext) {
  const nimbus = await startTestNimbus(t);
  await deployNode(nimbus.lambda, 'logger', { 'index.js': LOGGER });
  for (const n of [1, 2, 3]) await invoke(nimbus, 'logger', n);
  const logs = logsClient(nimbus.url);
  t.after(() => logs.destroy());
  // Logs are written off the invoke's path: wait until the third invocation's REPORT is readable.
  await until('the logs are stored', async () => {
    const r = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/logger', filterPattern: 'REPORT' }));
    return (r.events ?? []).length === 3 ? true : undefined;
  });
  return { nimbus, logs };
}

test('the JS SDK reads a function log group: groups, streams, events (one per record), filter patterns, paging', async (t) => {
  const { nimbus, logs } = await world(t);

  const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/' }));
  assert.deepEqual(groups.logGroups?.map((g) => g.logGroupName), ['/aws/lambda/logger']);
  assert.equal(groups.logGroups?.[0]?.arn, 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/logger:*');
  assert.equal((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/nope' }))).logGroups?.length, 0);

  const events = await all(logs, { logGroupName: '/aws/lambda/logger' });
  const messages = events.map((e) => e.message ?? '');
  // One event per record: INIT_START once (cold start), then START, the three runtime lines, END, REPORT per invocation.
  assert.equal(messages.filter((m) => m.startsWith('INIT_START ')).length, 1);
  assert.equal(events.length, 1 + 3 * 6, messages.join(''));
  assert.match(messages[1]!, /^START RequestId: [0-9a-f-]{36} Version: \$LATEST\n$/);
  const multi = messages.find((m) => m.includes('first line'));
  assert.match(multi ?? '', /^\d{4}-\d{2}-\d{2}T[\d:.]+Z\t[0-9a-f-]{36}\tINFO\tfirst line\nsecond line\n$/, 'a two-line message is one event');
  assert.ok(messages.some((m) => /\tERROR\tboom-2\n$/.test(m)));
  assert.match(messages.at(-1)!, /^REPORT RequestId: .*\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\t/);
  assert.equal(new Set(events.map((e) => e.eventId)).size, events.length, 'event ids are distinct');
  for (const e of events) {
    assert.match(e.logStreamName ?? '', /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    assert.equal(e.ingestionTime, e.timestamp);
  }

  // Filter patterns: terms, quoted phrases, exclusions, alternatives.
  const count = async (filterPattern: string): Promise<number> => (await all(logs, { logGroupName: '/aws/lambda/logger', filterPattern })).length;
  assert.equal(await count('hello'), 3);
  assert.equal(await count('"hello 2"'), 1);
  assert.equal(await count('hello -"hello 2"'), 2);
  assert.equal(await count('?boom-1 ?boom-3'), 2);
  assert.equal(await count('INFO line'), 3, 'every term must appear');
  assert.equal(await count('Hello'), 0, 'terms are case sensitive');

  // Paging one event at a time gives the same events, in the same order.
  const paged = await all(logs, { logGroupName: '/aws/lambda/logger', limit: 1 });
  assert.deepEqual(paged.map((e) => e.eventId), events.map((e) => e.eventId));

  // Time ranges.
  const last = events.at(-1)!.timestamp!;
  assert.equal((await all(logs, { logGroupName: '/aws/lambda/logger', startTime: last + 1 })).length, 0);
  assert.equal((await all(logs, { logGroupName: '/aws/lambda/logger', endTime: events[0]!.timestamp! - 1 })).length, 0);
  assert.equal((await all(logs, { logGroupName: '/aws/lambda/logger', startTime: events[0]!.timestamp!, endTime: last })).length, events.length);

  // Streams: one per version and UTC day; the events of that stream, paged both ways.
  const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/logger' }));
  assert.equal(streams.logStreams?.length, 1);
  const stream = streams.logStreams![0]!;
  assert.equal(stream.logStreamName, events[0]!.logStreamName);
  assert.equal(stream.firstEventTimestamp, events[0]!.timestamp);
  assert.equal(stream.lastEventTimestamp, last);
  assert.equal(stream.arn, `arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/logger:log-stream:${stream.logStreamName}`);
  assert.equal((await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/logger', logStreamNamePrefix: '1999/' }))).logStreams?.length, 0);

  // FilterLogEvents by stream: by name (a name of the right shape that holds nothing gives nothing) and by prefix.
  assert.equal((await all(logs, { logGroupName: '/aws/lambda/logger', logStreamNames: [stream.logStreamName!] })).length, events.length);
  assert.equal((await all(logs, { logGroupName: '/aws/lambda/logger', logStreamNames: ['2001/01/01/[$LATEST]00000000000000000000000000000000'] })).length, 0);
  assert.equal((await all(logs, { logGroupName: '/aws/lambda/logger', logStreamNames: ['not-a-stream', stream.logStreamName!] })).length, events.length);
  assert.equal((await all(logs, { logGroupName: '/aws/lambda/logger', logStreamNamePrefix: stream.logStreamName!.slice(0, 11) })).length, events.length);
  assert.equal((await all(logs, { logGroupName: '/aws/lambda/logger', logStreamNamePrefix: '2001/' })).length, 0);

  const streamArgs = { logGroupName: '/aws/lambda/logger', logStreamName: stream.logStreamName! };
  const forward: string[] = [];
  let token: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await logs.send(new GetLogEventsCommand({ ...streamArgs, startFromHead: true, limit: 4, ...(token ? { nextToken: token } : {}) }));
    forward.push(...(page.events ?? []).map((e) => e.message ?? ''));
    // Nothing newer: the forward token comes back as given.
    if (page.nextForwardToken === token) break;
    token = page.nextForwardToken;
  }
  assert.deepEqual(forward, messages);
  const tail = await logs.send(new GetLogEventsCommand({ ...streamArgs, limit: 2 }));
  assert.deepEqual(tail.events?.map((e) => e.message), messages.slice(-2), 'without startFromHead: the newest events');
  const before = await logs.send(new GetLogEventsCommand({ ...streamArgs, limit: 3, nextToken: tail.nextBackwardToken }));
  assert.deepEqual(before.events?.map((e) => e.message), messages.slice(-5, -2), 'the backward token pages back');

  // A new invocation shows up for a reader that asks from the newest timestamp it saw (how `aws logs tail --follow` polls).
  await invoke(nimbus, 'logger', 4);
  const newer = await until('the fourth invocation is readable', async () => {
    const r = await all(logs, { logGroupName: '/aws/lambda/logger', startTime: last });
    return r.some((e) => e.message?.includes('hello 4')) ? r : undefined;
  });
  assert.ok(newer.every((e) => e.timestamp! >= last));

  // The function's context.logStreamName is the stream its output is listed under (AWS_LAMBDA_LOG_STREAM_NAME).
  const own = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'logger', Payload: Buffer.from('{"n":5}') }));
  assert.equal((JSON.parse(Buffer.from(own.Payload!).toString('utf8')) as { stream: string }).stream, stream.logStreamName);
});

test('CloudWatch Logs errors are AWS-shaped: unknown group or stream, bad token, bad JSON, unsupported operations', async (t) => {
  const { nimbus, logs } = await world(t);
  await rejects(logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/nope' })), 'ResourceNotFoundException', 'The specified log group does not exist.', 400);
  await rejects(logs.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/nope' })), 'ResourceNotFoundException', 'The specified log group does not exist.', 400);
  await rejects(
    logs.send(new GetLogEventsCommand({ logGroupName: '/aws/lambda/logger', logStreamName: '2026/12/02/[$LATEST]00000000000000000000000000000000' })),
    'ResourceNotFoundException',
    'The specified log stream does not exist.',
    400,
  );
  await rejects(logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/logger', nextToken: 'garbage' })), 'InvalidParameterException', 'The specified nextToken is invalid.', 400);
  const streamName = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/logger' }))).logStreams![0]!.logStreamName!;
  await rejects(logs.send(new GetLogEventsCommand({ logGroupName: '/aws/lambda/logger', logStreamName: streamName, nextToken: 'f/12' })), 'InvalidParameterException', 'The specified nextToken is invalid.', 400);
  await rejects(logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/logger', limit: 0 })), 'InvalidParameterException', /at 'limit' failed to satisfy constraint/, 400);
  await rejects(logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/logger', filterPattern: '{ $.level = ' })), 'InvalidParameterException', /^Invalid filter pattern/, 400);

  const raw = async (target: string, body: string): Promise<{ status: number; type: string | null; json: { __type?: string; message?: string } }> => {
    const r = await fetch(`${nimbus.url}/`, { method: 'POST', headers: { 'x-amz-target': `Logs_20140328.${target}`, 'content-type': 'application/x-amz-json-1.1' }, body });
    return { status: r.status, type: r.headers.get('x-amzn-errortype'), json: (await r.json()) as { __type?: string; message?: string } };
  };
  const bad = await raw('FilterLogEvents', '{"logGroupName": ');
  assert.deepEqual([bad.status, bad.type, bad.json.__type], [400, 'SerializationException', 'SerializationException']);
  const put = await raw('PutLogEvents', '{"logGroupName":"/aws/lambda/logger","logStreamName":"s","logEvents":[]}');
  assert.deepEqual([put.status, put.type, put.json.message], [400, 'UnknownOperationException', 'The requested operation PutLogEvents is not supported by Nimbus.']);
  const missing = await raw('FilterLogEvents', '{}');
  assert.deepEqual([missing.status, missing.json.__type], [400, 'InvalidParameterException']);
  // The server is still there.
  assert.equal((await logs.send(new DescribeLogGroupsCommand({}))).logGroups?.length, 1);
});

test("a function's LoggingConfig.LogGroup is its log group; JSON filter patterns match its JSON records", async (t) => {
  const nimbus = await startTestNimbus(t);
  const logs = logsClient(nimbus.url);
  t.after(() => logs.destroy());
  const handler = `exports.handler = async (e) => { console.info('fine ' + e.n); console.error('bad ' + e.n); return {}; };`;
  await deployNode(nimbus.lambda, 'jsonfn', { 'index.js': handler }, { LoggingConfig: { LogFormat: 'JSON', LogGroup: '/team/shared' } });
  await deployNode(nimbus.lambda, 'textfn', { 'index.js': LOGGER }, { LoggingConfig: { LogFormat: 'Text', LogGroup: '/team/shared' } });
  await invoke(nimbus, 'jsonfn', 1);
  await invoke(nimbus, 'textfn', 2);
  await invoke(nimbus, 'jsonfn', 3);

  const names = (await logs.send(new DescribeLogGroupsCommand({}))).logGroups?.map((g) => g.logGroupName);
  assert.deepEqual(names, ['/team/shared']);
  await rejects(logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/jsonfn' })), 'ResourceNotFoundException', 'The specified log group does not exist.');

  const events = await until('both functions have logged', async () => {
    const r = await all(logs, { logGroupIdentifier: 'arn:aws:logs:us-east-1:000000000000:log-group:/team/shared' });
    return r.filter((e) => /"type":"platform.report"|^REPORT /.test(e.message ?? '')).length === 3 ? r : undefined;
  });
  // Two functions in one group: a stream each, the events interleaved in the order they were logged.
  assert.equal(new Set(events.map((e) => e.logStreamName)).size, 2);
  const order = events.filter((e) => /fine|hello|bad/.test(e.message ?? '')).map((e) => /fine \d|hello \d|bad \d/.exec(e.message!)![0]);
  assert.deepEqual(order, ['fine 1', 'bad 1', 'hello 2', 'fine 3', 'bad 3']);

  const json = async (filterPattern: string): Promise<string[]> =>
    (await all(logs, { logGroupName: '/team/shared', filterPattern })).map((e) => (JSON.parse(e.message!) as { message?: string; type?: string }).message ?? (JSON.parse(e.message!) as { type: string }).type);
  assert.deepEqual(await json('{ $.level = "ERROR" }'), ['bad 1', 'bad 3']);
  assert.deepEqual(await json('{ $.level = "ERR*" || $.message = "fine 3" }'), ['bad 1', 'fine 3', 'bad 3']);
  assert.deepEqual(await json('{ $.type = "platform.report" && $.record.metrics.durationMs >= 0 }'), ['platform.report', 'platform.report']);
  assert.deepEqual(await json('{ $.nothing EXISTS }'), []);

  // A function created after the groups were read is seen at once, listed and read.
  await deployNode(nimbus.lambda, 'late', { 'index.js': LOGGER });
  assert.deepEqual((await logs.send(new DescribeLogGroupsCommand({}))).logGroups?.map((g) => g.logGroupName), ['/aws/lambda/late', '/team/shared']);
  assert.deepEqual((await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/late' }))).events, []);
});

test('the AWS CLI v2 reads function logs: logs tail (short, filter, follow), filter-log-events, get-log-events, describe-*', async (t) => {
  if (!haveAwsCli(t)) return;
  const { nimbus } = await world(t);
  const home = awsCliHome(t, 'nimbus-cwlogs-cli-');
  const aws = (...args: string[]) => runCli(AWS_CLI, ['--endpoint-url', nimbus.url, ...args], { env: home.env({ AWS_MAX_ATTEMPTS: '1' }), cwd: home.home });

  const tail = await aws('logs', 'tail', '/aws/lambda/logger', '--since', '1h', '--format', 'short');
  assert.equal(tail.code, 0, tail.stderr);
  for (const n of [1, 2, 3]) assert.match(tail.stdout, new RegExp(`^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2} \\S+\\t\\S+\\tINFO\\thello ${n}$`, 'm'));
  assert.match(tail.stdout, /^\S+ START RequestId: /m);
  const detailed = await aws('logs', 'tail', '/aws/lambda/logger', '--since', '1h', '--filter-pattern', '"hello 2"');
  assert.equal(detailed.code, 0, detailed.stderr);
  const lines = detailed.stdout.trim().split('\n');
  assert.equal(lines.length, 1, detailed.stdout);
  assert.match(lines[0]!, /^\S+ \d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32} .*hello 2$/);

  const filtered = await aws('--output', 'json', 'logs', 'filter-log-events', '--log-group-name', '/aws/lambda/logger', '--filter-pattern', '?boom-1 ?boom-3');
  assert.equal(filtered.code, 0, filtered.stderr);
  const f = JSON.parse(filtered.stdout) as { events: { message: string; logStreamName: string }[] };
  assert.equal(f.events.length, 2);
  const groups = JSON.parse((await aws('--output', 'json', 'logs', 'describe-log-groups')).stdout) as { logGroups: { logGroupName: string }[] };
  assert.deepEqual(groups.logGroups.map((g) => g.logGroupName), ['/aws/lambda/logger']);
  const streams = JSON.parse((await aws('--output', 'json', 'logs', 'describe-log-streams', '--log-group-name', '/aws/lambda/logger', '--order-by', 'LastEventTime', '--descending')).stdout) as {
    logStreams: { logStreamName: string }[];
  };
  assert.deepEqual(streams.logStreams.map((s) => s.logStreamName), [f.events[0]!.logStreamName]);
  const got = await aws('--output', 'json', 'logs', 'get-log-events', '--log-group-name', '/aws/lambda/logger', '--log-stream-name', f.events[0]!.logStreamName, '--start-from-head');
  assert.equal(got.code, 0, got.stderr);
  const g = JSON.parse(got.stdout) as { events: { message: string }[]; nextForwardToken: string };
  assert.equal(g.events.length, 19);
  assert.match(g.nextForwardToken, /^f\/\d{26}$/);

  const missing = await aws('logs', 'tail', '/aws/lambda/nope');
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /ResourceNotFoundException.*The specified log group does not exist\./);

  // --follow polls every 5 seconds from the newest timestamp it has shown: a new invocation appears, and nothing twice.
  const follow = spawn(AWS_CLI, ['--endpoint-url', nimbus.url, 'logs', 'tail', '/aws/lambda/logger', '--follow', '--since', '1h', '--format', 'short'], {
    // A pipe is block-buffered: unbuffered, each event reaches the test as the CLI prints it.
    env: home.env({ AWS_MAX_ATTEMPTS: '1', PYTHONUNBUFFERED: '1' }),
    cwd: home.home,
  });
  let out = '';
  follow.stdout.on('data', (c: Buffer) => (out += c.toString()));
  t.after(() => follow.kill('SIGKILL'));
  await until('the follower shows the first invocations', async () => (out.includes('hello 3') ? true : undefined), 30_000);
  await invoke(nimbus, 'logger', 9);
  await until('the follower shows the new invocation', async () => (out.includes('hello 9') ? true : undefined), 60_000);
  // The next poll starts at the timestamp of 9's events and gets them again: their ids tell the CLI it has shown them.
  await invoke(nimbus, 'logger', 10);
  await until('the follower shows the next one', async () => (out.includes('hello 10') ? true : undefined), 60_000);
  follow.kill('SIGINT');
  for (const n of [1, 2, 3, 9, 10]) assert.equal(out.split(`INFO\thello ${n}\n`).length - 1, 1, `hello ${n} once:\n${out}`);
});

test('boto3 reads function logs: paginated filter_log_events, get_log_events, describe_log_groups, a modelled error', async (t) => {
  if (!existsSync(PYTHON)) {
    assert.ok(!CI, `${PYTHON} with boto3 is a CI dependency`);
    t.skip('python3 not installed');
    return;
  }
  const { nimbus } = await world(t);
  const script = `
import boto3, json, sys
c = boto3.client('logs', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')
events = [e for p in c.get_paginator('filter_log_events').paginate(logGroupName='/aws/lambda/logger', filterPattern='hello', PaginationConfig={'PageSize': 1}) for e in p['events']]
groups = [g['logGroupName'] for g in c.describe_log_groups()['logGroups']]
stream = c.describe_log_streams(logGroupName='/aws/lambda/logger')['logStreams'][0]['logStreamName']
got = c.get_log_events(logGroupName='/aws/lambda/logger', logStreamName=stream, startFromHead=True, limit=2)
try:
    c.filter_log_events(logGroupName='/aws/lambda/nope')
    err = None
except c.exceptions.ResourceNotFoundException as e:
    err = e.response['Error']
print(json.dumps({'hello': [e['message'].split('\\t')[-1].strip() for e in events], 'groups': groups, 'first': [e['message'].split(' ')[0] for e in got['events']], 'err': err}))
`;
  const r = await runCli(PYTHON, ['-c', script, nimbus.url], { env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' }, cwd: '/' });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { hello: string[]; groups: string[]; first: string[]; err: { Code: string; Message: string } };
  assert.deepEqual(out.hello, ['hello 1', 'hello 2', 'hello 3']);
  assert.deepEqual(out.groups, ['/aws/lambda/logger']);
  assert.deepEqual(out.first, ['INIT_START', 'START']);
  assert.deepEqual(out.err, { Code: 'ResourceNotFoundException', Message: 'The specified log group does not exist.' });
});

test('with --auth keys, CloudWatch Logs takes signed requests only, and identity policies decide by log group', async (t) => {
  const nimbus = await startTestNimbus(t, { auth: 'keys' });
  const admin = await nimbus.accounts.createKey('default', { name: 'admin' });
  const creds = (k: { accessKeyId: string; secretAccessKey: string }) => ({ accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey });
  const lambda = new LambdaClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: creds(admin), maxAttempts: 1 });
  t.after(() => lambda.destroy());
  await deployNode(lambda, 'logger', { 'index.js': LOGGER });
  await deployNode(lambda, 'other', { 'index.js': LOGGER });
  await invoke({ lambda }, 'logger', 1);

  const unsigned = await fetch(`${nimbus.url}/`, { method: 'POST', headers: { 'x-amz-target': 'Logs_20140328.DescribeLogGroups', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
  assert.equal(unsigned.status, 403);
  assert.equal(unsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');

  const asAdmin = logsClient(nimbus.url, creds(admin));
  t.after(() => asAdmin.destroy());
  await until('the logs are stored', async () => ((await asAdmin.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/logger', filterPattern: 'REPORT' }))).events?.length ? true : undefined));

  // DescribeLogGroups pages.
  const first = await asAdmin.send(new DescribeLogGroupsCommand({ limit: 1 }));
  assert.deepEqual(first.logGroups?.map((g) => g.logGroupName), ['/aws/lambda/logger']);
  const second = await asAdmin.send(new DescribeLogGroupsCommand({ limit: 1, nextToken: first.nextToken }));
  assert.deepEqual(second.logGroups?.map((g) => g.logGroupName), ['/aws/lambda/other']);
  assert.equal(second.nextToken, undefined);

  // A key for Lambda only: CloudWatch Logs refuses it.
  const lambdaOnly = await nimbus.accounts.createKey('default', {
    name: 'lambda-only',
    policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lambda:*', Resource: '*' }] }),
  });
  const l1 = logsClient(nimbus.url, creds(lambdaOnly));
  t.after(() => l1.destroy());
  await rejects(l1.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/logger' })), 'AccessDeniedException', /logs:FilterLogEvents on resource: arn:aws:logs:us-east-1:000000000000:log-group:\/aws\/lambda\/logger:\*/);

  // A key that may read one group.
  const reader = await nimbus.accounts.createKey('default', {
    name: 'reader',
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['logs:FilterLogEvents', 'logs:GetLogEvents', 'logs:DescribeLogStreams'], Resource: 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/logger:*' }],
    }),
  });
  const l2 = logsClient(nimbus.url, creds(reader));
  t.after(() => l2.destroy());
  assert.ok(((await l2.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/logger', filterPattern: 'hello' }))).events ?? []).length === 1);
  const stream = (await l2.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/logger' }))).logStreams![0]!.logStreamName!;
  assert.ok(((await l2.send(new GetLogEventsCommand({ logGroupName: '/aws/lambda/logger', logStreamName: stream }))).events ?? []).length > 0);
  await rejects(l2.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/other' })), 'AccessDeniedException');
  await rejects(l2.send(new DescribeLogGroupsCommand({})), 'AccessDeniedException');
});

/** Reads a log group with the SDK the runtime provides and the function's own credentials. */
const SELF_READER = `import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
const logs = new CloudWatchLogsClient({ maxAttempts: 1 });
export const handler = async (event) => {
  console.log('reader ran ' + event.n);
  try {
    const out = await logs.send(new FilterLogEventsCommand({ logGroupName: event.group, filterPattern: 'reader' }));
    return { messages: out.events.map((e) => e.message.split('\\t').pop().trim()) };
  } catch (e) {
    return { error: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
};
`;

test("a function's own credentials read logs as its execution role allows", async (t) => {
  const a = builtinRuntimes().get('nodejs22.x')!.availability!('nodejs22.x');
  if (!(a.ok && a.sdk)) {
    assert.ok(!CI, 'nodejs22.x with its SDK is a CI dependency (node scripts/provision-test-runtimes.mjs)');
    t.skip('nodejs22.x or its SDK not installed here');
    return;
  }
  const nimbus = await startTestNimbus(t, { auth: 'keys' });
  const key = await nimbus.accounts.createKey('default', { name: 'admin' });
  const lambda = new LambdaClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }, maxAttempts: 1 });
  t.after(() => lambda.destroy());
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  await nimbus.accounts.createRole('000000000000', { name: 'log-reader', trustPolicy: trust });
  await nimbus.accounts.putRolePolicy('000000000000', 'log-reader', 'own-group', JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'logs:FilterLogEvents', Resource: 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/self:*' }],
  }));
  const code = await makeZip({ 'index.mjs': SELF_READER });
  await lambda.send(new CreateFunctionCommand({ FunctionName: 'self', Runtime: 'nodejs22.x', Handler: 'index.handler', Role: 'arn:aws:iam::000000000000:role/log-reader', Code: { ZipFile: code } }));
  await lambda.send(new CreateFunctionCommand({ FunctionName: 'other', Runtime: 'nodejs22.x', Handler: 'index.handler', Role: 'arn:aws:iam::000000000000:role/log-reader', Code: { ZipFile: code } }));
  const call = async (fn: string, group: string, n: number): Promise<Record<string, unknown>> => {
    const out = await lambda.send(new InvokeCommand({ FunctionName: fn, Payload: Buffer.from(JSON.stringify({ group, n })) }));
    assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
    return payloadJson(out.Payload) as Record<string, unknown>;
  };
  await call('self', '/aws/lambda/self', 1);
  const seen = await until('the function reads its own earlier invocation', async () => {
    const r = await call('self', '/aws/lambda/self', 2);
    return Array.isArray(r['messages']) && (r['messages'] as string[]).includes('reader ran 1') ? r : undefined;
  });
  assert.ok(!('error' in seen));
  const refused = await call('self', '/aws/lambda/other', 3);
  assert.equal(refused['error'], 'AccessDeniedException');
  assert.equal(refused['status'], 403);
  assert.match(String(refused['message']), /assumed-role\/log-reader\/self is not authorized to perform: logs:FilterLogEvents on resource: arn:aws:logs:us-east-1:000000000000:log-group:\/aws\/lambda\/other:\*/);
  // AWS's managed policy for reading Lambda's logs grants every /aws/lambda/ group.
  await nimbus.accounts.attachRolePolicy('000000000000', 'log-reader', 'arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess');
  const allowed = await call('self', '/aws/lambda/other', 4);
  assert.deepEqual(allowed, { messages: [] });
});

test('sam logs finds a stack function by its logical id (CloudFormation ListStackResources) and prints its events', async (t) => {
  const sam = await samOrSkip(t);
  if (!sam) return;
  const nimbus = await startTestNimbus(t);
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-sam-logs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'hello'));
  writeFileSync(join(dir, 'hello', 'app.mjs'), "export const handler = async (e) => { console.log('hello from sam ' + e.n); return {}; };\n");
  writeFileSync(
    join(dir, 'template.yaml'),
    `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello/
      Handler: app.handler
      Runtime: nodejs20.x
`,
  );
  const deployed = await nimbusCli(['--endpoint', nimbus.url, 'deploy', '-t', join(dir, 'template.yaml'), '--stack-name', 'logs-app']);
  assert.equal(deployed.code, 0, deployed.stderr);
  const stack = (await (await fetch(`${nimbus.url}/nimbus/v1/stacks/logs-app`)).json()) as { Resources: { LogicalResourceId: string; PhysicalResourceId: string }[] };
  const fn = stack.Resources.find((r) => r.LogicalResourceId === 'HelloFunction')!.PhysicalResourceId;
  await invoke(nimbus, fn, 7);

  const env = { ...process.env, HOME: dir, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_ENDPOINT_URL: nimbus.url, SAM_CLI_TELEMETRY: '0', AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') };
  const byStack = await until('sam logs shows the invocation', async () => {
    const r = await runSam(sam, ['logs', '-n', 'HelloFunction', '--stack-name', 'logs-app', '-s', '1h ago'], dir, env);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    return r.stdout.includes('hello from sam 7') ? r.stdout : undefined;
  }, 60_000);
  assert.match(byStack, /^\S+ \S+ START RequestId: /m);
  const byGroup = await runSam(sam, ['logs', '--cw-log-group', `/aws/lambda/${fn}`, '-s', '1h ago', '--filter', 'hello'], dir, env);
  assert.equal(byGroup.code, 0, byGroup.stderr);
  assert.match(byGroup.stdout, /hello from sam 7/);
  assert.doesNotMatch(byGroup.stdout, /START RequestId/, 'the filter applies');
  const noStack = await runSam(sam, ['logs', '-n', 'HelloFunction', '--stack-name', 'nope', '-s', '1h ago'], dir, env);
  assert.notEqual(noStack.code, 0);
  assert.match(`${noStack.stdout}${noStack.stderr}`, /nope/);
});
