/**
 * Kinesis Data Streams as an event source (Lambda developer guide, "Using Lambda with Amazon
 * Kinesis"), read from Nimbus's Kinesis store (src/kinesis): the service calls back after each
 * put. Lambda's Kinesis event: `kinesis {kinesisSchemaVersion "1.0", partitionKey,
 * sequenceNumber, data (base64), approximateArrivalTimestamp}`, `eventSource "aws:kinesis"`,
 * `eventID "<shardId>:<sequenceNumber>"`, `eventName "aws:kinesis:record"`, `invokeIdentityArn`.
 *
 * A mapping reads the stream's shards as one sequence, in sequence-number order: each shard's
 * order is kept (its records are delivered in order, one batch at a time), but shards are not
 * processed in parallel as Lambda does, and a failing batch holds up every shard (docs/streams.md).
 */
import { invalidParameter } from '../core/errors.js';
import type { KinesisService } from '../kinesis/service.js';
import type { MappingCheck, MappingSpec, SourceKind, StreamReader, StreamSourceRecord } from './types.js';

const STREAM_ARN = /^arn:aws[a-zA-Z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[a-zA-Z0-9_.-]+$/;
const iso = (ms: number): string => new Date(ms).toISOString();

export function kinesisSource(kinesis: KinesisService): SourceKind {
  return {
    name: 'Kinesis',
    accepts: (arn) => STREAM_ARN.test(arn),
    stream: { startingPositions: ['TRIM_HORIZON', 'LATEST'], defaultBatchSize: 100 },
    async check(m: MappingCheck): Promise<void> {
      if (kinesis.clustered) throw invalidParameter('Nimbus serves Kinesis on a single node only; this node is part of a cluster (docs/streams.md).');
      const s = await kinesis.store.stream(m.eventSourceArn);
      // Nimbus's wording: AWS's for a missing stream was not recorded.
      if (!s || s.accountId !== m.accountId || s.region !== m.region) throw invalidParameter(`Stream not found: ${m.eventSourceArn}`);
    },
    ordered: async () => true,
    open: () => {
      throw new Error('a Kinesis stream is read with openStream');
    },
    openStream: (spec) => kinesisReader(kinesis, spec),
  };
}

function kinesisReader(kinesis: KinesisService, spec: MappingSpec): StreamReader {
  const arn = spec.eventSourceArn;
  const region = arn.split(':')[3] ?? spec.region;
  const role = `arn:aws:iam::${spec.accountId}:role/lambda-role`;
  return {
    async checkpoint() {
      const cp = await kinesis.store.checkpoint(spec.uuid, arn);
      if (cp !== undefined) return cp;
      const start = spec.stream?.startingPosition === 'TRIM_HORIZON' ? 0 : await kinesis.store.head();
      await kinesis.store.putCheckpoint(spec.uuid, arn, start);
      return start;
    },
    async read(position, max) {
      const got = await kinesis.store.readAll(arn, position, max);
      return got.map((r): StreamSourceRecord => ({
        position: r.position,
        id: r.sequenceNumber,
        record: {
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: r.partitionKey,
            sequenceNumber: r.sequenceNumber,
            data: r.data.toString('base64'),
            approximateArrivalTimestamp: r.arrivedAt / 1000,
          },
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: `${r.shardId}:${r.sequenceNumber}`,
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: role,
          awsRegion: region,
          eventSourceARN: arn,
        },
        arrivedAt: r.arrivedAt,
      }));
    },
    commit: (position) => kinesis.store.putCheckpoint(spec.uuid, arn, position),
    watch: (fn) => kinesis.watch((a) => (a === arn ? fn() : undefined)),
    event: (records) => Buffer.from(JSON.stringify({ Records: records.map((r) => r.record) })),
    batchInfo(records) {
      const first = records[0]!;
      const last = records[records.length - 1]!;
      return {
        KinesisBatchInfo: {
          shardId: String(first.record['eventID']).split(':')[0],
          startSequenceNumber: first.id,
          endSequenceNumber: last.id,
          approximateArrivalOfFirstRecord: iso(first.arrivedAt),
          approximateArrivalOfLastRecord: iso(last.arrivedAt),
          batchSize: records.length,
          streamArn: arn,
        },
      };
    },
    async lag(position) {
      const p = await kinesis.store.pending(arn, position);
      return { waiting: p.count, inFlight: 0, oldestAgeMs: p.oldest === undefined ? undefined : Date.now() - p.oldest };
    },
  };
}
