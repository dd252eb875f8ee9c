/**
 * Stem cells as a user of the API sees them: a new function's first call runs in a pre-started
 * cell with exactly its own code and settings, and a new version of the same function gets a new
 * cell (a cell never carries one version's code into another). The sandbox-level checks are
 * test/sandbox/stem-cells.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvokeCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionUpdatedV2 } from '@aws-sdk/client-lambda';
import { deployNode, makeZip, payloadJson, startTestNimbus } from '../helpers/nimbus.js';
import { stemCellFactory } from '../helpers/stem-cells.js';

/** Reports its code, environment, memory limit and whether /var/task is a stem cell's (code mounted over the cell's own). */
const probe = (tag: string): string => `const fs = require('fs');
exports.handler = async () => ({
  tag: ${JSON.stringify(tag)},
  stem: fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\\n').filter((l) => l.split(' ')[4] === '/var/task').length > 1,
  task: fs.readdirSync('/var/task').sort(),
  name: process.env.AWS_LAMBDA_FUNCTION_NAME,
  memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  own: process.env.OWN ?? null,
  stemVariable: process.env.NIMBUS_STEM_CELL ?? null,
});`;

type Seen = { tag: string; stem: boolean; task: string[]; name: string; memory: string; own: string | null; stemVariable: string | null };

test('a new function’s first call runs in a stem cell, with its own code and settings only', async (t) => {
  const factory = stemCellFactory(t, 'nimbus-stem-e2e-');
  if (!factory) return;
  const nimbus = await startTestNimbus(t, { sandboxFactory: factory });
  const call = async (name: string): Promise<Seen> => {
    const r = await nimbus.lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') }));
    assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload ?? []).toString());
    return payloadJson(r.Payload) as Seen;
  };

  assert.equal(await factory.stemCellsReady(30_000), true);
  await deployNode(nimbus.lambda, 'stem-first', { 'index.js': probe('v1'), 'extra.txt': 'x' }, { MemorySize: 256, Environment: { Variables: { OWN: 'mine' } } });
  const first = await call('stem-first');
  assert.deepEqual(first, { tag: 'v1', stem: true, task: ['extra.txt', 'index.js'], name: 'stem-first', memory: '256', own: 'mine', stemVariable: null });

  // New code: the next call is a cold start in a new cell, which holds the new code only.
  assert.equal(await factory.stemCellsReady(30_000), true, 'the pool refilled');
  await nimbus.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'stem-first', ZipFile: await makeZip({ 'index.js': probe('v2') }) }));
  await waitUntilFunctionUpdatedV2({ client: nimbus.lambda, maxWaitTime: 30 }, { FunctionName: 'stem-first' });
  const second = await call('stem-first');
  assert.deepEqual({ tag: second.tag, stem: second.stem, task: second.task }, { tag: 'v2', stem: true, task: ['index.js'] });

  // A function whose settings a running process cannot take starts normally, and works.
  assert.equal(await factory.stemCellsReady(30_000), true);
  await nimbus.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'stem-first', Environment: { Variables: { NODE_OPTIONS: '--no-warnings' } } }));
  await waitUntilFunctionUpdatedV2({ client: nimbus.lambda, maxWaitTime: 30 }, { FunctionName: 'stem-first' });
  const normal = await call('stem-first');
  assert.deepEqual({ tag: normal.tag, stem: normal.stem, own: normal.own }, { tag: 'v2', stem: false, own: null });
});
