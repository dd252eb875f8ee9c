/**
 * Lambda's environment inside a function, end to end through a real Nimbus and the AWS SDK:
 * a Node.js function (an ES module, on nodejs24.x) and a Python one call InvokeCommand on another
 * function through the SDK the runtime provides (@aws-sdk/client-lambda from /var/runtime's
 * place, boto3), signed with the credentials Nimbus gave them, at AWS_ENDPOINT_URL_LAMBDA; under
 * namespace isolation that goes through the sandbox's relay while the sandbox has no network.
 * Also: nodejs24.x refuses a callback handler as AWS does, and a runtime whose interpreter is
 * missing is refused at CreateFunction with a message that says how to provide it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CreateFunctionCommand, InvokeCommand, type Runtime } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { builtinRuntimes } from '../../src/runtimes/registry.js';
import { detectNamespaceSupport } from '../../src/sandbox/detect.js';
import { makeZip, payloadJson, ROLE, startTestNimbus } from '../helpers/nimbus.js';

const inCI = process.env['CI'] === 'true';
const catalog = builtinRuntimes();

/** Runtimes these tests need, with their SDKs; under CI=true missing ones fail the tests. */
function needs(...ids: string[]): { skip: string | false } {
  const missing = ids.filter((id) => {
    const a = catalog.get(id)!.availability!(id);
    return !a.ok || !a.sdk;
  });
  return { skip: missing.length && !inCI ? `${missing.join(', ')} or its SDK not installed here (node scripts/provision-test-runtimes.mjs)` : false };
}

const TARGET = `exports.handler = async (event, context) => ({ echoed: event, by: context.functionName });\n`;

const NODE_CALLER = `import { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda';
const lambda = new LambdaClient({});
export const handler = async (event) => {
  const out = await lambda.send(new InvokeCommand({ FunctionName: event.target, Payload: JSON.stringify({ from: 'node' }) }));
  return {
    payload: JSON.parse(Buffer.from(out.Payload).toString()),
    status: out.StatusCode,
    sdk: (await import('@aws-sdk/client-lambda/package.json', { with: { type: 'json' } })).default.version,
    keyId: process.env.AWS_ACCESS_KEY_ID,
    hasToken: Boolean(process.env.AWS_SESSION_TOKEN),
    endpoint: process.env.AWS_ENDPOINT_URL_LAMBDA,
    node: process.version,
  };
};
`;

const PYTHON_CALLER = `import json, os, sys
import boto3

lam = boto3.client("lambda")

def handler(event, context):
    out = lam.invoke(FunctionName=event["target"], Payload=json.dumps({"from": "python"}))
    return {
        "payload": json.loads(out["Payload"].read()),
        "status": out["StatusCode"],
        "boto3": boto3.__version__,
        "boto3_path": boto3.__file__,
        "keyId": os.environ.get("AWS_ACCESS_KEY_ID"),
        "python": ".".join(map(str, sys.version_info[:3])),
    }
`;

// The JS SDK's SQS client sends to the queue URL's own host (useQueueUrlAsEndpoint), so a
// function that reads a queue URL Nimbus handed out must reach Nimbus at that address.
const NODE_SQS_SENDER = `import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
const sqs = new SQSClient({});
export const handler = async (event) => {
  const out = await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: event.body }));
  return { messageId: out.MessageId };
};
`;

const CALLBACK_HANDLER = `exports.handler = (event, context, callback) => { callback(null, 'old style'); };\n`;

function isolations(): ('process' | 'namespace')[] {
  const ns = detectNamespaceSupport('0000test0000').ok || inCI;
  return ns ? ['process', 'namespace'] : ['process'];
}

