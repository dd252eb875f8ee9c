/** FunctionName forms the API accepts, and their errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFunctionName, qualifierOf } from '../../src/core/names.js';
import { NimbusError } from '../../src/core/errors.js';

test('names, qualified names, partial and full ARNs', () => {
  assert.deepEqual(parseFunctionName('my-fn'), { name: 'my-fn', qualifier: undefined });
  assert.deepEqual(parseFunctionName('my-fn:live'), { name: 'my-fn', qualifier: 'live' });
  assert.deepEqual(parseFunctionName('123456789012:function:my-fn'), { name: 'my-fn', qualifier: undefined });
  assert.deepEqual(parseFunctionName('arn:aws:lambda:us-west-2:123456789012:function:my-fn:$LATEST'), { name: 'my-fn', qualifier: '$LATEST' });
});

test('bad names are ValidationException or InvalidParameterValueException with AWS messages', () => {
  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return e instanceof NimbusError ? `${e.code}: ${e.message}` : String(e);
    }
    return 'no error';
  };
  assert.match(code(() => parseFunctionName('bad name')), /^ERR_VALIDATION: 1 validation error detected: Value 'bad name' at 'functionName'/);
  assert.match(code(() => parseFunctionName('a'.repeat(65))), /^ERR_INVALID_PARAMETER: .*less than or equal to 64$/);
  assert.match(code(() => parseFunctionName('a'.repeat(141))), /^ERR_VALIDATION: .*less than or equal to 140$/);
  assert.match(code(() => parseFunctionName(undefined)), /Value null at 'functionName' failed to satisfy constraint: Member must not be null/);
  assert.match(code(() => qualifierOf({ name: 'f', qualifier: 'a' }, 'b')), /does not match the specified qualifier/);
  assert.equal(qualifierOf({ name: 'f', qualifier: 'a' }, 'a'), 'a');
  assert.equal(qualifierOf({ name: 'f', qualifier: undefined }, '$LATEST'), '$LATEST');
});
