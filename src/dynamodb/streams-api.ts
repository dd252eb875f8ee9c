/**
 * The DynamoDB Streams API (`X-Amz-Target: DynamoDBStreams_20120810.<Operation>`, AWS JSON 1.0,
 * signed for service `dynamodb`): ListStreams, DescribeStream, GetShardIterator and GetRecords
 * over the records stream-capture.ts keeps. Each stream has one shard (DynamoDB splits busy
 * streams into several; one node's writes never need that): open while the stream is enabled,
 * closed (with an EndingSequenceNumber) once it is disabled or its table deleted.
 *
 * Shard iterators carry the stream, the shard and the position (the last sequence number read)
 * and expire 15 minutes after they were handed out, as DynamoDB's do.
 */
import type { Scope } from '../core/model.js';
import type { EngineAnswer } from './engine.js';
import { seqNumber, seqText, type ChangeRecord, type StreamRecordRow, type StreamsStore } from './streams-store.js';

const PREFIX = 'com.amazonaws.dynamodb.v20120810#';
const VALIDATION = 'com.amazon.coral.validate#ValidationException';
const ITERATOR_TTL_MS = 15 * 60 * 1000;
const ITERATOR_TYPES = ['TRIM_HORIZON', 'LATEST', 'AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const fail = (status: number, type: string, message: string): EngineAnswer => ({ status, body: { __type: type, message } });
const invalid = (message: string): EngineAnswer => fail(400, VALIDATION, message);
const notFound = (message: string): EngineAnswer => fail(400, `${PREFIX}ResourceNotFoundException`, message);

/** The one shard's id: `shardId-<creation ms, 20 digits>-<8 hex of the label>`, shaped as DynamoDB's. */
export function shardIdOf(s: StreamRecordRow): string {
  let h = 0;
  for (const c of s.arn) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `shardId-${String(s.createdAt).padStart(20, '0')}-${h.toString(16).padStart(8, '0')}`;
}

/** A stream record as GetRecords and Lambda give it. */
export function streamRecord(r: ChangeRecord, s: StreamRecordRow): Record<string, unknown> {
  return {
    eventID: r.eventId,
    eventName: r.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: s.region,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(r.createdAt / 1000),
      Keys: r.keys,
      ...(r.newImage ? { NewImage: r.newImage } : {}),
      ...(r.oldImage ? { OldImage: r.oldImage } : {}),
      SequenceNumber: r.sequenceNumber,
      SizeBytes: r.sizeBytes,
      StreamViewType: s.viewType,
    },
  };
}

interface Iterator {
  arn: string;
  shard: string;
  /** The rowid after which reading goes on. */
  after: number;
  at: number;
}

const encodeIterator = (i: Iterator): string => `${i.arn}|${i.shard}|${Buffer.from(JSON.stringify([i.after, i.at])).toString('base64url')}`;
function decodeIterator(text: string): Iterator | undefined {
  const parts = text.split('|');
  if (parts.length !== 3) return undefined;
  try {
    const [after, at] = JSON.parse(Buffer.from(parts[2]!, 'base64url').toString('utf8')) as unknown[];
    if (typeof after !== 'number' || typeof at !== 'number') return undefined;
    return { arn: parts[0]!, shard: parts[1]!, after, at };
  } catch {
    return undefined;
  }
}

/** The stream ARN a request names (for identity policies), or undefined. */
export function streamArnOf(params: unknown): string | undefined {
  if (!isObject(params)) return undefined;
  if (typeof params['StreamArn'] === 'string') return params['StreamArn'];
  if (typeof params['ShardIterator'] === 'string') return decodeIterator(params['ShardIterator'])?.arn;
  return undefined;
}

export class StreamsApi {
  constructor(
    private readonly store: StreamsStore,
    private readonly now: () => number = Date.now,
  ) {}

  async call(scope: Scope, op: string, p: Record<string, unknown>): Promise<EngineAnswer> {
    switch (op) {
      case 'ListStreams':
        return this.listStreams(scope, p);
      case 'DescribeStream':
        return this.describeStream(scope, p);
      case 'GetShardIterator':
        return this.getShardIterator(scope, p);
      case 'GetRecords':
        return this.getRecords(scope, p);
      default:
        return fail(400, 'com.amazon.coral.service#UnknownOperationException', `Unknown operation ${op}`);
    }
  }

  private async streamOf(scope: Scope, arn: unknown): Promise<StreamRecordRow | EngineAnswer> {
    if (typeof arn !== 'string' || arn.length < 37 || arn.length > 1024) {
      return invalid(`1 validation error detected: Value '${String(arn)}' at 'streamArn' failed to satisfy constraint: Member must have length greater than or equal to 37`);
    }
    const s = await this.store.stream(arn);
    if (!s || s.accountId !== scope.accountId || s.region !== scope.region) return notFound(`Requested resource not found: Stream: ${arn} not found`);
    return s;
  }

