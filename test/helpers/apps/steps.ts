/**
 * Running one scenario step against a deployed app and checking what came back. HTTP goes to
 * the app's routes or function URLs with plain fetch; invocations go through the AWS SDK;
 * schedules fire by moving the test's clock; logs and built-in queues are read through Nimbus's
 * own API. SQS, SNS and EventBridge are driven with the AWS CLI v2, as a user would.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { ListMessageMoveTasksCommand, SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import type { ManualClock } from '../../../src/core/clock.js';
import { apiOf, type Deployed } from './deploy-output.js';
import { mismatch } from './match.js';
import { signRequest } from './sigv4.js';
import type { HttpExpect, InvokeExpect, Step } from './scenario.js';

export interface StepContext {
  endpoint: string;
  lambda: LambdaClient;
  clock: ManualClock | undefined;
  deployed: Deployed;
}

const DEFAULT_WAIT_MS = 30_000;
/** The keys the runner's clients use; Nimbus's test helpers sign with the same. */
const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function fnName(c: StepContext, logicalId: string): string {
  const f = c.deployed.functions.get(logicalId);
  assert.ok(f, `the deployment did not report function ${logicalId}`);
  return f.name;
}

function checkJson(text: string, e: { json?: unknown; jsonIncludes?: unknown }, what: string): void {
  if (e.json === undefined && e.jsonIncludes === undefined) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    assert.fail(`${what}: the body is not JSON: ${text.slice(0, 500)}`);
  }
  for (const [expected, exact] of [[e.json, true], [e.jsonIncludes, false]] as const) {
    if (expected === undefined) continue;
    const m = mismatch(expected, parsed, exact);
    assert.equal(m, undefined, `${what}: ${m ?? ''}\nbody: ${text.slice(0, 2000)}`);
  }
}

function checkHttp(res: { status: number; headers: Headers; text: string }, e: HttpExpect, what: string): void {
  assert.equal(res.status, e.status, `${what}: status (body: ${res.text.slice(0, 1000)})`);
  for (const [k, v] of Object.entries(e.headers ?? {})) {
    const actual = res.headers.get(k);
    if (v === null) assert.equal(actual, null, `${what}: header ${k} must be absent`);
    else assert.equal(mismatch(v, actual ?? undefined, true), undefined, `${what}: header ${k} is ${JSON.stringify(actual)}`);
  }
  if (e.body !== undefined) assert.equal(mismatch(e.body, res.text, true), undefined, `${what}: body`);
  checkJson(res.text, e, what);
}

async function fetchText(url: string, init: RequestInit): Promise<{ status: number; headers: Headers; text: string }> {
  const r = await fetch(url, init);
  return { status: r.status, headers: r.headers, text: await r.text() };
}

/**
 * A request to an API host (`<id>.execute-api.<region>.localhost:<port>`), sent to Nimbus's own
 * address with that Host header: fetch cannot set Host, and *.localhost may not resolve here.
 */
