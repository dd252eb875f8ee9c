/**
 * MD5 digests against published and recorded vectors: the test vectors of the npm package
 * `aws-md5-of-message-attributes`, the AWS example in ../shared snap_sqs.json (an SQS event's
 * md5OfMessageAttributes), and digests AWS returned in LocalStack's validated SQS snapshots.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { md5OfAttributes, md5OfBody } from '../../src/sqs/md5.js';

const s = (StringValue: string) => ({ DataType: 'String', StringValue });

test('MD5OfMessageBody is the MD5 of the UTF-8 body', () => {
  assert.equal(md5OfBody('msg'), '6e2baaf3b97dbeef01c0043275f9a0e7');
  assert.equal(md5OfBody('test'), '098f6bcd4621d373cade4e832627b4f6');
  assert.equal(md5OfBody('message-1'), '3d6b824fd8c1520e9a047d21fee6fb1f');
  // Non-ASCII: over the UTF-8 bytes (value from `printf 'é€😀' | md5sum`), not UTF-16 code units.
  assert.equal(md5OfBody('é€😀'), '3b07a39fef0ac5d7ef21575e7315a482');
});

test('MD5OfMessageAttributes matches the published vector and AWS-recorded digests', () => {
  assert.equal(md5OfAttributes({ attribName1: s('attribValue 1') }), '19e27d4e946b072f3f58da80d94fd778');
  // snap_sqs.json test_message_body_and_attributes_passed_correctly.
  assert.equal(
    md5OfAttributes({ Title: s('The Whistler'), Author: s('John Grisham'), WeeksOn: { DataType: 'Number', StringValue: '6' } }),
    'd25a6aea97eb8f585bfa92d314504a92',
  );
  assert.equal(md5OfAttributes({ Foo: s('Bar') }), 'ae7155c6026991b6d54b11589678bf9c');
  assert.equal(md5OfAttributes({ 'Help.Me': s('Me'), Hello: s('There'), General: s('Kenobi') }), '4c360f3fdafd970e05fae2f149d997f5');
  assert.equal(md5OfAttributes({ General: s('Kenobi'), Hello: s('There') }), 'fca026605781cb4126a1e9044df24232');
  assert.equal(md5OfAttributes({ Hello: s('There') }), 'a311262e065454b75da111d535b8dacd');
  assert.equal(md5OfAttributes({ Hello: s('There'), 'Help.Me': s('Me') }), '83fee93c1bcd8b9a5a923ffacdc636c7');
  assert.equal(md5OfAttributes({ k: s('x') }), 'a45daa70926828a2f0a1db3418e6feb4');
  assert.equal(md5OfAttributes({ MyAttribute: s('foobar') }), 'adb59cd4678ea5a855436b949cd07ab6');
  assert.equal(md5OfAttributes({ timestamp: { DataType: 'Number', StringValue: '1493147359900' } }), '235c5c510d26fb653d073faed50ae77c');
  const trace = Buffer.from('traceparent\x1e00-774062d6c37081a5a0b9b5b88e30627c-2d2482211f6489da-01', 'latin1');
  assert.equal(md5OfAttributes({ attr1: { DataType: 'Binary', BinaryValue: trace.toString('base64') } }), '8cbe4db156db8a94db8b801b7addb984');
});

test('no attributes, no digest (SQS omits the field)', () => {
  assert.equal(md5OfAttributes(undefined), undefined);
  assert.equal(md5OfAttributes({}), undefined);
});

test('the digest does not depend on the order attributes are given in', () => {
  const a = md5OfAttributes({ b: s('2'), a: s('1'), C: s('3') });
  const b = md5OfAttributes({ C: s('3'), a: s('1'), b: s('2') });
  assert.equal(a, b);
  assert.notEqual(a, md5OfAttributes({ b: s('2'), a: s('1') }));
});