for (const isolation of isolations()) {
  describe(`function environment under ${isolation} isolation`, () => {
    it('a Node.js function invokes another function through the bundled SDK (ES module import, nodejs24.x)', needs('nodejs24.x', 'nodejs20.x'), async (t) => {
      const nimbus = await startTestNimbus(t, { isolation });
      const create = async (name: string, runtime: string, handler: string, files: Record<string, string>): Promise<void> => {
        await nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: runtime as Runtime, Handler: handler, Role: ROLE, Code: { ZipFile: await makeZip(files) } }));
      };
      await create('target', 'nodejs20.x', 'index.handler', { 'index.js': TARGET });
      await create('caller', 'nodejs24.x', 'index.handler', { 'index.mjs': NODE_CALLER });
      const out = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'caller', Payload: JSON.stringify({ target: 'target' }) }));
      const body = payloadJson(out.Payload) as Record<string, unknown>;
      assert.equal(out.FunctionError, undefined, JSON.stringify(body));
      assert.deepEqual(body['payload'], { echoed: { from: 'node' }, by: 'target' });
      assert.equal(body['status'], 200);
      assert.equal(body['sdk'], '3.1164.0');
      assert.match(String(body['keyId']), /^ASIA[A-Z2-7]{16}$/);
      assert.equal(body['hasToken'], true);
      assert.match(String(body['node']), /^v24\./);
      assert.equal(body['endpoint'], isolation === 'namespace' ? 'http://127.0.0.1:9002' : `http://127.0.0.1:${nimbus.port}`);
    });

    it('a Python function invokes another function with the bundled boto3', needs('python3.13', 'nodejs20.x'), async (t) => {
      const nimbus = await startTestNimbus(t, { isolation });
      await nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: 'target', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await makeZip({ 'index.js': TARGET }) } }));
      await nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: 'pycaller', Runtime: 'python3.13', Handler: 'app.handler', Role: ROLE, Code: { ZipFile: await makeZip({ 'app.py': PYTHON_CALLER }) } }));
      const out = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'pycaller', Payload: JSON.stringify({ target: 'target' }) }));
      const body = payloadJson(out.Payload) as Record<string, unknown>;
      assert.equal(out.FunctionError, undefined, JSON.stringify(body));
      assert.deepEqual(body['payload'], { echoed: { from: 'python' }, by: 'target' });
      assert.equal(body['status'], 200);
      assert.equal(body['boto3'], '1.44.8');
      assert.match(String(body['boto3_path']), /\/boto3-1\.44\.8\/boto3\/__init__\.py$/);
      assert.match(String(body['python']), /^3\.13\./);
      assert.match(String(body['keyId']), /^ASIA/);
    });

    it("a Node.js function's SQS client reaches the queue URL Nimbus handed out", needs('nodejs22.x'), async (t) => {
      const nimbus = await startTestNimbus(t, { isolation });
      const sqs = new SQSClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'inbox' }));
      assert.equal(QueueUrl, `http://127.0.0.1:${nimbus.port}/000000000000/inbox`);
      await nimbus.lambda.send(new CreateFunctionCommand({
        FunctionName: 'sender', Runtime: 'nodejs22.x', Handler: 'index.handler', Role: ROLE,
        Code: { ZipFile: await makeZip({ 'index.mjs': NODE_SQS_SENDER }) }, Environment: { Variables: { QUEUE_URL: QueueUrl! } },
      }));
      const out = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'sender', Payload: JSON.stringify({ body: 'from inside' }) }));
      const body = payloadJson(out.Payload) as Record<string, unknown>;
      assert.equal(out.FunctionError, undefined, JSON.stringify(body));
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      assert.equal(got.Messages?.[0]?.Body, 'from inside');
      assert.equal(got.Messages?.[0]?.MessageId, body['messageId']);
    });

    it("a function's own SDK wins over the runtime's", needs('python3.13'), async (t) => {
      const nimbus = await startTestNimbus(t, { isolation });
      const code = await makeZip({
        'app.py': 'import boto3\n\ndef handler(event, context):\n    return boto3.__version__\n',
        'boto3/__init__.py': '__version__ = "bundled-by-the-function"\n',
      });
      await nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: 'own', Runtime: 'python3.13', Handler: 'app.handler', Role: ROLE, Code: { ZipFile: code } }));
      const out = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'own' }));
      assert.equal(payloadJson(out.Payload), 'bundled-by-the-function');
    });
  });
}

describe('runtime rules at the API', () => {
  it('nodejs24.x refuses a callback handler at init, as AWS does; nodejs20.x still runs it', needs('nodejs24.x'), async (t) => {
    const nimbus = await startTestNimbus(t, { isolation: 'process' });
    for (const runtime of ['nodejs24.x', 'nodejs20.x']) {
      const name = `cb-${runtime.replace('.', '-')}`;
      await nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: runtime as Runtime, Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await makeZip({ 'index.js': CALLBACK_HANDLER }) } }));
    }
    const old = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'cb-nodejs20-x' }));
    assert.equal(payloadJson(old.Payload), 'old style');
    const refused = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'cb-nodejs24-x' }));
    assert.equal(refused.FunctionError, 'Unhandled');
    const body = payloadJson(refused.Payload) as { errorType: string; errorMessage: string };
    assert.equal(body.errorType, 'Runtime.CallbackHandlerDeprecated');
    assert.equal(
      body.errorMessage,
      'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.',
    );
  });

  it('CreateFunction refuses a runtime whose exact interpreter is not here, saying how to provide it', async (t) => {
    const missing = ['python3.14', 'java8.al2', 'nodejs18.x'].find((id) => !catalog.get(id)!.availability!(id).ok);
    if (!missing) return t.skip('every candidate runtime is available on this machine');
    const nimbus = await startTestNimbus(t, { isolation: 'process' });
    await assert.rejects(
      nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: 'nope', Runtime: missing as Runtime, Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await makeZip({ 'index.js': TARGET }) } })),
      (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'InvalidParameterValueException');
        assert.equal(e.$metadata?.httpStatusCode, 400);
        assert.match(e.message, new RegExp(`^The runtime ${missing.replace('.', '\\.')} is not available on this Nimbus: .*To provide it, .*nimbus runtimes (install|add) ${missing.replace('.', '\\.')}`));
        return true;
      },
    );
  });
});

describe('ES module handlers import the runtime SDK on every Node.js runtime', () => {
  for (const runtime of ['nodejs20.x', 'nodejs22.x', 'nodejs24.x']) {
    it(`${runtime}: import { LambdaClient } from '@aws-sdk/client-lambda' in index.mjs`, needs(runtime), async (t) => {
      const nimbus = await startTestNimbus(t, { isolation: 'process' });
      const code = await makeZip({
        'index.mjs': "import { LambdaClient } from '@aws-sdk/client-lambda';\nimport { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';\nexport const handler = async () => [typeof LambdaClient, typeof DynamoDBDocumentClient, process.version];\n",
      });
      await nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: 'esm', Runtime: runtime as Runtime, Handler: 'index.handler', Role: ROLE, Code: { ZipFile: code } }));
      const out = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'esm' }));
      const body = payloadJson(out.Payload) as unknown[];
      assert.equal(out.FunctionError, undefined, JSON.stringify(body));
      assert.deepEqual(body.slice(0, 2), ['function', 'function']);
      assert.match(String(body[2]), new RegExp(`^v${runtime.slice(6, 8)}\\.`));
    });
  }
});
