/**
 * EventBridge target input: `Input`, `InputPath` and input transformers, from the user guide's
 * "Amazon EventBridge input transformation" (IT) examples and the deliveries LocalStack recorded
 * from AWS for its validated input-transformer tests (AWS).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateJsonPath, parseJsonPath } from '../../src/events/json-path.js';
import { parseJsonValue } from '../../src/events/json.js';
import { renderTargetInput, validateTargetInput, type TargetInputConfig, type TransformContext } from '../../src/events/transform.js';

const ec2 = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2015-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  detail: { 'instance-id': 'i-0123456789', state: 'RUNNING' },
};
const ctx: TransformContext = { ruleArn: 'arn:aws:events:us-east-2:123456789012:rule/example', ruleName: 'example', ingestionTime: '2015-11-11T21:29:55Z' };
const paths = { timestamp: '$.time', instance: '$.detail.instance-id', state: '$.detail.state', resource: '$.resources[0]' };

function render(config: TargetInputConfig, event: unknown = ec2): string {
  const r = renderTargetInput(config, event, ctx);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.payload;
}
const transform = (InputTemplate: string, InputPathsMap: Record<string, string> = paths, event: unknown = ec2): string => render({ InputTransformer: { InputPathsMap, InputTemplate } }, event);

test('IT examples: string templates, escaped quotes, JSON, mixed static values, reserved variables', () => {
  assert.equal(transform('"instance <instance> is in <state>"'), '"instance i-0123456789 is in RUNNING"');
  assert.equal(transform('"instance \\"<instance>\\" is in <state>"'), '"instance \\"i-0123456789\\" is in RUNNING"');
  assert.equal(transform('{\n  "instance" : <instance>,\n  "state": <state>\n}'), '{"instance":"i-0123456789","state":"RUNNING"}');
  assert.equal(
    transform('{\n "instance" : <instance>,\n "state": "<state>",\n "instanceStatus": "instance \\"<instance>\\" is in <state>"\n}'),
    '{"instance":"i-0123456789","state":"RUNNING","instanceStatus":"instance \\"i-0123456789\\" is in RUNNING"}',
  );
  assert.equal(transform('{\n  "instance" : <instance>,\n  "state": [ 9, <state>, true ],\n  "Transformed" : "Yes"\n}'), '{"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"}');
  assert.equal(transform('"<aws.events.rule-name> triggered"'), '"example triggered"');
  assert.equal(transform('{"resource": <resource>}'), '{"resource":"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"}', 'array indices');
  const reserved = JSON.parse(transform('{"instance": <instance>, "ruleArn": <aws.events.rule-arn>, "ruleName": <aws.events.rule-name>, "originalEvent": <aws.events.event.json>}')) as Record<string, unknown>;
  assert.deepEqual(reserved, { instance: 'i-0123456789', ruleArn: ctx.ruleArn, ruleName: 'example', originalEvent: ec2 });
});

test('AWS: <aws.events.event> is the event without detail, with detail-type spelled detailType', () => {
  const out = JSON.parse(transform('{"originalEvent": <aws.events.event>, "originalEventJson": <aws.events.event.json>}', {})) as { originalEvent: Record<string, unknown> };
  const { detail: _detail, 'detail-type': detailType, ...rest } = ec2;
  assert.deepEqual(out.originalEvent, { ...rest, detailType });
  assert.equal(transform('"Message containing <aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>"', {}), `"Message containing ${ctx.ruleArn} example ${ctx.ingestionTime}"`);
});

const detail = { command: 'update-account', payload: { acc_id: '0a787ecb-4015', sf_id: 'baz' }, listsingle: ['HIGH'], listmulti: ['ACTIVE', 'INACTIVE'], valid: true };
const special = { ...ec2, detail };
const specialPaths = { userId: '$.detail.payload.acc_id', payload: '$.detail.payload', systemstring: '$.detail.awsAccountId', listsingle: '$.detail.listsingle', listmulti: '$.detail.listmulti', valid: '$.detail.valid' };
const special1 = (template: string): string => transform(template, specialPaths, special);

test('AWS: variables in JSON templates — quoted, unquoted, objects, arrays, repeated', () => {
  assert.equal(special1('{"method": "PUT", "path": "users-service/users/<userId>", "bod": <payload>}'), '{"method":"PUT","path":"users-service/users/0a787ecb-4015","bod":{"acc_id":"0a787ecb-4015","sf_id":"baz"}}');
  assert.equal(special1('{"id" : <userId>}'), '{"id":"0a787ecb-4015"}');
  assert.equal(special1('{"id" : "<userId>"}'), '{"id":"0a787ecb-4015"}');
  assert.equal(special1('{"bod": [<userId>, "hardcoded"]}'), '{"bod":["0a787ecb-4015","hardcoded"]}');
  assert.equal(special1('{"nested": {"level1": {"level2": {"level3": "users-service/users/<userId>"} } }, "bod": "<userId>"}'), '{"nested":{"level1":{"level2":{"level3":"users-service/users/0a787ecb-4015"}}},"bod":"0a787ecb-4015"}');
  assert.equal(special1('{"singlelistitem": <listsingle>}'), '{"singlelistitem":["HIGH"]}');
  assert.equal(special1('{"multi_replacement": "users/<userId>/second/<userId>"}'), '{"multi_replacement":"users/0a787ecb-4015/second/0a787ecb-4015"}');
  assert.equal(special1('{"valid": <valid>}'), '{"valid":true}');
});

test('AWS: in text templates objects and arrays lose their quotes; missing paths are empty', () => {
  assert.equal(special1('"Payload of <payload> with path users-service/users/<userId> and <userId>"'), '"Payload of {acc_id:0a787ecb-4015,sf_id:baz} with path users-service/users/0a787ecb-4015 and 0a787ecb-4015"');
  assert.equal(special1('"<listsingle> single list item <listmulti> multiple list items <systemstring> system account id"'), '"[HIGH] single list item [ACTIVE,INACTIVE] multiple list items  system account id"');
  assert.equal(special1('"Command is <valid>!"'), '"Command is true!"');
  assert.equal(special1('"<listsingle> single list item"\n"<userId> user id"'), '"[HIGH] single list item"\n"0a787ecb-4015 user id"', 'text is sent as it is');
  assert.equal(special1('"{[/Check with special starting characters <userId>"'), '"{[/Check with special starting characters 0a787ecb-4015"');
  const missing = { detailType: '$.detail-type', command: '$.detail.notinmessage' };
  assert.equal(transform('"Event of <detailType> type, info extracted from detail <command>"', missing), '"Event of EC2 Instance State-change Notification type, info extracted from detail "');
  assert.equal(transform('{"detailType": <detailType>, "command": <command>}', missing), '{"detailType":"EC2 Instance State-change Notification","command":""}');
});

test('AWS: JSON templates whose output is not JSON are not delivered', () => {
  for (const template of ['{"not_valid": "users-service/users/<payload>", "bod": <payload>}', '{"payload": "<payload>"}', '{"singlelistitem": "<listsingle>"}']) {
    const r = renderTargetInput({ InputTransformer: { InputPathsMap: specialPaths, InputTemplate: template } }, special, ctx);
    assert.equal(r.ok, false, template);
  }
  // IT: "EventBridge doesn't escape values extracted by Input Path"
  const quoted = renderTargetInput({ InputTransformer: { InputPathsMap: { s: '$.detail.s' }, InputTemplate: '{"s": <s>}' } }, { detail: { s: 'say "hi"' } }, ctx);
  assert.equal(quoted.ok, false);
});

test('numbers keep their written form through a JSON template', () => {
  const event = parseJsonValue('{"detail": {"big": 12345678901234567890, "f": 1.50}}');
  assert.equal(transform('{"big": <big>, "f": <f>, "lit": 1.0e2}', { big: '$.detail.big', f: '$.detail.f' }, event), '{"big":12345678901234567890,"f":1.5,"lit":1.0e2}');
});

test('Input is sent verbatim, InputPath sends the JSON of what the path reaches, default is the event', () => {
  assert.equal(render({ Input: '{"fixed": [1, 2]}' }), '{"fixed": [1, 2]}');
  assert.equal(render({ InputPath: '$.detail' }), '{"instance-id":"i-0123456789","state":"RUNNING"}');
  assert.equal(render({ InputPath: '$.detail.state' }), '"RUNNING"', 'AWS: a string value arrives as a JSON string');
  assert.equal(render({ InputPath: "$['detail']['instance-id']" }), '"i-0123456789"', 'bracket notation');
  assert.equal(render({ InputPath: '$' }), JSON.stringify(ec2));
  assert.deepEqual(JSON.parse(render({})), ec2);
  assert.equal(renderTargetInput({ InputPath: '$.detail.nothing' }, ec2, ctx).ok, false);
});

test('JSONPath subset: dots, dashes, slashes, indices, wildcards, brackets', () => {
  const event = { detail: { 'a-b': { 'c/d': 1 }, items: [{ id: 'x' }, { id: 'y' }, { other: 1 }] } };
  const at = (path: string): unknown => {
    const p = parseJsonPath(path);
    assert.ok(p, path);
    const r = evaluateJsonPath(p, event);
    return r.found ? r.value : undefined;
  };
  assert.equal(at('$.detail.a-b.c/d'), 1);
  assert.equal(at('$.detail.items[1].id'), 'y');
  assert.deepEqual(at('$.detail.items[*].id'), ['x', 'y']);
  assert.deepEqual(at('$.detail.*.c/d'), [1]);
  assert.equal(at('$.detail.items[9]'), undefined);
  assert.equal(at('$.detail.nope.deeper'), undefined);
  for (const bad of ['detail', '$..detail', '$.detail[', '$.detail[-1]']) assert.equal(parseJsonPath(bad), undefined, bad);
});

test('PutTargets validation (AWS): one input option, known placeholders; API length limits', () => {
  assert.deepEqual(validateTargetInput('t1', { InputPath: '$.detail', InputTransformer: { InputTemplate: '"x"' } }), {
    code: 'ValidationException',
    message: 'Only one of Input, InputPath, or InputTransformer must be provided for target t1.',
  });
  assert.deepEqual(validateTargetInput('t1', { InputTransformer: { InputPathsMap: { a: '$.a' }, InputTemplate: '"Event of <a> type, with not defined key <notdefinedkey>"' } }), {
    code: 'ValidationException',
    message: 'InputTemplate for target t1 contains invalid placeholder notdefinedkey.',
  });
  assert.equal(validateTargetInput('t1', { InputTransformer: { InputPathsMap: paths, InputTemplate: '{"i": <instance>, "r": <aws.events.rule-arn>, "e": <aws.events.event.json>}' } }), undefined);
  assert.equal(validateTargetInput('t1', { InputTransformer: { InputTemplate: '"a < b and c > d"' } }), undefined, 'text with angle brackets is not a placeholder');
  assert.match(validateTargetInput('t1', { InputPath: `$.${'a'.repeat(300)}` })?.message ?? '', /inputPath' failed to satisfy constraint: Member must have length less than or equal to 256$/);
  assert.match(validateTargetInput('t1', { Input: 'x'.repeat(8193) })?.message ?? '', /less than or equal to 8192$/);
  assert.match(validateTargetInput('t1', { InputTransformer: { InputTemplate: '' } })?.message ?? '', /greater than or equal to 1$/);
  assert.match(validateTargetInput('t1', { InputTransformer: { InputPathsMap: { 'aws.events.rule-arn': '$.x' }, InputTemplate: '"x"' } })?.message ?? '', /regular expression pattern/);
  const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`v${i}`, '$.x']));
  assert.match(validateTargetInput('t1', { InputTransformer: { InputPathsMap: many, InputTemplate: '"x"' } })?.message ?? '', /less than or equal to 100$/);
});
