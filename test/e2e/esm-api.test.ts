/**
 * Event-source mappings through @aws-sdk/client-lambda: the five operations with Lambda's
 * shapes, status codes and State transitions, and the errors recorded against AWS
 * (aws-recordings/snap_api.json and snap_sqs.json), against a real Nimbus and real SQS queues.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { deployNode, startTestNimbus } from '../helpers/nimbus.js';
import { rejects } from '../helpers/aws-errors.js';
import { sdk, until } from '../helpers/sqs-clients.js';

const ACCOUNT = '000000000000';
const FN_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function`;
const queueArn = (name: string): string => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;

/** The call fails with AWS error `name`, HTTP `status` and `message` (exactly, or matching). */
const fails = (p: Promise<unknown>, name: string, status: number, message: string | RegExp): Promise<void> => rejects(p, name, message, status);

const stateOf = async (lambda: LambdaClient, UUID: string): Promise<string | undefined> => (await lambda.send(new GetEventSourceMappingCommand({ UUID }))).State;

test('event-source mapping lifecycle: shapes, states, list, errors', async (t) => {
  const nimbus = await startTestNimbus(t);
  const { lambda } = nimbus;
  const sqs = sdk(nimbus.url);
  t.after(() => sqs.destroy());
  await deployNode(lambda, 'consumer', { 'index.js': 'exports.handler = async () => ({});' }, { Timeout: 10 });
  await deployNode(lambda, 'slow', { 'index.js': 'exports.handler = async () => ({});' }, { Timeout: 60 });
  for (const name of ['jobs', 'other']) await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '30' } }));
  await sqs.send(new CreateQueueCommand({ QueueName: 'ordered.fifo', Attributes: { FifoQueue: 'true' } }));

  // Create: 202 and the recorded shape; Creating, then Enabled.
  const created = await lambda.send(new CreateEventSourceMappingCommand({ EventSourceArn: queueArn('jobs'), FunctionName: 'consumer' }));
  assert.equal(created.$metadata.httpStatusCode, 202);
  const uuid = created.UUID!;
  assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.deepEqual(
    { ...created, $metadata: undefined, LastModified: undefined },
    {
      $metadata: undefined,
      UUID: uuid,
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      EventSourceArn: queueArn('jobs'),
      FunctionArn: `${FN_ARN}:consumer`,
      LastModified: undefined,
      State: 'Creating',
      StateTransitionReason: 'USER_INITIATED',
      FunctionResponseTypes: [],
      EventSourceMappingArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:event-source-mapping:${uuid}`,
    },
  );
  assert.ok(created.LastModified instanceof Date && Math.abs(created.LastModified.getTime() - Date.now()) < 60_000, 'LastModified is epoch seconds');
  await until(async () => (await stateOf(lambda, uuid)) === 'Enabled', 'the mapping to be Enabled');

  // Every error of a create, as AWS words it.
  const create = (input: Record<string, unknown>) => lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'consumer', EventSourceArn: queueArn('other'), ...input }));
  await fails(create({ EventSourceArn: undefined }), 'InvalidParameterValueException', 400, 'Unrecognized event source.');
  await fails(create({ FunctionName: 'nope' }), 'InvalidParameterValueException', 400, 'Function does not exist');
  await fails(
    create({ EventSourceArn: queueArn('missing') }),
    'InvalidParameterValueException',
    400,
    'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.',
  );
  await fails(create({ EventSourceArn: queueArn('jobs') }), 'ResourceConflictException', 409,
    `An event source mapping with SQS arn (" ${queueArn('jobs')} ") and function (" consumer ") already exists. Please update or delete the existing mapping with UUID ${uuid}`);
  await fails(create({ BatchSize: 20 }), 'InvalidParameterValueException', 400, 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
  await fails(create({ BatchSize: 0 }), 'ValidationException', 400, /Value '0' at 'batchSize' failed to satisfy constraint: Member must have value greater than or equal to 1/);
  await fails(create({ FilterCriteria: { Filters: [{ Pattern: 'simple string' }] } }), 'InvalidParameterValueException', 400, 'Invalid filter pattern definition.');
  await fails(create({ DestinationConfig: { OnFailure: { Destination: queueArn('jobs') } } }), 'InvalidParameterValueException', 400,
    'Unsupported DestinationConfig parameter for given event source mapping type.');
  await fails(create({ StartingPosition: 'LATEST' }), 'InvalidParameterValueException', 400, `Unsupported starting position for arn type: ${queueArn('other')}`);
  await fails(create({ FunctionName: 'slow' }), 'InvalidParameterValueException', 400, 'Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds');
  await fails(create({ EventSourceArn: queueArn('ordered.fifo'), BatchSize: 11, MaximumBatchingWindowInSeconds: 1 }), 'InvalidParameterValueException', 400, /FIFO queue/);
  await fails(create({ ScalingConfig: { MaximumConcurrency: 1 } }), 'ValidationException', 400, /scalingConfig.maximumConcurrency/);
  await fails(create({ FunctionResponseTypes: ['Nope'] }), 'ValidationException', 400, /functionResponseTypes/);
  await fails(create({ EventSourceArn: 'arn:aws:mq:us-east-1:000000000000:broker:b:b-1' }), 'InvalidParameterValueException', 400, /event sources of type SQS, DynamoDB, Kinesis only/);

  // A second mapping, created disabled (Disabled at once, as recorded), with every option.
  const filters = { Filters: [{ Pattern: JSON.stringify({ body: { kind: ['keep'] } }) }] };
  const second = await create({
    FunctionName: `${FN_ARN}:consumer:$LATEST`,
    Enabled: false,
    BatchSize: 100,
    MaximumBatchingWindowInSeconds: 2,
    FilterCriteria: filters,
    FunctionResponseTypes: ['ReportBatchItemFailures'],
    ScalingConfig: { MaximumConcurrency: 2 },
  });
  assert.equal(second.State, 'Disabled');
  assert.equal(second.FunctionArn, `${FN_ARN}:consumer:$LATEST`);
  assert.deepEqual(second.FilterCriteria, filters);
  assert.deepEqual(second.ScalingConfig, { MaximumConcurrency: 2 });
  assert.deepEqual(second.FunctionResponseTypes, ['ReportBatchItemFailures']);

  // List: all, by function, by source, and page by page.
  const listed = async (input: Record<string, unknown>): Promise<string[]> =>
    ((await lambda.send(new ListEventSourceMappingsCommand(input))).EventSourceMappings ?? []).map((m) => m.UUID!).sort();
  assert.deepEqual(await listed({}), [uuid, second.UUID!].sort());
  assert.deepEqual(await listed({ EventSourceArn: queueArn('other') }), [second.UUID]);
  assert.deepEqual(await listed({ FunctionName: 'consumer' }), [uuid]);
  assert.deepEqual(await listed({ FunctionName: 'consumer:$LATEST' }), [second.UUID]);
  const page1 = await lambda.send(new ListEventSourceMappingsCommand({ MaxItems: 1 }));
  assert.equal(page1.EventSourceMappings?.length, 1);
  assert.ok(page1.NextMarker);
  const page2 = await lambda.send(new ListEventSourceMappingsCommand({ MaxItems: 1, Marker: page1.NextMarker }));
  assert.equal(page2.NextMarker, undefined);
  assert.deepEqual([page1.EventSourceMappings![0]!.UUID, page2.EventSourceMappings![0]!.UUID].sort(), [uuid, second.UUID!].sort());

  // Update: Updating then Enabled; enabling a disabled one: Enabling then Enabled; disabling: Disabling then Disabled.
  const updated = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, BatchSize: 5, ScalingConfig: { MaximumConcurrency: 3 } }));
  assert.equal(updated.$metadata.httpStatusCode, 202);
  assert.equal(updated.State, 'Updating');
  assert.equal(updated.BatchSize, 5);
  await until(async () => (await stateOf(lambda, uuid)) === 'Enabled', 'the update to settle');
  const enabling = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: second.UUID, Enabled: true }));
  assert.equal(enabling.State, 'Enabling');
  await until(async () => (await stateOf(lambda, second.UUID!)) === 'Enabled', 'the second mapping to be Enabled');
  const disabling = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
  assert.equal(disabling.State, 'Disabling');
  await until(async () => (await stateOf(lambda, uuid)) === 'Disabled', 'the mapping to be Disabled');
  await fails(lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, FunctionName: 'slow' })), 'InvalidParameterValueException', 400,
    'Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds');
  await fails(lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, FunctionName: 'nope' })), 'InvalidParameterValueException', 400, 'Function does not exist');
  await fails(lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, BatchSize: 50 })), 'InvalidParameterValueException', 400,
    'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
  // Clearing filters and scaling.
  const cleared = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: second.UUID, FilterCriteria: {}, ScalingConfig: {} }));
  assert.equal(cleared.FilterCriteria, undefined);
  assert.equal(cleared.ScalingConfig, undefined);

  // Unknown UUIDs: AWS's 404.
  const unknown = '00000000-0000-0000-0000-000000000000';
  for (const op of [
    () => lambda.send(new GetEventSourceMappingCommand({ UUID: unknown })),
    () => lambda.send(new UpdateEventSourceMappingCommand({ UUID: unknown, BatchSize: 1 })),
    () => lambda.send(new DeleteEventSourceMappingCommand({ UUID: unknown })),
    () => lambda.send(new GetEventSourceMappingCommand({ UUID: 'not-a-uuid' })),
  ]) {
    await fails(op(), 'ResourceNotFoundException', 404, 'The resource you requested does not exist.');
  }

  // Delete: 202 Deleting, then gone; the queue and the other mapping stay.
  const deleted = await lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
  assert.equal(deleted.$metadata.httpStatusCode, 202);
  assert.equal(deleted.State, 'Deleting');
  await until(async () => (await listed({})).length === 1, 'the mapping to be removed');
  await fails(lambda.send(new GetEventSourceMappingCommand({ UUID: uuid })), 'ResourceNotFoundException', 404, 'The resource you requested does not exist.');

  // Nimbus's own view: every mapping with its poller's figures.
  const own = (await (await fetch(`${nimbus.url}/nimbus/v1/event-source-mappings`)).json()) as { mappings: { UUID: string; Enabled: boolean; Nimbus: { stats: { lastProcessingResult: string } } | null }[] };
  assert.deepEqual(own.mappings.map((m) => [m.UUID, m.Enabled, m.Nimbus?.stats.lastProcessingResult]), [[second.UUID, true, 'No records processed']]);

  // A deleted queue: the mapping stays and reports it; nothing crashes.
  await sqs.send(new DeleteQueueCommand({ QueueUrl: `${nimbus.url}/${ACCOUNT}/other` }));
  await until(async () => {
    const m = (await (await fetch(`${nimbus.url}/nimbus/v1/event-source-mappings/${second.UUID!}`)).json()) as { Nimbus: { stats: { lastProcessingResult: string } } | null };
    return /PROBLEM: .*queue does not exist/.test(m.Nimbus?.stats.lastProcessingResult ?? '');
  }, 'the mapping to report its missing queue', 10_000);
});
