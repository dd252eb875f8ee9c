/**
 * Tenant isolation mode (docs/reference/tenant-isolation.md): TenancyConfig at create, the tenant
 * id every invoke of such a function must carry (and no other function may), sandboxes that only
 * ever serve one tenant, and the tenant in the Node.js, Python and Java contexts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  InvokeWithResponseStreamCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { invocationLog, logRecords } from '../helpers/logs.js';
import { javaZip } from '../helpers/java.js';
import { deployNode, makeZip, payloadJson, ROLE, startTestNimbus } from '../helpers/nimbus.js';
import { checkTool, needs } from '../runtimes/helpers.js';

const PER_TENANT = { TenancyConfig: { TenantIsolationMode: 'PER_TENANT' as const } };

const NODE = `
const sandbox = require('node:crypto').randomUUID();
let count = 0;
exports.handler = async (event, context) => {
  console.log('serving', context.tenantId);
  return { tenant: context.tenantId, sandbox, count: ++count };
};
exports.stream = awslambda.streamifyResponse(async (event, stream, context) => {
  stream.end('tenant ' + context.tenantId);
});`;

const JAVA = `package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;

public class Tenant implements RequestHandler<Map<String, Object>, String> {
    @Override
    public String handleRequest(Map<String, Object> input, Context context) {
        return "java tenant " + context.getTenantId();
    }
}
`;

async function invoke(lambda: LambdaClient, name: string, tenant?: string): Promise<Record<string, unknown>> {
  const out = await lambda.send(new InvokeCommand({ FunctionName: name, ...(tenant === undefined ? {} : { TenantId: tenant }) }));
  assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? new Uint8Array()).toString());
  return payloadJson(out.Payload) as Record<string, unknown>;
}

test('tenant isolation mode', async (t) => {
  const nimbus = await startTestNimbus(t, { isolation: 'process' });
  const { lambda } = nimbus;
  await deployNode(lambda, 'saas', { 'index.js': NODE }, { ...PER_TENANT, LoggingConfig: { LogFormat: 'JSON' } });
  await deployNode(lambda, 'shared', { 'index.js': NODE });

  await t.test('TenancyConfig is taken at create and shown in the configuration', async () => {
    const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'saas' }));
    assert.deepEqual(c.TenancyConfig, { TenantIsolationMode: 'PER_TENANT' });
    assert.equal((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'shared' }))).TenancyConfig, undefined);
    await assert.rejects(deployNode(lambda, 'bad1', { 'index.js': NODE }, { TenancyConfig: {} }), {
      name: 'ValidationException',
      message: "1 validation error detected: Value null at 'tenancyConfig.tenantIsolationMode' failed to satisfy constraint: Member must not be null",
    });
    await assert.rejects(deployNode(lambda, 'bad2', { 'index.js': NODE }, { TenancyConfig: { TenantIsolationMode: 'SHARED' } }), {
      name: 'ValidationException',
      message: "1 validation error detected: Value 'SHARED' at 'tenancyConfig.tenantIsolationMode' failed to satisfy constraint: Member must satisfy enum value set: [PER_TENANT]",
    });
  });

  await t.test('a tenant-isolated function needs a tenant id, and no other function takes one', async () => {
    await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'saas' })), {
      name: 'InvalidParameterValueException',
      message: 'The function arn:aws:lambda:us-east-1:000000000000:function:saas has tenant isolation mode enabled: invoke it with a tenant id (X-Amz-Tenant-Id).',
    });
    await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'shared', TenantId: 'blue' })), {
      name: 'InvalidParameterValueException',
      message: 'The function arn:aws:lambda:us-east-1:000000000000:function:shared does not have tenant isolation mode enabled: invoke it without a tenant id (X-Amz-Tenant-Id).',
    });
    await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'saas', TenantId: 'no<angle>' })), { name: 'ValidationException' });
    await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'saas', InvocationType: 'Event' })), {
      name: 'InvalidParameterValueException',
      message: /has tenant isolation mode enabled: invoke it with a tenant id/,
    });
    await assert.rejects(lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'saas', AuthType: 'NONE' })), {
      name: 'InvalidParameterValueException',
      message: 'Function URLs are not supported for functions with tenant isolation mode enabled.',
    });
  });

  await t.test('each tenant has sandboxes of its own, reused only for that tenant', async () => {
    const blue1 = await invoke(lambda, 'saas', 'blue');
    const green = await invoke(lambda, 'saas', 'green');
    const blue2 = await invoke(lambda, 'saas', 'blue');
    assert.equal(blue1['tenant'], 'blue');
    assert.equal(green['tenant'], 'green');
    assert.notEqual(green['sandbox'], blue1['sandbox'], 'green never runs in blue’s environment');
    assert.equal(green['count'], 1);
    assert.equal(blue2['sandbox'], blue1['sandbox'], 'blue’s warm environment is reused for blue');
    assert.equal(blue2['count'], 2);
    const shared = await invoke(lambda, 'shared');
    assert.equal(shared['tenant'], undefined);
  });

  await t.test('an Event invoke runs later on its tenant\'s sandboxes, with the tenant in its context', async () => {
    const sync = await invoke(lambda, 'saas', 'violet');
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'saas', TenantId: 'violet', InvocationType: 'Event', Payload: '{"async":true}' }));
    assert.equal(out.StatusCode, 202);
    const { records } = logRecords(await invocationLog(nimbus.url, 'saas', out.$metadata.requestId!, (text) => text.includes('serving')));
    const line = records.find((r) => typeof r['message'] === 'string' && (r['message'] as string).startsWith('serving'))!;
    assert.equal(line['message'], 'serving violet');
    assert.equal(line['tenantId'], 'violet');
    // The same sandbox served the synchronous call before it: the event ran in violet's environment.
    const after = await invoke(lambda, 'saas', 'violet');
    assert.equal(after['sandbox'], sync['sandbox']);
    assert.equal(after['count'], (sync['count'] as number) + 2, 'the Event invoke ran in between, in the same environment');
  });

  await t.test('the tenant is in JSON log records and reaches streamed invocations', async () => {
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'saas', TenantId: 'red' }));
    const { records } = logRecords(await invocationLog(nimbus.url, 'saas', out.$metadata.requestId!));
    const line = records.find((r) => r['message'] === 'serving red')!;
    assert.deepEqual(Object.keys(line), ['timestamp', 'level', 'requestId', 'tenantId', 'message']);
    assert.equal(line['tenantId'], 'red');

    await deployNode(lambda, 'saas-stream', { 'index.js': NODE }, { ...PER_TENANT, Handler: 'index.stream' });
    const s = await lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'saas-stream', TenantId: 'teal' }));
    let body = '';
    for await (const ev of s.EventStream!) if (ev.PayloadChunk?.Payload) body += Buffer.from(ev.PayloadChunk.Payload).toString();
    assert.equal(body, 'tenant teal');
  });

  await t.test('Python sees context.tenant_id', async () => {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'saas-py', Runtime: 'python3.11', Handler: 'app.handler', Role: ROLE, ...PER_TENANT,
        Code: { ZipFile: await makeZip({ 'app.py': 'def handler(event, context):\n    return {"tenant": context.tenant_id}\n' }) },
      }),
    );
    assert.deepEqual(await invoke(lambda, 'saas-py', 'violet'), { tenant: 'violet' });
  });

  const javac = checkTool('javac', ['-version']);
  await t.test('Java sees Context.getTenantId()', needs(javac), async () => {
    const zip = await javaZip('Tenant', JAVA, 'nimbus-java-tenant-');
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'saas-java', Runtime: 'java17', Handler: 'example.Tenant::handleRequest', Role: ROLE, Code: { ZipFile: zip }, Timeout: 30, ...PER_TENANT }));
    assert.equal(await invoke(lambda, 'saas-java', 'amber'), 'java tenant amber');
  });
});
