/**
 * DynamoDB Streams as an event source (Lambda developer guide, "Using Lambda with Amazon
 * DynamoDB"), read from Nimbus's own stream store (src/dynamodb/streams-store.ts): no HTTP, no
 * polling - the DynamoDB service calls back after each write. The event's records are the
 * GetRecords records plus `eventSourceARN`, as Lambda delivers them; a partial batch response
 * names records by `dynamodb.SequenceNumber`.
 *
 * DynamoDB is served by single nodes only (docs/dynamodb.md): on a cluster node a stream mapping
 * is refused, as the table behind it would be.
 */
import { invalidParameter } from '../core/errors.js';
import { shardIdOf, streamRecord } from '../dynamodb/streams-api.js';
import { seqNumber, type StreamRecordRow } from '../dynamodb/streams-store.js';
import type { DynamoDbService } from '../dynamodb/service.js';
import type { MappingCheck, MappingSpec, SourceKind, StreamReader, StreamSourceRecord } from './types.js';

const STREAM_ARN = /^arn:aws[a-zA-Z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]+\/stream\/.+$/;

const iso = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export function dynamoDbStreamSource(ddb: DynamoDbService): SourceKind {
  return {
    name: 'DynamoDB',
    accepts: (arn) => STREAM_ARN.test(arn),
    stream: { startingPositions: ['TRIM_HORIZON', 'LATEST'], defaultBatchSize: 100 },
    async check(m: MappingCheck): Promise<void> {
      if (ddb.clustered) {
        throw invalidParameter('Nimbus serves DynamoDB and its streams on a single node only; this node is part of a cluster (docs/dynamodb.md).');
      }
      const s = await ddb.streams.stream(m.eventSourceArn);
      // Nimbus's wording: AWS's for a missing stream was not recorded.
      if (!s || s.accountId !== m.accountId || s.region !== m.region) throw invalidParameter(`Stream not found: ${m.eventSourceArn}`);
    },
    ordered: async () => true,
    open: () => {
      throw new Error('a DynamoDB stream is read with openStream');
    },
    openStream: (spec) => dynamoDbStreamReader(ddb, spec),
  };
}

function dynamoDbStreamReader(ddb: DynamoDbService, spec: MappingSpec): StreamReader {
  const arn = spec.eventSourceArn;
  let stream: StreamRecordRow | undefined;
  const streamOf = async (): Promise<StreamRecordRow> => {
    stream ??= await ddb.streams.stream(arn);
    if (!stream) throw new Error(`the stream ${arn} no longer exists`);
    return stream;
  };
  return {
    async checkpoint() {
      const store = ddb.streams;
      const cp = await store.checkpoint(spec.uuid, arn);
      if (cp !== undefined) return cp;
      // First start: TRIM_HORIZON reads every record kept; LATEST only those written from now on.
      const start = spec.stream?.startingPosition === 'TRIM_HORIZON' ? 0 : await store.head();
      await store.putCheckpoint(spec.uuid, arn, start);
      return start;
    },
    async read(position, max) {
      const s = await streamOf();
      const got = await ddb.streams.read(arn, position, max);
      return got.map((r): StreamSourceRecord => ({
        position: seqNumber(r.sequenceNumber) ?? 0,
        id: r.sequenceNumber,
        record: { ...streamRecord(r, s), eventSourceARN: arn },
        arrivedAt: r.createdAt,
      }));
    },
    commit: (position) => ddb.streams.putCheckpoint(spec.uuid, arn, position),
    watch: (fn) => ddb.watchStreams(fn),
    event: (records) => Buffer.from(JSON.stringify({ Records: records.map((r) => r.record) })),
    batchInfo(records) {
      const first = records[0]!;
      const last = records[records.length - 1]!;
      return {
        DDBStreamBatchInfo: {
          shardId: stream ? shardIdOf(stream) : '',
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
      const p = await ddb.streams.pending(arn, position);
      return { waiting: p.count, inFlight: 0, oldestAgeMs: p.oldest === undefined ? undefined : Date.now() - p.oldest };
    },
  };
}
