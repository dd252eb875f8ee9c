/**
 * Lambda code from Nimbus's S3, the way CDK, SAM and Terraform ship it: upload the zip with the
 * S3 API, then CreateFunction / UpdateFunctionCode / PublishLayerVersion name it by bucket and
 * key. A missing object or bucket is Lambda's InvalidParameterValueException naming S3's error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateFunctionCommand, GetFunctionCommand, InvokeCommand, PublishLayerVersionCommand, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { makeZip, payloadJson, ROLE, startTestNimbus } from '../helpers/nimbus.js';
import { s3Client } from './helpers.js';

async function lambdaRejects(p: Promise<unknown>, name: string, message: RegExp | string): Promise<void> {
  await assert.rejects(p, (e: Error & { name: string }) => {
    assert.equal(e.name, name, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

test('CreateFunction, UpdateFunctionCode and PublishLayerVersion read their zip from Nimbus S3', async (t) => {
  const nimbus = await startTestNimbus(t);
  const s3 = s3Client(nimbus.url);
  t.after(() => s3.destroy());
  const lambda = nimbus.lambda;
  await s3.send(new CreateBucketCommand({ Bucket: 'deploy-artifacts' }));
  const v1 = await makeZip({ 'index.js': 'exports.handler = async (e) => ({ version: 1, got: e.n, layer: (() => { try { return require("/opt/nodejs/node_modules/greet").greet(); } catch { return null; } })() });' });
  const v2 = await makeZip({ 'index.js': 'exports.handler = async (e) => ({ version: 2, layer: require("/opt/nodejs/node_modules/greet").greet() });' });
  const layer = await makeZip({ 'nodejs/node_modules/greet/index.js': 'exports.greet = () => "from a layer in S3";' });
  await s3.send(new PutObjectCommand({ Bucket: 'deploy-artifacts', Key: 'app/v1.zip', Body: v1 }));
  await s3.send(new PutObjectCommand({ Bucket: 'deploy-artifacts', Key: 'app/v2.zip', Body: v2 }));
  await s3.send(new PutObjectCommand({ Bucket: 'deploy-artifacts', Key: 'layers/greet.zip', Body: layer }));

  const created = await lambda.send(new CreateFunctionCommand({ FunctionName: 'from-s3', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { S3Bucket: 'deploy-artifacts', S3Key: 'app/v1.zip' } }));
  assert.equal(created.State, 'Active');
  const out1 = await lambda.send(new InvokeCommand({ FunctionName: 'from-s3', Payload: Buffer.from('{"n":7}') }));
  assert.deepEqual(payloadJson(out1.Payload), { version: 1, got: 7, layer: null });
  // GetFunction's Code.Location stays a Nimbus download link.
  const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'from-s3' }));
  assert.match(got.Code?.Location ?? '', /^http:\/\/127\.0\.0\.1:\d+\/nimbus\/v1\/code\//);

  const published = await lambda.send(new PublishLayerVersionCommand({ LayerName: 'greet', Content: { S3Bucket: 'deploy-artifacts', S3Key: 'layers/greet.zip' }, CompatibleRuntimes: ['nodejs20.x'] }));
  assert.equal(published.Version, 1);
  await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'from-s3', S3Bucket: 'deploy-artifacts', S3Key: 'app/v2.zip' }));
  const { UpdateFunctionConfigurationCommand } = await import('@aws-sdk/client-lambda');
  await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'from-s3', Layers: [published.LayerVersionArn!] }));
  const out2 = await lambda.send(new InvokeCommand({ FunctionName: 'from-s3', Payload: Buffer.from('{}') }));
  assert.deepEqual(payloadJson(out2.Payload), { version: 2, layer: 'from a layer in S3' });

  // What AWS answers when the object cannot be read.
  await lambdaRejects(
    lambda.send(new CreateFunctionCommand({ FunctionName: 'missing', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { S3Bucket: 'deploy-artifacts', S3Key: 'app/none.zip' } })),
    'InvalidParameterValueException',
    'Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.',
  );
  await lambdaRejects(
    lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'from-s3', S3Bucket: 'no-such-bucket', S3Key: 'app/v1.zip' })),
    'InvalidParameterValueException',
    'Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist',
  );
  await lambdaRejects(
    lambda.send(new PublishLayerVersionCommand({ LayerName: 'greet', Content: { S3Bucket: 'deploy-artifacts', S3Key: 'layers/none.zip' } })),
    'InvalidParameterValueException',
    /S3 Error Code: NoSuchKey/,
  );
  await lambdaRejects(
    lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'from-s3', S3Bucket: 'deploy-artifacts', S3Key: 'app/v1.zip', S3ObjectVersion: 'v-unknown' })),
    'InvalidParameterValueException',
    /S3 Error Code: NoSuchVersion/,
  );
  // Not a zip: Lambda's unzip error, not a crash.
  await s3.send(new PutObjectCommand({ Bucket: 'deploy-artifacts', Key: 'app/not-a-zip', Body: 'plain text' }));
  await lambdaRejects(
    lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'from-s3', S3Bucket: 'deploy-artifacts', S3Key: 'app/not-a-zip' })),
    'InvalidParameterValueException',
    /Could not unzip uploaded file/,
  );
  // The function still runs its v2 code.
  const out3 = await lambda.send(new InvokeCommand({ FunctionName: 'from-s3', Payload: Buffer.from('{}') }));
  assert.deepEqual(payloadJson(out3.Payload), { version: 2, layer: 'from a layer in S3' });
});
