/**
 * A function with layers takes a namespace stem cell like any other: the cell's own /opt mount
 * point (empty while it waits) gets the function's merged layers, read-only, at assignment, and a
 * function without layers finds it empty.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvokeCommand, PublishLayerVersionCommand } from '@aws-sdk/client-lambda';
import { deployNode, makeZip, payloadJson, startTestNimbus } from '../helpers/nimbus.js';
import { stemCellFactory } from '../helpers/stem-cells.js';

/** Reports whether /var/task and /opt are mounts over a stem cell's own, what /opt holds, and a layer's module. */
const probe = `const fs = require('fs');
const mounts = (p) => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\\n').filter((l) => l.split(' ')[4] === p).length;
exports.handler = async () => {
  let greeting = null;
  try { greeting = require('greeting')(); } catch {}
  let write = 'written';
  try { fs.writeFileSync('/opt/x', 'x'); } catch (e) { write = e.code; }
  return { stem: mounts('/var/task') > 1, optMounts: mounts('/opt'), opt: fs.readdirSync('/opt'), greeting, write };
};`;

type Seen = { stem: boolean; optMounts: number; opt: string[]; greeting: string | null; write: string };

test('functions with layers start in stem cells, whose /opt gets their layers', async (t) => {
  const factory = stemCellFactory(t, 'nimbus-stem-layers-');
  if (!factory) return;
  const { lambda } = await startTestNimbus(t, { sandboxFactory: factory });
  const call = async (name: string): Promise<Seen> => {
    const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') }));
    assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload ?? []).toString());
    return payloadJson(r.Payload) as Seen;
  };
  const layer = await lambda.send(
    new PublishLayerVersionCommand({ LayerName: 'greeting', Content: { ZipFile: await makeZip({ 'nodejs/node_modules/greeting/index.js': "module.exports = () => 'hello from the layer';" }) } }),
  );

  assert.equal(await factory.stemCellsReady(30_000), true);
  await deployNode(lambda, 'with-layer', { 'index.js': probe }, { Layers: [layer.LayerVersionArn!] });
  const withLayer = await call('with-layer');
  assert.equal(withLayer.stem, true, 'ran in a stem cell');
  assert.equal(withLayer.greeting, 'hello from the layer');
  assert.deepEqual(withLayer.opt, ['nodejs']);
  assert.ok(withLayer.optMounts > 1, 'the layers are mounted over the cell’s own /opt');
  assert.equal(withLayer.write, 'EROFS');

  assert.equal(await factory.stemCellsReady(30_000), true, 'the pool refilled');
  await deployNode(lambda, 'without', { 'index.js': probe });
  const without = await call('without');
  assert.deepEqual({ stem: without.stem, opt: without.opt, greeting: without.greeting }, { stem: true, opt: [], greeting: null });
});