function viaHost(url: string, endpoint: string, init: { method: string; headers: Record<string, string>; body: string | undefined }): Promise<{ status: number; headers: Headers; text: string }> {
  const target = new URL(url);
  const nimbus = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: nimbus.hostname, port: nimbus.port, method: init.method, path: target.pathname + target.search, headers: { ...init.headers, host: target.host } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
          resolve({ status: res.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

function requestBody(body: unknown): string | undefined {
  return body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
}

/** A function URL as printed (`http://<url-id>.lambda-url.<region>...`) in Nimbus's path form. */
function urlPathForm(c: StepContext, printed: string, path: string): string {
  const id = new URL(printed).hostname.split('.')[0]!;
  return `${c.endpoint}/nimbus/v1/url/${id}${path}`;
}

function awsCli(c: StepContext, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
    execFile('/usr/bin/aws', [...args, '--endpoint-url', c.endpoint, '--output', 'json'], { env }, (e, stdout, stderr) =>
      e ? reject(new Error(`aws ${args.join(' ')}: ${stderr || e.message}`)) : resolve(stdout),
    );
  });
}

export async function runStep(step: Step, c: StepContext, what: string): Promise<void> {
  if ('http' in step) {
    const h = step.http;
    const body = requestBody(h.body);
    let url: string;
    if (h.url !== undefined) {
      // A function (its own FunctionUrlConfig URL) or an AWS::Lambda::Url resource, by logical id.
      const printed = c.deployed.functions.get(h.url)?.url ?? c.deployed.urls.get(h.url);
      assert.ok(printed, `${what}: the deployment printed no function URL for ${h.url}`);
      url = urlPathForm(c, printed, h.path);
    } else {
      // The API's base URL holds its stage (`.../Prod`); the step's path follows it.
      const api = apiOf(c.deployed, h.api, what);
      const base = (h.via === 'host' ? api.url : api.pathUrl).replace(/\/$/, '');
      url = base + h.path;
      if (h.via === 'host') return checkHttp(await viaHost(url, c.endpoint, { method: h.method ?? 'GET', headers: h.headers ?? {}, body }), step.expect, what);
    }
    const method = h.method ?? 'GET';
    const signed = h.sign ? signRequest(method, url, h.headers ?? {}, body, { service: typeof h.sign === 'string' ? h.sign : 'lambda', region: 'us-east-1', credentials: TEST_CREDENTIALS }) : {};
    return checkHttp(await fetchText(url, { method, headers: { ...h.headers, ...signed }, body }), step.expect, what);
  }
  if ('invoke' in step) {
    const i = step.invoke;
    const r = await c.lambda.send(
      new InvokeCommand({
        FunctionName: fnName(c, i.function),
        ...(i.qualifier ? { Qualifier: i.qualifier } : {}),
        InvocationType: i.type ?? 'RequestResponse',
        Payload: Buffer.from(JSON.stringify(i.payload ?? {})),
      }),
    );
    const e: InvokeExpect = step.expect;
    if (e.status !== undefined) assert.equal(r.StatusCode, e.status, `${what}: status`);
    const text = Buffer.from(r.Payload ?? new Uint8Array()).toString('utf8');
    assert.equal(r.FunctionError, e.functionError, `${what}: FunctionError (payload: ${text.slice(0, 1000)})`);
    return checkJson(text, e, what);
  }
  if ('lambdaApi' in step) {
    const path = step.lambdaApi.path.replace(/\{(\w+)\}/g, (_all, id: string) => encodeURIComponent(fnName(c, id)));
    const init: RequestInit = { method: step.lambdaApi.method, body: requestBody(step.lambdaApi.body) };
    return checkHttp(await fetchText(c.endpoint + path, init), step.expect, what);
  }
  if ('tick' in step) {
    assert.ok(c.clock, `${what}: a tick needs the runner's manual clock`);
    const name = fnName(c, step.tick.function);
    const { schedules } = (await (await fetch(`${c.endpoint}/nimbus/v1/schedules`)).json()) as { schedules: { FunctionName: string; NextRun: string | null }[] };
    const next = schedules.filter((s) => s.FunctionName === name && s.NextRun).map((s) => Date.parse(s.NextRun!)).sort((a, b) => a - b)[0];
    assert.ok(next !== undefined, `${what}: no enabled schedule targets ${name}: ${JSON.stringify(schedules)}`);
    c.clock.advance(Math.max(0, next - c.clock.now()));
    return;
  }
  if ('advance' in step) {
    assert.ok(c.clock, `${what}: moving time needs the runner's manual clock`);
    c.clock.advance(step.advance.seconds * 1000);
    return;
  }
  if ('logs' in step) {
    const name = fnName(c, step.logs.function);
    const patterns = step.logs.match.map((m) => new RegExp(m));
    const times = Object.entries(step.logs.times ?? {}).map(([m, n]) => [new RegExp(m, 'g'), n] as const);
    const count = (text: string, re: RegExp): number => text.match(re)?.length ?? 0;
    const deadline = Date.now() + (step.logs.timeoutMs ?? DEFAULT_WAIT_MS);
    let text = '';
    for (;;) {
      const r = (await (await fetch(`${c.endpoint}/nimbus/v1/functions/${encodeURIComponent(name)}/logs?limit=1000`)).json()) as { events: { text: string }[] };
      text = r.events.map((e) => e.text).join('\n');
      const done = patterns.every((p) => p.test(text)) && times.every(([re, n]) => count(text, re) >= n);
      if (done || Date.now() > deadline) break;
      await sleep(200);
    }
    for (const p of patterns) assert.match(text, p, `${what}: logs of ${name}`);
    for (const [re, n] of times) assert.equal(count(text, re), n, `${what}: times ${re} appears in the logs of ${name}:\n${text.slice(-3000)}`);
    return;
  }
  if ('queue' in step) {
    const name = c.deployed.queues.get(step.queue.name) ?? step.queue.name;
    const deadline = Date.now() + (step.queue.timeoutMs ?? DEFAULT_WAIT_MS);
    let messages: { body: string }[] = [];
    for (;;) {
      const r = await fetch(`${c.endpoint}/nimbus/v1/queues/${encodeURIComponent(name)}/messages?limit=1000`);
      messages = r.status === 200 ? ((await r.json()) as { messages: { body: string }[] }).messages : [];
      if (messages.length >= step.queue.count || Date.now() > deadline) break;
      await sleep(200);
    }
    assert.equal(messages.length, step.queue.count, `${what}: messages in queue ${name}: ${JSON.stringify(messages).slice(0, 2000)}`);
    (step.queue.messages ?? []).forEach((expected, i) => checkJson(messages[i]!.body, { jsonIncludes: expected }, `${what}: message ${i}`));
    return;
  }
  if ('s3Put' in step) {
    const bucket = c.deployed.buckets.get(step.s3Put.bucket) ?? step.s3Put.bucket;
    const file = join(mkdtempSync(join(tmpdir(), 'nimbus-s3put-')), 'body');
    writeFileSync(file, step.s3Put.body);
    await awsCli(c, ['s3', 'cp', file, `s3://${bucket}/${step.s3Put.key}`]);
    rmSync(dirname(file), { recursive: true, force: true });
    return;
  }
  if ('s3Delete' in step) {
    await awsCli(c, ['s3', 'rm', `s3://${c.deployed.buckets.get(step.s3Delete.bucket) ?? step.s3Delete.bucket}/${step.s3Delete.key}`]);
    return;
  }
  if ('sqsSend' in step) {
    const name = c.deployed.queues.get(step.sqsSend.queue) ?? step.sqsSend.queue;
    const { QueueUrl } = JSON.parse(await awsCli(c, ['sqs', 'get-queue-url', '--queue-name', name])) as { QueueUrl: string };
    await awsCli(c, ['sqs', 'send-message', '--queue-url', QueueUrl, '--message-body', step.sqsSend.body, ...(step.sqsSend.groupId ? ['--message-group-id', step.sqsSend.groupId] : [])]);
    return;
  }
  if ('sqsRedrive' in step) {
    const arn = (logicalId: string): string => `arn:aws:sqs:us-east-1:000000000000:${c.deployed.queues.get(logicalId) ?? logicalId}`;
    const sqs = new SQSClient({ endpoint: c.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
    try {
      const source = arn(step.sqsRedrive.source);
      await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: source, ...(step.sqsRedrive.destination ? { DestinationArn: arn(step.sqsRedrive.destination) } : {}) }));
      const deadline = Date.now() + DEFAULT_WAIT_MS;
      for (;;) {
        const task = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: source }))).Results?.[0];
        if (task?.Status === 'COMPLETED') {
          assert.equal(task.ApproximateNumberOfMessagesMoved, step.sqsRedrive.moved, `${what}: messages moved`);
          return;
        }
        assert.ok(Date.now() < deadline && task?.Status === 'RUNNING', `${what}: the move task is ${JSON.stringify(task)}`);
        await sleep(200);
      }
    } finally {
      sqs.destroy();
    }
  }
  if ('snsPublish' in step) {
    // The template's topic by its logical id, else a topic named so.
    const arn = c.deployed.topics.get(step.snsPublish.topic) ?? `arn:aws:sns:us-east-1:000000000000:${step.snsPublish.topic}`;
    await awsCli(c, ['sns', 'publish', '--topic-arn', arn, '--message', step.snsPublish.message, ...(step.snsPublish.subject ? ['--subject', step.snsPublish.subject] : [])]);
    return;
  }
  const entries = step.putEvents.entries.map((e) => ({ ...e, Detail: JSON.stringify(e.Detail) }));
  const out = JSON.parse(await awsCli(c, ['events', 'put-events', '--entries', JSON.stringify(entries)])) as { FailedEntryCount: number };
  assert.equal(out.FailedEntryCount, 0, `${what}: put-events`);
}
