/**
 * `--s3-endpoint`: Lambda code read from an external S3 endpoint instead of Nimbus's own. The
 * external S3 here is a second Nimbus with `--auth keys` (a real SigV4-checking S3), so the
 * reader's signature, its error mapping and the credentials it takes from the environment are
 * all exercised for real.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateFunctionCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { makeZip, payloadJson, ROLE, startTestNimbus } from '../helpers/nimbus.js';
import { s3Client } from './helpers.js';

test('--s3-endpoint: CreateFunction reads its zip from another S3 endpoint, signed with the environment credentials', async (t) => {
  const external = await startTestNimbus(t, { auth: 'keys' });
  const key = await external.accounts.createKey('default', { name: 'code-reader' });
  const ext = s3Client(external.url, { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });
  t.after(() => ext.destroy());
  await ext.send(new CreateBucketCommand({ Bucket: 'remote-code' }));
  await ext.send(new PutObjectCommand({ Bucket: 'remote-code', Key: 'fn/v1 (final).zip', Body: await makeZip({ 'index.js': 'exports.handler = async () => "remote";' }) }));

  const saved = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'] };
  process.env['AWS_ACCESS_KEY_ID'] = key.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] = key.secretAccessKey;
  t.after(() => {
    for (const [k, v] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  const nimbus = await startTestNimbus(t, { s3Endpoint: external.url });
  await nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: 'remote', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { S3Bucket: 'remote-code', S3Key: 'fn/v1 (final).zip' } }));
  assert.equal(payloadJson((await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'remote' }))).Payload), 'remote');
  await assert.rejects(
    nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: 'missing', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { S3Bucket: 'remote-code', S3Key: 'fn/none.zip' } })),
    { name: 'InvalidParameterValueException', message: 'Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.' },
  );
  // Wrong credentials: the endpoint's refusal, as Lambda words it.
  process.env['AWS_SECRET_ACCESS_KEY'] = 'wrong';
  await assert.rejects(
    nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: 'denied', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { S3Bucket: 'remote-code', S3Key: 'fn/v1 (final).zip' } })),
    { name: 'InvalidParameterValueException', message: /S3 Error Code: AccessDenied\. S3 Error Message: The request signature we calculated does not match/ },
  );
});
