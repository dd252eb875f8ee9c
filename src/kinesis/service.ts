/**
 * Kinesis Data Streams on Nimbus's endpoint (docs/streams.md, "Kinesis"): AWS JSON 1.1, `POST /`
 * with `X-Amz-Target: Kinesis_20131202.<Operation>`, signed for service `kinesis`. A subset:
 * CreateStream, DeleteStream, ListStreams, DescribeStream, DescribeStreamSummary, ListShards,
 * PutRecord, PutRecords, GetShardIterator, GetRecords. Streams are ACTIVE at once; shards split
 * the 128-bit hash-key space evenly and a record goes to the shard holding the MD5 of its
 * partition key (or its ExplicitHashKey), as in Kinesis. No resharding, no enhanced fan-out.
 *
 * Written as a small SQLite store rather than by embedding kinesalite 3.3.3: kinesalite brings
 * its own LevelDB stack and HTTP handler (as dynalite does), is unmaintained since 2020, and a
 * one-node stream needs only append, read-after and a checkpoint, which the store shares in
 * shape with DynamoDB Streams'.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Scope } from '../core/model.js';
import { kinesisPosition, KinesisStore, shardIdOf, type KinesisStreamRow } from './store.js';

export const KINESIS_TARGET_PREFIX = 'Kinesis_20131202.';
export const KINESIS_BODY_LIMIT = 12 * 1024 * 1024;
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const HASH_SPACE = 2n ** 128n;
const ITERATOR_TTL_MS = 5 * 60 * 1000;
const MAX_RECORD = 1024 * 1024;

type Headers = Readonly<Record<string, string | string[] | undefined>>;
export interface KinesisAnswer {
  status: number;
  body: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const fail = (type: string, message: string): KinesisAnswer => ({ status: 400, body: { __type: type, message } });
const invalid = (message: string): KinesisAnswer => fail('ValidationException', message);
const ok = (body: Record<string, unknown> = {}): KinesisAnswer => ({ status: 200, body });

function shardRange(i: number, n: number): { start: bigint; end: bigint } {
  const size = HASH_SPACE / BigInt(n);
  return { start: size * BigInt(i), end: i === n - 1 ? HASH_SPACE - 1n : size * BigInt(i + 1) - 1n };
}

function shardFor(hash: bigint, n: number): number {
  for (let i = 0; i < n; i++) if (hash <= shardRange(i, n).end) return i;
  return n - 1;
}

interface Iterator {
  arn: string;
  shard: number;
  after: number;
  at: number;
}
const encodeIterator = (i: Iterator): string => Buffer.from(JSON.stringify([i.arn, i.shard, i.after, i.at])).toString('base64');
function decodeIterator(text: string): Iterator | undefined {
  try {
    const [arn, shard, after, at] = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as unknown[];
    if (typeof arn !== 'string' || typeof shard !== 'number' || typeof after !== 'number' || typeof at !== 'number') return undefined;
    return { arn, shard, after, at };
  } catch {
    return undefined;
  }
}

export class KinesisService {
  private store_: KinesisStore | undefined;
  private readonly watchers = new Set<(arn: string) => void>();

  constructor(private readonly o: { file: string | undefined; clustered?: boolean; now?: () => number }) {}

  get store(): KinesisStore {
    if (!this.store_) {
      if (this.o.file) mkdirSync(dirname(this.o.file), { recursive: true, mode: 0o700 });
      this.store_ = new KinesisStore(this.o.file);
    }
    return this.store_;
  }

  get clustered(): boolean {
    return this.o.clustered === true;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Calls `fn` after records were put (event-source mappings wake up). */
  watch(fn: (arn: string) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  static isKinesisRequest(req: { method: string; path: string; headers: Headers }): boolean {
    const t = req.headers['x-amz-target'];
    return req.method === 'POST' && req.path === '/' && typeof t === 'string' && t.startsWith(KINESIS_TARGET_PREFIX);
  }

  static arnOf(scope: Scope, name: string): string {
    return `arn:aws:kinesis:${scope.region}:${scope.accountId}:stream/${name}`;
  }

  /** The stream a request names (StreamName or StreamARN), or an answer saying why not. */
  private async streamOf(scope: Scope, p: Record<string, unknown>): Promise<KinesisStreamRow | KinesisAnswer> {
    const arn = typeof p['StreamARN'] === 'string' ? p['StreamARN'] : typeof p['StreamName'] === 'string' ? KinesisService.arnOf(scope, p['StreamName']) : undefined;
    if (!arn) return invalid('Either StreamName or StreamARN should be provided.');
    const s = await this.store.stream(arn);
    if (!s || s.accountId !== scope.accountId || s.region !== scope.region) {
      return fail('ResourceNotFoundException', `Stream ${arn.slice(arn.lastIndexOf('/') + 1)} under account ${scope.accountId} not found.`);
    }
    return s;
  }

  async call(scope: Scope, op: string, p: Record<string, unknown>): Promise<KinesisAnswer> {
    if (this.clustered) return invalid('Nimbus serves Kinesis on a single node only (streams live in its data directory); this node is part of a cluster (docs/streams.md).');
    switch (op) {
      case 'CreateStream':
        return this.createStream(scope, p);
      case 'DeleteStream': {
        const s = await this.streamOf(scope, p);
        if ('status' in s) return s;
        await this.store.delete(s.arn);
        return ok();
      }
      case 'ListStreams': {
        const all = await this.store.streams(scope);
        const start = typeof p['ExclusiveStartStreamName'] === 'string' ? all.findIndex((s) => s.name === p['ExclusiveStartStreamName']) + 1 : 0;
        const limit = typeof p['Limit'] === 'number' ? p['Limit'] : 100;
        const page = all.slice(start, start + limit);
        return ok({
          StreamNames: page.map((s) => s.name),
          HasMoreStreams: start + limit < all.length,
          StreamSummaries: page.map((s) => ({ StreamName: s.name, StreamARN: s.arn, StreamStatus: 'ACTIVE', StreamModeDetails: { StreamMode: s.mode }, StreamCreationTimestamp: s.createdAt / 1000 })),
        });
      }
      case 'DescribeStream':
      case 'DescribeStreamSummary':
      case 'ListShards':
        return this.describe(scope, op, p);
      case 'PutRecord':
      case 'PutRecords':
        return this.put(scope, op, p);
      case 'GetShardIterator':
        return this.getShardIterator(scope, p);
      case 'GetRecords':
        return this.getRecords(scope, p);
      default:
        return fail('UnknownOperationException', `Nimbus's Kinesis does not implement ${op} (docs/streams.md).`);
    }
  }

  private async createStream(scope: Scope, p: Record<string, unknown>): Promise<KinesisAnswer> {
    const name = p['StreamName'];
    if (typeof name !== 'string' || !STREAM_NAME.test(name)) {
      return invalid(`1 validation error detected: Value '${String(name)}' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`);
    }
    const mode = isObject(p['StreamModeDetails']) && p['StreamModeDetails']['StreamMode'] === 'ON_DEMAND' ? 'ON_DEMAND' : 'PROVISIONED';
    const count = p['ShardCount'] ?? (mode === 'ON_DEMAND' ? 4 : 1);
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 64) {
      return invalid(`1 validation error detected: Value '${String(count)}' at 'shardCount' failed to satisfy constraint: Member must have value between 1 and 64 on Nimbus`);
    }
    const arn = KinesisService.arnOf(scope, name);
    if (await this.store.stream(arn)) return fail('ResourceInUseException', `Stream ${name} under account ${scope.accountId} already exists.`);
    await this.store.create({ ...scope, arn, name, shardCount: count, createdAt: this.now(), retentionHours: 24, mode });
    return ok();
  }

  private async describe(scope: Scope, op: string, p: Record<string, unknown>): Promise<KinesisAnswer> {
    const s = await this.streamOf(scope, p);
    if ('status' in s) return s;
    const shards = [];
    for (let i = 0; i < s.shardCount; i++) {
      const r = shardRange(i, s.shardCount);
      shards.push({
        ShardId: shardIdOf(i),
        HashKeyRange: { StartingHashKey: r.start.toString(), EndingHashKey: r.end.toString() },
        SequenceNumberRange: { StartingSequenceNumber: (10n ** 55n).toString() },
      });
    }
    if (op === 'ListShards') return ok({ Shards: shards });
    const base = {
      StreamName: s.name,
      StreamARN: s.arn,
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: s.mode },
      RetentionPeriodHours: s.retentionHours,
      StreamCreationTimestamp: s.createdAt / 1000,
      EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
      EncryptionType: 'NONE',
    };
    if (op === 'DescribeStreamSummary') return ok({ StreamDescriptionSummary: { ...base, OpenShardCount: s.shardCount, ConsumerCount: 0 } });
    return ok({ StreamDescription: { ...base, Shards: shards, HasMoreShards: false } });
  }

  private async put(scope: Scope, op: string, p: Record<string, unknown>): Promise<KinesisAnswer> {
    const s = await this.streamOf(scope, p);
    if ('status' in s) return s;
    const entries = op === 'PutRecord' ? [p] : p['Records'];
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > 500) {
      return invalid("1 validation error detected: Value null at 'records' failed to satisfy constraint: Member must have length between 1 and 500");
    }
    const planned: Array<{ shard: number; partitionKey: string; data: Buffer }> = [];
    for (const e of entries) {
      if (!isObject(e)) return invalid('Each record must be a structure.');
      const key = e['PartitionKey'];
      if (typeof key !== 'string' || key.length < 1 || key.length > 256) {
        return invalid(`1 validation error detected: Value '${String(key)}' at 'partitionKey' failed to satisfy constraint: Member must have length between 1 and 256`);
      }
      if (typeof e['Data'] !== 'string') return invalid("1 validation error detected: Value null at 'data' failed to satisfy constraint: Member must not be null");
      const data = Buffer.from(e['Data'], 'base64');
      if (data.length + Buffer.byteLength(key) > MAX_RECORD) return invalid('1 validation error detected: Value at \'data\' failed to satisfy constraint: Member must have length less than or equal to 1048576');
      const explicit = e['ExplicitHashKey'];
      let hash: bigint;
      if (typeof explicit === 'string') {
        if (!/^\d{1,39}$/.test(explicit) || BigInt(explicit) >= HASH_SPACE) return invalid(`Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${explicit}`);
        hash = BigInt(explicit);
      } else hash = BigInt(`0x${createHash('md5').update(key, 'utf8').digest('hex')}`);
      planned.push({ shard: shardFor(hash, s.shardCount), partitionKey: key, data });
    }
    const now = this.now();
    const seqs = await this.store.append(s.arn, planned, now);
    await this.store.trim(s.arn, now - s.retentionHours * 3_600_000);
    for (const w of [...this.watchers]) w(s.arn);
    const results = planned.map((r, i) => ({ SequenceNumber: seqs[i]!, ShardId: shardIdOf(r.shard) }));
    return op === 'PutRecord' ? ok({ ...results[0]!, EncryptionType: 'NONE' }) : ok({ FailedRecordCount: 0, Records: results, EncryptionType: 'NONE' });
  }

  private async getShardIterator(scope: Scope, p: Record<string, unknown>): Promise<KinesisAnswer> {
    const s = await this.streamOf(scope, p);
    if ('status' in s) return s;
    const shardId = p['ShardId'];
    const shard = typeof shardId === 'string' ? [...Array(s.shardCount).keys()].find((i) => shardIdOf(i) === shardId) : undefined;
    if (shard === undefined) return fail('ResourceNotFoundException', `Shard ${String(shardId)} in stream ${s.name} under account ${scope.accountId} does not exist`);
    const type = p['ShardIteratorType'];
    let after: number;
    if (type === 'TRIM_HORIZON') after = 0;
    else if (type === 'LATEST') after = (await this.store.lastOfShard(s.arn, shard)) ?? (await this.store.head());
    else if (type === 'AT_SEQUENCE_NUMBER' || type === 'AFTER_SEQUENCE_NUMBER') {
      const n = typeof p['StartingSequenceNumber'] === 'string' ? kinesisPosition(p['StartingSequenceNumber']) : undefined;
      if (n === undefined) return fail('InvalidArgumentException', `StartingSequenceNumber ${String(p['StartingSequenceNumber'])} used in GetShardIterator on shard ${String(shardId)} in stream ${s.name} under account ${scope.accountId} is invalid.`);
      after = type === 'AT_SEQUENCE_NUMBER' ? n - 1 : n;
    } else if (type === 'AT_TIMESTAMP') {
      const ts = p['Timestamp'];
      if (typeof ts !== 'number') return fail('InvalidArgumentException', 'The timestampInMillis parameter cannot be null for ShardIteratorType AT_TIMESTAMP');
      const first = await this.store.firstAt(s.arn, shard, ts * 1000);
      after = first === undefined ? await this.store.head() : first - 1;
    } else {
      return invalid(`1 validation error detected: Value '${String(type)}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, AT_SEQUENCE_NUMBER, AT_TIMESTAMP, TRIM_HORIZON, LATEST]`);
    }
    return ok({ ShardIterator: encodeIterator({ arn: s.arn, shard, after, at: this.now() }) });
  }

  private async getRecords(scope: Scope, p: Record<string, unknown>): Promise<KinesisAnswer> {
    const text = p['ShardIterator'];
    const it = typeof text === 'string' ? decodeIterator(text) : undefined;
    if (!it) return invalid("1 validation error detected: Value at 'shardIterator' failed to satisfy constraint: Member must be a valid shard iterator");
    const limit = p['Limit'] ?? 10_000;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      return invalid(`1 validation error detected: Value '${String(limit)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000`);
    }
    const s = await this.store.stream(it.arn);
    if (!s || s.accountId !== scope.accountId || s.region !== scope.region) return fail('ResourceNotFoundException', `Stream ${it.arn} not found.`);
    if (this.now() - it.at > ITERATOR_TTL_MS) return fail('ExpiredIteratorException', 'Iterator expired. The iterator was created more than 5 minutes ago.');
    const records = await this.store.readShard(s.arn, it.shard, it.after, limit);
    const last = records.length > 0 ? records[records.length - 1]!.position : it.after;
    return ok({
      Records: records.map((r) => ({ SequenceNumber: r.sequenceNumber, ApproximateArrivalTimestamp: r.arrivedAt / 1000, Data: r.data.toString('base64'), PartitionKey: r.partitionKey })),
      NextShardIterator: encodeIterator({ ...it, after: last, at: this.now() }),
      MillisBehindLatest: 0,
    });
  }

  /** Never throws: every failure is an answer in Kinesis's error shape. */
  async handle(req: { headers: Headers; body: Buffer; accountId: string; region: string }): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const t = req.headers['x-amz-target'];
    const op = typeof t === 'string' ? t.slice(KINESIS_TARGET_PREFIX.length) : '';
    let params: unknown;
    try {
      params = req.body.length === 0 ? {} : JSON.parse(req.body.toString('utf8'));
    } catch {
      return KinesisService.errorResponse(400, 'SerializationException', 'Start of structure or map found where not expected.');
    }
    if (!isObject(params)) return KinesisService.errorResponse(400, 'SerializationException', 'Start of structure or map found where not expected.');
    let a: KinesisAnswer;
    try {
      a = await this.call({ accountId: req.accountId, region: req.region }, op, params);
    } catch (e) {
      return KinesisService.errorResponse(500, 'InternalFailure', e instanceof Error ? e.message : String(e));
    }
    if (a.status !== 200) return KinesisService.errorResponse(a.status, String(a.body['__type']), String(a.body['message'] ?? ''));
    return reply(200, a.body);
  }

  static errorResponse(status: number, type: string, message: string): { status: number; headers: Record<string, string>; body: Buffer } {
    const r = reply(status, { __type: type, message });
    return { ...r, headers: { ...r.headers, 'x-amzn-ErrorType': type } };
  }

  async close(): Promise<void> {
    await this.store_?.close();
  }
}

function reply(status: number, body: unknown): { status: number; headers: Record<string, string>; body: Buffer } {
  return { status, headers: { 'content-type': CONTENT_TYPE, 'x-amzn-RequestId': randomUUID() }, body: Buffer.from(JSON.stringify(body)) };
}

/** The stream ARN a request names, for identity policies. */
export function kinesisResources(body: Buffer, scope: Scope): string[] {
  try {
    const j = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    if (typeof j['StreamARN'] === 'string') return [j['StreamARN']];
    if (typeof j['StreamName'] === 'string') return [KinesisService.arnOf(scope, j['StreamName'])];
    if (typeof j['ShardIterator'] === 'string') {
      const it = decodeIterator(j['ShardIterator']);
      if (it) return [it.arn];
    }
  } catch {
    // the service answers the bad body
  }
  return ['*'];
}
