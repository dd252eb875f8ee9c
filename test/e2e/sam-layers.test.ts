/**
 * SAM templates with layers, end to end: `nimbus deploy -t` (the real CLI) publishes an
 * `AWS::Serverless::LayerVersion` and an `AWS::Lambda::LayerVersion`, gives a Node.js and a Python
 * function their ARNs through `!Ref` and Globals, and the functions load the layers' code; a
 * second deployment of unchanged layers publishes nothing new.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { GetFunctionConfigurationCommand, InvokeCommand, ListLayerVersionsCommand } from '@aws-sdk/client-lambda';
import { makeZip, payloadJson, startTestNimbus } from '../helpers/nimbus.js';
import { nimbusCli } from '../helpers/serve.js';
import { execFileSync } from 'node:child_process';
import { buildGuests, checkTool, failIfMissing, needs } from '../runtimes/helpers.js';

const python = checkTool('python3', ['--version']);
const pythonRuntime = python ? 'python3' : `python${execFileSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']).toString().trim()}`;

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 10
    Layers:
      - !Ref CommonLayer
Resources:
  CommonLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      LayerName: common
      ContentUri: common/
      CompatibleRuntimes: [nodejs20.x, ${pythonRuntime}]
  PyLayer:
    Type: AWS::Lambda::LayerVersion
    Properties:
      Content: pylayer.zip
      CompatibleRuntimes: [${pythonRuntime}]
  NodeFunction:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: node-fn
      CodeUri: node-fn/
      Handler: app.handler
      Runtime: nodejs20.x
  PyFunction:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: py-fn
      CodeUri: py-fn/
      Handler: app.handler
      Runtime: ${pythonRuntime}
      Layers:
        - !Ref CommonLayer
        - !Ref PyLayer
Outputs:
  CommonLayerArn:
    Value: !Ref CommonLayer
`;

test('a SAM template deploys its layers and the functions that use them', needs(python), async (t) => {
  failIfMissing(python);
  buildGuests();
  const nimbus = await startTestNimbus(t);
  const { lambda } = nimbus;
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-sam-layers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files: Record<string, string | Buffer> = {
    'template.yaml': TEMPLATE,
    'common/nodejs/node_modules/greeter/index.js': 'module.exports = (n) => `hello ${n} from a layer`;',
    'common/python/common_util.py': 'def greet(n):\n    return "hi " + n\n',
    'pylayer.zip': await makeZip({ 'python/pyonly.py': 'VALUE = 42\n' }),
    'node-fn/app.js': "const greet = require('greeter'); exports.handler = async (e) => greet(e.name);",
    'py-fn/app.py': 'import common_util, pyonly\n\ndef handler(event, context):\n    return {"greeting": common_util.greet(event["name"]), "value": pyonly.VALUE}\n',
  };
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
  const deploy = () => nimbusCli(['--endpoint', nimbus.url, 'deploy', '-t', join(dir, 'template.yaml'), '--stack-name', 'layers-app']);
  const invoke = async (name: string, payload: unknown) => {
    const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)) }));
    assert.equal(r.FunctionError, undefined, JSON.stringify(payloadJson(r.Payload)));
    return payloadJson(r.Payload);
  };

  const first = await deploy();
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /CommonLayer: layer arn:aws:lambda:us-east-1:000000000000:layer:common:1\n/);
  // Without a LayerName, the layer is named like the stack's other resources.
  const pyLayer = /PyLayer: layer (arn:aws:lambda:us-east-1:000000000000:layer:layers-app-PyLayer-[A-Za-z0-9]{12}:1)\n/.exec(first.stdout)?.[1];
  assert.ok(pyLayer, first.stdout);
  assert.match(first.stdout, /CommonLayerArn: arn:aws:lambda:us-east-1:000000000000:layer:common:1/);
  assert.doesNotMatch(first.stderr, /LayerVersion.*not supported/);
  const cfg = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'py-fn' }));
  assert.deepEqual(cfg.Layers?.map((l) => l.Arn), ['arn:aws:lambda:us-east-1:000000000000:layer:common:1', pyLayer]);
  assert.equal(await invoke('node-fn', { name: 'sam' }), 'hello sam from a layer');
  assert.deepEqual(await invoke('py-fn', { name: 'sam' }), { greeting: 'hi sam', value: 42 });

  // Deployed again unchanged: the layers' newest versions are reused, as CloudFormation keeps them.
  const second = await deploy();
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /CommonLayer: layer arn:aws:lambda:us-east-1:000000000000:layer:common:1 \(unchanged\)/);
  assert.deepEqual((await lambda.send(new ListLayerVersionsCommand({ LayerName: 'common' }))).LayerVersions?.map((v) => v.Version), [1]);

  // A changed layer gets a new version, and the functions move to it.
  writeFileSync(join(dir, 'common/nodejs/node_modules/greeter/index.js'), 'module.exports = (n) => `hello ${n} from version 2`;');
  const third = await deploy();
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stdout, /CommonLayer: layer arn:aws:lambda:us-east-1:000000000000:layer:common:2\n/);
  assert.equal(await invoke('node-fn', { name: 'sam' }), 'hello sam from version 2');
});
