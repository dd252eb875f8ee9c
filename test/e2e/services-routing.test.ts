/**
 * AWS service protocols share Nimbus's endpoint with Lambda's API, function URLs and SAM routes:
 * each is claimed by its wire markers only. A form POST to `/` that is not SQS's or SNS's is
 * Lambda's unknown operation (a stack's routes live on their own hosts, see api-hosts.test.ts); a
 * function URL keeps every request under its host, SQS markers included, body intact; and the browser/Host guard refuses SQS, SNS and EventBridge requests as it
 * refuses Lambda's, in each service's own error shape.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { CreateFunctionUrlConfigCommand } from '@aws-sdk/client-lambda';
import { deployNode, startTestNimbus } from '../helpers/nimbus.js';

/** Echoes what the function got: method, path and the (decoded) body. */
const ECHO = `exports.handler = async (e) => ({ statusCode: 200, body: JSON.stringify({ path: e.rawPath || e.path, body: e.isBase64Encoded ? Buffer.from(e.body, 'base64').toString() : e.body }) });`;

function request(port: number, opts: { method?: string; path?: string; host?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'POST', path: opts.path ?? '/', headers: { host: opts.host ?? `127.0.0.1:${port}`, ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

test('SQS, SNS and EventBridge are claimed by their markers only, and guarded as APIs', async (t) => {
  const nimbus = await startTestNimbus(t);
  const { port } = nimbus;
  await deployNode(nimbus.lambda, 'echo', { 'index.js': ECHO });

  // A form POST to / without a service's markers is not a service's: Lambda's unknown operation.
  const user = await request(port, { headers: FORM, body: 'name=ada&Action=Hello' });
  assert.equal(user.status, 404);
  assert.equal(user.headers['x-amzn-errortype'], 'UnknownOperationException');
  // The same path with SQS's and SNS's markers is theirs.
  const sqs = await request(port, { headers: FORM, body: 'Action=ListQueues&Version=2012-11-05' });
  assert.equal(sqs.status, 200);
  assert.match(sqs.body, /<ListQueuesResponse xmlns="http:\/\/queue\.amazonaws\.com\/doc\/2012-11-05\/">/);
  const sns = await request(port, { headers: FORM, body: 'Action=ListTopics&Version=2010-03-31' });
  assert.equal(sns.status, 200);
  assert.match(sns.body, /<ListTopicsResponse xmlns="http:\/\/sns\.amazonaws\.com\/doc\/2010-03-31\/">/);
  const eb = await request(port, { headers: { 'x-amz-target': 'AWSEvents.ListEventBuses', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
  assert.equal(eb.status, 200);
  assert.deepEqual(JSON.parse(eb.body), { EventBuses: [{ Name: 'default', Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/default' }] });

  // A function URL owns every request under its host, SQS-looking or not.
  const { FunctionUrl } = await nimbus.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'echo', AuthType: 'NONE' }));
  const urlHost = new URL(FunctionUrl!).host;
  const viaUrl = await request(port, { host: urlHost, headers: FORM, body: 'Action=ListQueues&Version=2012-11-05' });
  assert.equal(viaUrl.status, 200);
  assert.deepEqual(JSON.parse(viaUrl.body), { path: '/', body: 'Action=ListQueues&Version=2012-11-05' });

  // The guard: a Host this Nimbus does not answer under (DNS rebinding) and a foreign Origin are refused.
  const rebound = await request(port, { host: 'evil.example', headers: { 'x-amz-target': 'AmazonSQS.ListQueues', 'content-type': 'application/x-amz-json-1.0' }, body: '{}' });
  assert.equal(rebound.status, 403);
  assert.equal(JSON.parse(rebound.body).__type, 'com.amazonaws.sqs#AccessDeniedException');
  assert.equal(rebound.headers['x-amzn-query-error'], 'AccessDenied;Sender');
  const foreign = await request(port, { headers: { ...FORM, origin: 'https://evil.example' }, body: 'Action=ListQueues&Version=2012-11-05' });
  assert.equal(foreign.status, 403);
  assert.match(foreign.body, /<Code>AccessDenied<\/Code>/);
  const snsRefused = await request(port, { host: 'evil.example', headers: FORM, body: 'Action=ListTopics&Version=2010-03-31' });
  assert.equal(snsRefused.status, 403);
  assert.match(snsRefused.body, /<Code>AuthorizationError<\/Code>/);
  const ebRefused = await request(port, { headers: { 'x-amz-target': 'AWSEvents.ListEventBuses', 'content-type': 'application/x-amz-json-1.1', 'sec-fetch-site': 'cross-site' }, body: '{}' });
  assert.equal(ebRefused.status, 403);
  assert.equal(JSON.parse(ebRefused.body).__type, 'AccessDeniedException');
  const logsRefused = await request(port, { headers: { 'x-amz-target': 'Logs_20140328.DescribeLogGroups', 'content-type': 'application/x-amz-json-1.1', 'sec-fetch-site': 'cross-site' }, body: '{}' });
  assert.equal(logsRefused.status, 403);
  assert.equal(logsRefused.headers['x-amzn-errortype'], 'AccessDeniedException');
  assert.equal(JSON.parse(logsRefused.body).__type, 'AccessDeniedException');
  const logs = await request(port, { headers: { 'x-amz-target': 'Logs_20140328.DescribeLogGroups', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
  assert.equal(logs.status, 200);
  assert.deepEqual(JSON.parse(logs.body).logGroups.map((g: { logGroupName: string }) => g.logGroupName), ['/aws/lambda/echo']);
  // A function URL is not an API: the guard does not apply to it.
  const urlFromPage = await request(port, { host: urlHost, headers: { ...FORM, origin: 'https://some.site', 'sec-fetch-site': 'cross-site' }, body: 'x=1' });
  assert.equal(urlFromPage.status, 200);
  assert.deepEqual(JSON.parse(urlFromPage.body), { path: '/', body: 'x=1' });
  // Oversized SQS request: an SQS error, not Lambda's.
  const big = await request(port, { headers: { 'x-amz-target': 'AmazonSQS.SendMessage', 'content-type': 'application/x-amz-json-1.0' }, body: 'x'.repeat(9 * 1024 * 1024) });
  assert.equal(big.status, 413);
  assert.equal(big.headers['x-amzn-query-error'], 'RequestTooLarge;Sender');
});