  private async listStreams(scope: Scope, p: Record<string, unknown>): Promise<EngineAnswer> {
    const limit = p['Limit'] ?? 100;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 100) {
      return invalid(`1 validation error detected: Value '${String(limit)}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100`);
    }
    let all = await this.store.streams(scope);
    if (typeof p['TableName'] === 'string') all = all.filter((s) => s.tableName === p['TableName']);
    const start = typeof p['ExclusiveStartStreamArn'] === 'string' ? all.findIndex((s) => s.arn === p['ExclusiveStartStreamArn']) + 1 : 0;
    const page = all.slice(start, start + limit);
    const more = start + limit < all.length;
    return {
      status: 200,
      body: {
        Streams: page.map((s) => ({ StreamArn: s.arn, TableName: s.tableName, StreamLabel: s.label })),
        ...(more ? { LastEvaluatedStreamArn: page[page.length - 1]!.arn } : {}),
      },
    };
  }

  private async describeStream(scope: Scope, p: Record<string, unknown>): Promise<EngineAnswer> {
    const s = await this.streamOf(scope, p['StreamArn']);
    if ('status' in s) return s;
    const shard = shardIdOf(s);
    const b = await this.store.bounds(s.arn);
    const after = typeof p['ExclusiveStartShardId'] === 'string' && p['ExclusiveStartShardId'] === shard;
    return {
      status: 200,
      body: {
        StreamDescription: {
          StreamArn: s.arn,
          StreamLabel: s.label,
          StreamStatus: s.closedAt === undefined ? 'ENABLED' : 'DISABLED',
          StreamViewType: s.viewType,
          CreationRequestDateTime: s.createdAt / 1000,
          TableName: s.tableName,
          KeySchema: s.keySchema,
          Shards: after
            ? []
            : [
                {
                  ShardId: shard,
                  SequenceNumberRange: {
                    StartingSequenceNumber: seqText(b.first ?? (await this.store.head()) + 1),
                    ...(s.closedAt !== undefined ? { EndingSequenceNumber: seqText(b.last ?? (await this.store.head())) } : {}),
                  },
                },
              ],
        },
      },
    };
  }

  private async getShardIterator(scope: Scope, p: Record<string, unknown>): Promise<EngineAnswer> {
    const s = await this.streamOf(scope, p['StreamArn']);
    if ('status' in s) return s;
    const type = p['ShardIteratorType'];
    if (typeof type !== 'string' || !ITERATOR_TYPES.includes(type)) {
      return invalid(`1 validation error detected: Value '${String(type)}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [TRIM_HORIZON, AT_SEQUENCE_NUMBER, LATEST, AFTER_SEQUENCE_NUMBER]`);
    }
    const shard = p['ShardId'];
    if (shard !== shardIdOf(s)) return notFound(`Requested resource not found: Shard does not exist`);
    let after: number;
    if (type === 'TRIM_HORIZON') after = 0;
    else if (type === 'LATEST') after = (await this.store.bounds(s.arn)).last ?? (await this.store.head());
    else {
      const raw = p['SequenceNumber'];
      const n = typeof raw === 'string' ? seqNumber(raw) : undefined;
      if (n === undefined) return invalid(`Invalid SequenceNumber: ${String(raw)}`);
      const b = await this.store.bounds(s.arn);
      if (b.first !== undefined && n < b.first) {
        return fail(400, `${PREFIX}TrimmedDataAccessException`, `Requested sequence number ${String(raw)} is beyond the trim horizon of the shard`);
      }
      after = type === 'AT_SEQUENCE_NUMBER' ? n - 1 : n;
    }
    return { status: 200, body: { ShardIterator: encodeIterator({ arn: s.arn, shard: shardIdOf(s), after, at: this.now() }) } };
  }

  private async getRecords(scope: Scope, p: Record<string, unknown>): Promise<EngineAnswer> {
    const text = p['ShardIterator'];
    if (typeof text !== 'string' || text.length < 1 || text.length > 2048) {
      return invalid("1 validation error detected: Value null at 'shardIterator' failed to satisfy constraint: Member must not be null");
    }
    const limit = p['Limit'] ?? 1000;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
      return invalid(`1 validation error detected: Value '${String(limit)}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000`);
    }
    const it = decodeIterator(text);
    if (!it) return invalid('Invalid ShardIterator');
    const s = await this.streamOf(scope, it.arn);
    if ('status' in s) return s;
    if (this.now() - it.at > ITERATOR_TTL_MS) {
      return fail(400, `${PREFIX}ExpiredIteratorException`, 'Iterator expired. The iterator was created more than 15 minutes ago.');
    }
    const records = await this.store.read(s.arn, it.after, limit);
    const last = records.length > 0 ? seqNumber(records[records.length - 1]!.sequenceNumber)! : it.after;
    // A closed shard read to its end has no next iterator: the reader is done with it.
    const ended = s.closedAt !== undefined && records.length === 0;
    return {
      status: 200,
      body: {
        Records: records.map((r) => streamRecord(r, s)),
        ...(ended ? {} : { NextShardIterator: encodeIterator({ ...it, after: last, at: this.now() }) }),
      },
    };
  }
}
