/**
 * Random requests against every route of a real Nimbus: random names (ARNs, qualifiers, '..',
 * NUL, 300 characters, emoji), query strings, headers and bodies (random bytes, truncated and
 * deeply nested JSON, prototype keys, mutated API shapes with wrong types). Bad input must get a
 * 4xx in Lambda's shape and never a 5xx, a dropped connection or a crash (the server runs in this
 * process, so an uncaught exception fails the test), and the server must still work afterwards.
 *
 * Seeded: NIMBUS_FUZZ_SEED=<n> and NIMBUS_FUZZ_N=<requests> explore further; a failure prints
 * the request that caused it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { InvokeCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { Rng } from '../../src/policy/rng.js';
import { deployNode, makeZip, payloadJson, startTestNimbus } from '../helpers/nimbus.js';

const ROUTES = `DELETE /2015-03-31/functions/:F
DELETE /2015-03-31/functions/:F/aliases/:N
DELETE /2015-03-31/event-source-mappings/:N
DELETE /2017-10-31/functions/:F/concurrency
DELETE /2021-10-31/functions/:F/url
DELETE /2019-09-25/functions/:F/event-invoke-config
DELETE /2019-09-30/functions/:F/provisioned-concurrency
DELETE /nimbus/v1/queues/:N/messages
DELETE /nimbus/v1/schedules/:N
DELETE /nimbus/v1/stacks/:N
GET /2015-03-31/functions
GET /2015-03-31/functions/:F
GET /2015-03-31/functions/:F/aliases
GET /2015-03-31/functions/:F/aliases/:N
GET /2015-03-31/functions/:F/configuration
GET /2015-03-31/functions/:F/versions
GET /2015-03-31/event-source-mappings
GET /2015-03-31/event-source-mappings/:N
GET /2016-08-19/account-settings
GET /2019-09-30/functions/:F/concurrency
GET /2021-10-31/functions/:F/url
GET /2021-10-31/functions/:F/urls
GET /2019-09-25/functions/:F/event-invoke-config
GET /2019-09-25/functions/:F/event-invoke-config/list
GET /2019-09-30/functions/:F/provisioned-concurrency
GET /metrics
GET /nimbus/v1/code/:N
GET /nimbus/v1/events
GET /nimbus/v1/events/:N
GET /nimbus/v1/event-source-mappings
GET /nimbus/v1/event-source-mappings/:N
GET /nimbus/v1/functions/:F/logs
GET /nimbus/v1/queues
GET /nimbus/v1/queues/:N/messages
GET /nimbus/v1/apis
GET /nimbus/v1/apis/:N
GET /nimbus/v1/schedules
GET /nimbus/v1/schedules/:N
GET /nimbus/v1/stacks
GET /nimbus/v1/stacks/:N
GET /nimbus/v1/stats
GET /:N
POST /2014-11-13/functions/:F/invoke-async
POST /2015-03-31/functions
POST /2015-03-31/functions/:F/aliases
POST /2015-03-31/functions/:F/invocations
POST /2015-03-31/functions/:F/versions
POST /2015-03-31/event-source-mappings
POST /2021-10-31/functions/:F/url
POST /2021-11-15/functions/:F/response-streaming-invocations
POST /2019-09-25/functions/:F/event-invoke-config
PUT /2015-03-31/functions/:F/aliases/:N
PUT /2015-03-31/functions/:F/code
PUT /2015-03-31/functions/:F/configuration
PUT /2015-03-31/event-source-mappings/:N
PUT /2017-10-31/functions/:F/concurrency
PUT /2021-10-31/functions/:F/url
PUT /2019-09-25/functions/:F/event-invoke-config
PUT /2019-09-30/functions/:F/provisioned-concurrency
PUT /nimbus/v1/artifacts/:N
PUT /nimbus/v1/stacks/:N
PUT /nimbus/v1/schedules/:N
PATCH /2015-03-31/functions/:F`
  .split('\n')
  .map((l) => l.split(' ') as [string, string]);

const NAMES = [
  'f', 'f:1', 'f:live', 'f:$LATEST', 'arn:aws:lambda:us-east-1:000000000000:function:f',
  'arn:aws:lambda:us-east-1:000000000000:function:f:live', 'nope', '%00', '..', '%2e%2e', 'a'.repeat(300),
  'f:', ':', '%C3%A9', '%F0%9F%98%80', 'f:99999999999999999999', 'arn:aws:lambda:xx', '%25', '%20', 'f%3A1', 'live', '%FF',
];
const SCALARS: unknown[] = [
  null, true, false, 0, -1, 1, 1.5, 1e308, -1e20, 2 ** 53 + 1, '', 'x', 'a'.repeat(70_000), '😀', '\u0000',
  '$LATEST', 'live', 'nodejs20.x', 'python3.12', 'index.handler', [], {}, [1, 2], { a: 1 }, '1', 'NaN',
];
const FIELDS = [
  'FunctionName', 'Runtime', 'Handler', 'Role', 'Code', 'ZipFile', 'MemorySize', 'Timeout', 'Environment', 'Variables',
  'Description', 'Publish', 'Architectures', 'EphemeralStorage', 'Size', 'Name', 'FunctionVersion', 'RoutingConfig',
  'AdditionalVersionWeights', 'ReservedConcurrentExecutions', 'ProvisionedConcurrentExecutions', 'AuthType', 'Cors',
  'AllowOrigins', 'MaximumRetryAttempts', 'MaximumEventAgeInSeconds', 'DestinationConfig', 'OnSuccess', 'OnFailure',
  'Destination', 'DeadLetterConfig', 'TargetArn', 'RevisionId', 'InvokeMode', 'Layers', 'TracingConfig', 'Mode',
  'ImageUri', 'PackageType', 'S3Bucket', 'S3Key', 'Schedule', 'ScheduleExpression', 'Payload', 'routes', 'path',
  'method', 'function', 'Functions', 'Apis', 'Routes', 'LogicalId', 'ApiId', 'Type', 'StageName', 'Configuration',
  'Alias', 'Url', 'Schedules', 'Queues', 'StackId', 'Parameters', 'Outputs', 'CodeSha256', 'SnapStart', 'LoggingConfig', 'LogFormat', 'VpcConfig', 'KMSKeyArn', 'Tags',
  'EventSourceArn', 'BatchSize', 'MaximumBatchingWindowInSeconds', 'FilterCriteria', 'Filters', 'Pattern', 'ScalingConfig',
  'MaximumConcurrency', 'FunctionResponseTypes', 'Enabled', 'StartingPosition', 'MetricsConfig',
];
const QUERIES = [
  '', '?Qualifier=1', '?Qualifier=live', '?Qualifier=%00', '?Qualifier=$LATEST', `?Qualifier=${'x'.repeat(200)}`,
  '?MaxItems=-1', '?MaxItems=abc', '?MaxItems=1e309', '?Marker=zzz', '?Marker=%FF', '?FunctionVersion=ALL',
  '?Qualifier=1&Qualifier=2', '?limit=-5', '?since=abc', '?tail=1e9', '?%=%',
];

test('random requests to every route get Lambda-shaped 4xx answers, never a 5xx or a crash', async (t) => {
  const seed = Number(process.env.NIMBUS_FUZZ_SEED ?? 20261126);
  const count = Number(process.env.NIMBUS_FUZZ_N ?? 2000);
  const rng = new Rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rng.next() * a.length)] as T;
  const nimbus = await startTestNimbus(t);
  const echo = { 'index.js': 'exports.handler = async (e) => ({ ok: true, e });' };
  await deployNode(nimbus.lambda, 'f', echo);
  // 'g' is never named by the fuzzer: it must answer exactly as before at the end.
  await deployNode(nimbus.lambda, 'g', echo);
  const zipBytes = await makeZip({ 'index.js': 'exports.handler = async () => 1;' });
  const zip = zipBytes.toString('base64');
  const zipSha = createHash('sha256').update(zipBytes).digest('hex');
  assert.equal((await fetch(`${nimbus.url}/nimbus/v1/artifacts/${zipSha}`, { method: 'PUT', body: zipBytes })).status, 201);
  const post = (path: string, body: unknown) => fetch(nimbus.url + path, { method: 'POST', body: JSON.stringify(body) });
  assert.equal((await post('/2015-03-31/functions/f/versions', {})).status, 201);
  assert.equal((await post('/2015-03-31/functions/f/aliases', { Name: 'live', FunctionVersion: '1' })).status, 201);
  // A queue for event-source mappings to name.
  assert.equal((await fetch(`${nimbus.url}/?Action=CreateQueue&Version=2012-11-05&QueueName=q`)).status, 200);

  const value = (depth: number): unknown => {
    const r = rng.next();
    if (depth < 3 && r < 0.15) {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < 1 + rng.next() * 4; i++) o[pick(FIELDS)] = value(depth + 1);
      return o;
    }
    if (depth < 3 && r < 0.22) return Array.from({ length: Math.floor(rng.next() * 4) }, () => value(depth + 1));
    if (r < 0.3) return zip;
    return pick(SCALARS);
  };
  // Valid requests with one field broken reach deeper than random shapes.
  const valid: Array<Record<string, unknown>> = [
    { FunctionName: 'h', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: 'arn:aws:iam::000000000000:role/r', Code: { ZipFile: zip }, MemorySize: 256, Timeout: 5, Environment: { Variables: { A: 'b' } } },
    { MemorySize: 512, Timeout: 10, Description: 'd', Environment: { Variables: { K: 'v' } }, EphemeralStorage: { Size: 1024 } },
    { ZipFile: zip, Publish: true },
    { Name: 'a2', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } } },
    { FunctionVersion: '1', Description: 'x' },
    { ReservedConcurrentExecutions: 5 },
    { ProvisionedConcurrentExecutions: 1 },
    { AuthType: 'NONE', Cors: { AllowOrigins: ['*'], MaxAge: 10 }, InvokeMode: 'BUFFERED' },
    { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 60, DestinationConfig: { OnFailure: { Destination: 'arn:aws:lambda:us-east-1:000000000000:function:f' } } },
    { ScheduleExpression: 'rate(5 minutes)', FunctionName: 'f' },
    {
      Functions: [{ LogicalId: 'Fn', FunctionName: 'sf', CodeSha256: zipSha, Configuration: { Role: 'arn:aws:iam::000000000000:role/r', Handler: 'index.handler', Runtime: 'nodejs20.x' }, Alias: { Name: 'live' } }],
      Apis: [{ LogicalId: 'Api', ApiId: 'abcdefghij', Type: 'HTTP', Routes: [{ Method: 'GET', Path: '/x', FunctionName: 'sf' }] }],
      Schedules: [{ LogicalId: 'Tick', Name: 'tick', Body: { ScheduleExpression: 'rate(1 hour)', FunctionName: 'sf' } }],
      Queues: [{ LogicalId: 'Q', QueueName: 'q' }],
    },
    {
      EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:q',
      FunctionName: 'f',
      BatchSize: 5,
      FilterCriteria: { Filters: [{ Pattern: '{"body":{"a":[1]}}' }] },
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    },
  ];
  const mutate = (o: Record<string, unknown>): Record<string, unknown> => {
    const copy = structuredClone(o);
    let target: Record<string, unknown> = copy;
    for (;;) {
      const keys = Object.keys(target);
      const k = pick(keys);
      const v = target[k];
      if (v && typeof v === 'object' && !Array.isArray(v) && rng.next() < 0.5) {
        target = v as Record<string, unknown>;
        continue;
      }
      if (rng.next() < 0.2) delete target[k];
      else target[k] = value(2);
      return copy;
    }
  };
  const body = (): string | Buffer | undefined => {
    const r = rng.next();
    if (r < 0.4) return JSON.stringify(mutate(pick(valid)));
    if (r < 0.45) return undefined;
    if (r < 0.5) return JSON.stringify(pick(valid));
    if (r < 0.55) return Buffer.from(Array.from({ length: Math.floor(rng.next() * 200) }, () => Math.floor(rng.next() * 256)));
    if (r < 0.58) return '{"FunctionName": "f", ';
    if (r < 0.6) return '['.repeat(5000) + ']'.repeat(5000);
    if (r < 0.63) return JSON.stringify(pick(SCALARS));
    if (r < 0.65) return '{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"x": 1}}}';
    const o: Record<string, unknown> = {};
    for (let i = 0; i < 1 + rng.next() * 7; i++) o[pick(FIELDS)] = value(0);
    return JSON.stringify(o);
  };
  const headers = (): Record<string, string> => {
    const h: Record<string, string> = {};
    for (let i = 0; i < rng.next() * 3; i++) {
      const k = pick(['content-type', 'x-amz-invocation-type', 'x-amz-log-type', 'x-amz-client-context', 'content-encoding', 'x-amzn-trace-id']);
      h[k] = pick(['application/json', 'Event', 'DryRun', 'RequestResponse', 'Tail', 'bogus', '', 'e30=', '!!!', 'gzip', 'a'.repeat(5000)]);
    }
    return h;
  };

  const statuses = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const [method, template] = pick(ROUTES);
    const path = template.replace(':F', pick(NAMES)).replace(':N', pick(NAMES)) + pick(QUERIES);
    const b = method === 'GET' ? undefined : method === 'DELETE' && rng.next() > 0.1 ? undefined : body();
    const what = `#${i} (seed ${seed}) ${method} ${path.slice(0, 160)} body ${typeof b === 'string' ? b.slice(0, 160) : `${b?.length ?? 0} bytes`}`;
    let res: Response;
    try {
      res = await fetch(nimbus.url + path, { method, headers: headers(), body: b ?? null, signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      assert.fail(`${what}: no answer (${String(e)})`);
    }
    const text = await res.text();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    assert.ok(res.status < 500, `${what}: ${res.status} ${text.slice(0, 300)}`);
    const lambdaRoute = /^\/20\d\d-/.test(path);
    if (res.status >= 400 && lambdaRoute) {
      const type = res.headers.get('x-amzn-errortype');
      assert.ok(type && /^[A-Za-z]+(Exception|Error)?$/.test(type.split(':')[0] ?? ''), `${what}: ${res.status} without x-amzn-ErrorType`);
      const parsed = JSON.parse(text) as Record<string, unknown>;
      assert.equal(typeof (parsed.message ?? parsed.Message), 'string', `${what}: error body ${text.slice(0, 200)}`);
    }
  }
  t.diagnostic(`answers by status: ${[...statuses].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  // The requests must reach the handlers, not only the validators.
  const ok = [...statuses].filter(([k]) => k < 300).reduce((a, [, v]) => a + v, 0);
  assert.ok(ok > count / 10, `only ${ok} of ${count} requests succeeded`);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');

  // Still serving: the control plane lists, and a function the fuzzer never touched answers.
  assert.equal((await fetch(`${nimbus.url}/nimbus/v1/health`)).status, 200);
  const listed = await nimbus.lambda.send(new ListFunctionsCommand({}));
  assert.ok(listed.Functions?.length);
  const out = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'g', Payload: Buffer.from('{"after":"fuzz"}') }));
  assert.equal(out.FunctionError, undefined);
  assert.deepEqual(payloadJson(out.Payload), { ok: true, e: { after: 'fuzz' } });
});
