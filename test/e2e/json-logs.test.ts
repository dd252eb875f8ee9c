/**
 * LoggingConfig `LogFormat: JSON`: each runtime's application records and the platform's records,
 * field by field, with the levels filtering them. Every expected shape cites where it comes from in
 * docs/reference/lambda-logging.md (AWS's runtime interface clients for the runtimes' records, the
 * Developer Guide and the Telemetry API schema for the platform's). Text stays as it was.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  UpdateFunctionConfigurationCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { invocationLog, logRecords } from '../helpers/logs.js';
import { javaZip } from '../helpers/java.js';
import { deployNode, makeZip, ROLE, startTestNimbus } from '../helpers/nimbus.js';
import { checkTool, needs } from '../runtimes/helpers.js';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const NODE = `
exports.handler = async (event) => {
  console.log('hello', 42);
  console.info({ nested: { ok: true } });
  console.debug('a debug line');
  console.trace('a trace line');
  console.warn('warned', new RangeError('out of range'));
  console.error(new TypeError('bad type'));
  if (event.fail) throw new Error('handler failed');
  return 'done';
};`;

const PYTHON = `
import logging
log = logging.getLogger()
log.setLevel(logging.DEBUG)
def handler(event, context):
    log.info("info %s", "formatted", extra={"orderId": 7})
    log.debug("a debug line")
    try:
        {}["missing"]
    except KeyError:
        log.exception("caught")
    print('{"level": "DEBUG", "message": "a JSON line the function printed"}')
    print("a plain line")
    if event.get("fail"):
        raise ValueError("python failed")
    return "ok"
`;

const JAVA = `package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import java.util.Map;

public class Logs implements RequestHandler<Map<String, Object>, String> {
    @Override
    public String handleRequest(Map<String, Object> input, Context context) {
        context.getLogger().log("no level");
        context.getLogger().log("an info line", LogLevel.INFO);
        context.getLogger().log("a debug line", LogLevel.DEBUG);
        context.getLogger().log("an error line", LogLevel.ERROR);
        return "ok";
    }
}
`;

type Rec = Record<string, unknown>;

async function run(lambda: LambdaClient, url: string, name: string, payload: unknown = {}): Promise<{ records: Rec[]; other: string[]; requestId: string }> {
  const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)) }));
  const requestId = out.$metadata.requestId!;
  return { ...logRecords(await invocationLog(url, name, requestId)), requestId };
}

const platform = (records: Rec[], type: string) => records.filter((r) => r['type'] === type);
const app = (records: Rec[]) => records.filter((r) => !('type' in r && 'record' in r));

test('JSON logs', async (t) => {
  const nimbus = await startTestNimbus(t, { isolation: 'process' });
  const { lambda, url } = nimbus;
  const json = (extra: Record<string, string> = {}) => ({ LoggingConfig: { LogFormat: 'JSON' as const, ...extra } });

  await t.test('LoggingConfig: levels default to INFO with JSON, are refused with Text, dropped when Text returns', async () => {
    await deployNode(lambda, 'cfg', { 'index.js': NODE }, json());
    const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'cfg' }));
    assert.deepEqual(c.LoggingConfig, { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO', LogGroup: '/aws/lambda/cfg' });
    const text = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'cfg', LoggingConfig: { LogFormat: 'Text' } }));
    assert.deepEqual(text.LoggingConfig, { LogFormat: 'Text', LogGroup: '/aws/lambda/cfg' });
    await assert.rejects(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'cfg', LoggingConfig: { ApplicationLogLevel: 'DEBUG' } })), {
      name: 'InvalidParameterValueException',
      message: 'ApplicationLogLevel and SystemLogLevel can be set only when LogFormat is JSON.',
    });
    await assert.rejects(
      lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'cfg', LoggingConfig: { LogFormat: 'JSON', SystemLogLevel: 'TRACE' as 'DEBUG' } })),
      { name: 'ValidationException', message: "1 validation error detected: Value 'TRACE' at 'loggingConfig.systemLogLevel' failed to satisfy constraint: Member must satisfy enum value set: [DEBUG, INFO, WARN]" },
    );
  });

  await t.test('Node.js: console records and the platform records (lambda-logging.md §2.1, §3, §4)', async () => {
    await deployNode(lambda, 'node-json', { 'index.js': NODE }, json());
    const { records, other, requestId } = await run(lambda, url, 'node-json');
    assert.deepEqual(other, [], 'every line is JSON');
    // §3: the cold start's initStart, then start, then report; runtimeDone only at DEBUG (§4).
    assert.deepEqual(records.filter((r) => 'type' in r).map((r) => r['type']), ['platform.initStart', 'platform.start', 'platform.report']);
    const [initStart] = platform(records, 'platform.initStart');
    assert.match(String(initStart!['time']), ISO_MS);
    assert.deepEqual(Object.keys(initStart!['record'] as Rec), ['initializationType', 'phase', 'runtimeVersion', 'runtimeVersionArn', 'functionName', 'functionVersion']);
    assert.deepEqual({ ...(initStart!['record'] as Rec), runtimeVersion: 0, runtimeVersionArn: 0 }, {
      initializationType: 'on-demand', phase: 'init', runtimeVersion: 0, runtimeVersionArn: 0, functionName: 'node-json', functionVersion: '$LATEST',
    });
    assert.deepEqual(platform(records, 'platform.start')[0]!['record'], { requestId, version: '$LATEST' });
    const report = platform(records, 'platform.report')[0]!['record'] as Rec;
    assert.deepEqual(Object.keys(report), ['requestId', 'metrics', 'status']);
    assert.equal(report['requestId'], requestId);
    assert.equal(report['status'], 'success');
    assert.deepEqual(Object.keys(report['metrics'] as Rec), ['durationMs', 'billedDurationMs', 'memorySizeMB', 'maxMemoryUsedMB', 'initDurationMs']);
    assert.equal((report['metrics'] as Rec)['memorySizeMB'], 128);

    // §2.1: {timestamp, level, requestId, message}; INFO by default, so no debug or trace lines.
    const lines = app(records);
    assert.deepEqual(lines.map((r) => r['level']), ['INFO', 'INFO', 'WARN', 'ERROR']);
    for (const r of lines) {
      assert.match(String(r['timestamp']), ISO_MS);
      assert.equal(r['requestId'], requestId);
    }
    assert.deepEqual(Object.keys(lines[0]!), ['timestamp', 'level', 'requestId', 'message']);
    assert.equal(lines[0]!['message'], 'hello 42');
    assert.deepEqual(lines[1]!['message'], { nested: { ok: true } }, 'one argument is the message as it is');
    // Several arguments: util.format, and the first Error's fields at the top level.
    assert.deepEqual(Object.keys(lines[2]!), ['timestamp', 'level', 'requestId', 'message', 'errorType', 'errorMessage', 'stackTrace']);
    assert.equal(lines[2]!['errorType'], 'RangeError');
    assert.equal(lines[2]!['errorMessage'], 'out of range');
    assert.match(String(lines[2]!['message']), /^warned RangeError: out of range\n/);
    // One Error: the message is {errorType, errorMessage, stackTrace}.
    const err = lines[3]!['message'] as Rec;
    assert.deepEqual(Object.keys(err), ['errorType', 'errorMessage', 'stackTrace']);
    assert.equal(err['errorType'], 'TypeError');
    assert.ok(Array.isArray(err['stackTrace']));
  });

  await t.test('Node.js: a failed invocation logs the error as a record and reports status error', async () => {
    await deployNode(lambda, 'node-fail', { 'index.js': NODE }, json({ SystemLogLevel: 'DEBUG' }));
    const { records, requestId } = await run(lambda, url, 'node-fail', { fail: true });
    const last = app(records).at(-1)!;
    assert.equal(last['level'], 'ERROR');
    assert.deepEqual((last['message'] as Rec)['errorMessage'], 'handler failed');
    // §4: DEBUG adds platform.runtimeDone before the report.
    const done = platform(records, 'platform.runtimeDone')[0]!['record'] as Rec;
    assert.deepEqual(Object.keys(done), ['requestId', 'status', 'errorType', 'metrics']);
    assert.deepEqual({ ...done, metrics: Object.keys(done['metrics'] as Rec) }, { requestId, status: 'error', errorType: 'Error', metrics: ['durationMs', 'producedBytes'] });
    const report = platform(records, 'platform.report')[0]!['record'] as Rec;
    assert.equal(report['status'], 'error');
    assert.equal(report['errorType'], 'Error');
  });

  await t.test('ApplicationLogLevel and SystemLogLevel filter (lambda-logging.md §1, §4)', async () => {
    await deployNode(lambda, 'node-levels', { 'index.js': NODE }, json({ ApplicationLogLevel: 'TRACE', SystemLogLevel: 'WARN' }));
    const verbose = await run(lambda, url, 'node-levels');
    assert.deepEqual(verbose.records.filter((r) => 'type' in r), [], 'SystemLogLevel WARN sends no start or report');
    assert.deepEqual(app(verbose.records).map((r) => r['level']), ['INFO', 'INFO', 'DEBUG', 'TRACE', 'WARN', 'ERROR']);
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'node-levels', LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'ERROR', SystemLogLevel: 'INFO' } }));
    const quiet = await run(lambda, url, 'node-levels');
    assert.deepEqual(app(quiet.records).map((r) => r['level']), ['ERROR']);
    assert.deepEqual(quiet.records.filter((r) => 'type' in r).map((r) => r['type']), ['platform.initStart', 'platform.start', 'platform.report']);
  });

  await t.test('Text stays as it was: START, tab-separated console lines, END, REPORT', async () => {
    await deployNode(lambda, 'node-text', { 'index.js': NODE });
    const { records, other, requestId } = await run(lambda, url, 'node-text');
    assert.deepEqual(records, []);
    assert.equal(other.find((l) => l.startsWith('START')), `START RequestId: ${requestId} Version: $LATEST`);
    assert.ok(other.some((l) => new RegExp(`^\\S+Z\\t${requestId}\\tINFO\\thello 42$`).test(l)));
    assert.ok(other.some((l) => l.startsWith(`END RequestId: ${requestId}`)));
    assert.ok(other.some((l) => l.startsWith(`REPORT RequestId: ${requestId}\tDuration: `)));
  });

  await t.test('Python: logging records, the error record, and platform filtering of printed JSON (§2.2, §5)', async () => {
    await lambda.send(
      new CreateFunctionCommand({ FunctionName: 'py-json', Runtime: 'python3.11', Handler: 'app.handler', Role: ROLE, Code: { ZipFile: await makeZip({ 'app.py': PYTHON }) }, ...json() }),
    );
    const { records, other, requestId } = await run(lambda, url, 'py-json', { fail: true });
    // §5: the printed plain line counts as INFO and stays; the printed DEBUG JSON line is dropped.
    assert.deepEqual(other, ['a plain line']);
    const lines = app(records);
    assert.deepEqual(lines.map((r) => r['level'] ?? r['log_level']), ['INFO', 'ERROR', 'ERROR']);
    assert.deepEqual(lines[0], {
      timestamp: lines[0]!['timestamp'],
      level: 'INFO',
      message: 'info formatted',
      logger: 'root',
      requestId,
      orderId: 7,
    });
    assert.match(String(lines[0]!['timestamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(Object.keys(lines[1]!), ['timestamp', 'level', 'message', 'logger', 'stackTrace', 'errorType', 'errorMessage', 'requestId', 'location']);
    assert.equal(lines[1]!['errorType'], 'KeyError');
    assert.match(String(lines[1]!['location']), /app\.py:handler:\d+$/);
    // The unhandled error: {timestamp, log_level, errorMessage, errorType, requestId, stackTrace}.
    assert.deepEqual(Object.keys(lines[2]!), ['timestamp', 'log_level', 'errorMessage', 'errorType', 'requestId', 'stackTrace']);
    assert.equal(lines[2]!['errorMessage'], 'python failed');
    assert.equal(platform(records, 'platform.report')[0]!['record'] && (platform(records, 'platform.report')[0]!['record'] as Rec)['status'], 'error');
  });

  const javac = checkTool('javac', ['-version']);
  await t.test('Java: LambdaLogger records (§2.3)', needs(javac), async () => {
    const zip = await javaZip('Logs', JAVA, 'nimbus-java-logs-');
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'java-json', Runtime: 'java17', Handler: 'example.Logs::handleRequest', Role: ROLE, Code: { ZipFile: zip }, Timeout: 30, ...json() }));
    const { records, requestId } = await run(lambda, url, 'java-json');
    const lines = app(records);
    // INFO filters the DEBUG line; a level-less message is UNDEFINED and never filtered.
    assert.deepEqual(lines.map((r) => r['level']), ['UNDEFINED', 'INFO', 'ERROR']);
    assert.deepEqual(Object.keys(lines[1]!), ['timestamp', 'message', 'level', 'AWSRequestId']);
    assert.deepEqual({ ...lines[1], timestamp: 0 }, { timestamp: 0, message: 'an info line', level: 'INFO', AWSRequestId: requestId });
    assert.match(String(lines[1]!['timestamp']), ISO_MS);
  });
});
