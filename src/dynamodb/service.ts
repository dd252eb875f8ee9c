/**
 * DynamoDB on Nimbus's endpoint (docs/dynamodb.md): AWS JSON 1.0, `POST /` with `X-Amz-Target:
 * DynamoDB_20120810.<Operation>`, signed for service `dynamodb`. The engine is dynalite
 * (engine.ts); this file speaks the wire: it parses the body, answers in DynamoDB's error shape
 * (`{"__type": "com.amazonaws.dynamodb.v20120810#<Name>", "message": ...}`, with the short name in
 * `x-amzn-ErrorType` too, which the SDKs read first), and names the ARNs each request acts on for
 * identity policies (`arn:aws:dynamodb:<region>:<account>:table/<name>`, `.../index/<name>` for a
 * Query or Scan of an index), as IAM names DynamoDB's resources.
 *
 * Tables live in one node's data directory: a cluster node refuses DynamoDB requests instead of
 * serving tables that other nodes would not see.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import type { Scope } from '../core/model.js';
import { DynamoEngine, type DynamoEngineOptions, type EngineAnswer } from './engine.js';
import { StreamCapture, WRITE_OPERATIONS } from './stream-capture.js';
import { StreamsApi, streamArnOf } from './streams-api.js';
import { StreamsStore } from './streams-store.js';

export const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810.';
export const STREAMS_TARGET_PREFIX = 'DynamoDBStreams_20120810.';
const TABLE_OPERATIONS: ReadonlySet<string> = new Set(['CreateTable', 'UpdateTable', 'DeleteTable', 'DescribeTable']);
const CONTENT_TYPE = 'application/x-amz-json-1.0';
/** DynamoDB's largest request (a BatchWriteItem of 25 items of 400 KB fits well within it). */
export const DYNAMODB_BODY_LIMIT = 16 * 1024 * 1024;

type Headers = Readonly<Record<string, string | string[] | undefined>>;

export interface DynamoRequest {
  method: string;
  path: string;
  headers: Headers;
  body: Buffer;
  accountId: string;
  region: string;
}

export interface DynamoResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const headerOf = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const tableArn = (scope: Scope, table: string): string => `arn:aws:dynamodb:${scope.region}:${scope.accountId}:table/${table}`;

/** The short error name (`ResourceNotFoundException`) of a `__type` such as `com.amazonaws.dynamodb.v20120810#ResourceNotFoundException`. */
const shortType = (type: string): string => type.slice(type.lastIndexOf('#') + 1);

/** Messages dynalite leaves empty, as DynamoDB words them. */
function withMessage(body: Record<string, unknown>, params: unknown): Record<string, unknown> {
  if (typeof body['__type'] !== 'string' || (typeof body['message'] === 'string' && body['message'] !== '')) return body;
  const table = isObject(params) && typeof params['TableName'] === 'string' ? params['TableName'] : '';
  const type = shortType(body['__type']);
  if (type === 'ResourceInUseException') return { ...body, message: `Table already exists: ${table}` };
  if (type === 'ResourceNotFoundException') return { ...body, message: 'Requested resource not found' };
  if (type === 'SerializationException') return { ...body, message: 'Start of structure or map found where not expected.' };
  return body;
}

export class DynamoDbService {
  readonly engine: DynamoEngine;
  private capture: StreamCapture | undefined;
  private streamsApi: StreamsApi | undefined;

  constructor(private readonly o: DynamoEngineOptions & { clustered?: boolean }) {
    this.engine = new DynamoEngine(o);
  }

  /** The streams' store and capture, opened on first use (`<dir>/streams.db`). */
  private streamCapture(): StreamCapture {
    if (!this.capture) {
      if (this.o.dir !== undefined) mkdirSync(this.o.dir, { recursive: true, mode: 0o700 });
      this.capture = new StreamCapture(new StreamsStore(this.o.dir === undefined ? undefined : join(this.o.dir, 'streams.db')));
    }
    return this.capture;
  }

  /** The streams' records, for event-source mappings (src/esm). */
  get streams(): StreamsStore {
    return this.streamCapture().store;
  }

  /** Whether this node serves DynamoDB (and its streams) at all: a cluster node does not. */
  get clustered(): boolean {
    return this.o.clustered === true;
  }

  /** A stream of the stream store changed (records appended): event-source mappings wake up. */
  private readonly watchers = new Set<() => void>();
  watchStreams(fn: () => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  /** DynamoDB's marker: a POST to `/` whose X-Amz-Target names DynamoDB_20120810. */
  static isDynamoRequest(req: { method: string; path: string; headers: Headers }): boolean {
    return req.method === 'POST' && req.path === '/' && (headerOf(req.headers, 'x-amz-target') ?? '').startsWith(DYNAMODB_TARGET_PREFIX);
  }

  /** DynamoDB Streams' marker: the same endpoint, X-Amz-Target naming DynamoDBStreams_20120810. */
  static isStreamsRequest(req: { method: string; path: string; headers: Headers }): boolean {
    return req.method === 'POST' && req.path === '/' && (headerOf(req.headers, 'x-amz-target') ?? '').startsWith(STREAMS_TARGET_PREFIX);
  }

  static operationOf(headers: Headers): string {
    const t = headerOf(headers, 'x-amz-target') ?? '';
    return t.slice(t.indexOf('.') + 1);
  }

  /**
   * One operation by name, for Nimbus's own callers (stacks); the answer as DynamoDB gives it.
   * `streamLabel`: the label a stream enabled by this CreateTable or UpdateTable gets (a stack's
   * tables are planned with their StreamArn before they exist).
   */
  async call(scope: Scope, op: string, params: Record<string, unknown>, o: { streamLabel?: string } = {}): Promise<EngineAnswer> {
    const refused = this.refusal();
    if (refused) return refused;
    const run = (o: string, p: Record<string, unknown>): Promise<EngineAnswer> => this.engine.call(scope, o, p);
    let a: EngineAnswer;
    if (TABLE_OPERATIONS.has(op)) a = await this.streamCapture().tableOp(scope, op, params, run, o.streamLabel);
    else if (WRITE_OPERATIONS.has(op)) {
      a = await this.streamCapture().write(scope, op, params, run);
      if (a.status === 200) for (const w of [...this.watchers]) w();
    } else a = await run(op, params);
    return a.status === 200 ? a : { status: a.status, body: withMessage(a.body, params) };
  }

  /** One DynamoDB Streams operation (streams-api.ts). */
  async callStreams(scope: Scope, op: string, params: Record<string, unknown>): Promise<EngineAnswer> {
    const refused = this.refusal();
    if (refused) return refused;
    this.streamsApi ??= new StreamsApi(this.streams);
    return this.streamsApi.call(scope, op, params);
  }

  /** Never throws: every failure is an answer in DynamoDB's error shape. */
  async handle(req: DynamoRequest): Promise<DynamoResponse> {
    const op = DynamoDbService.operationOf(req.headers);
    let params: unknown;
    try {
      params = req.body.length === 0 ? undefined : JSON.parse(req.body.toString('utf8'));
    } catch {
      return DynamoDbService.errorResponse(400, 'com.amazon.coral.service#SerializationException', 'Start of structure or map found where not expected.');
    }
    if (!isObject(params)) return DynamoDbService.errorResponse(400, 'com.amazon.coral.service#SerializationException', 'Start of structure or map found where not expected.');
    const scope = { accountId: req.accountId, region: req.region };
    const a = DynamoDbService.isStreamsRequest(req) ? await this.callStreams(scope, op, params) : await this.call(scope, op, params);
    if (a.status !== 200) return DynamoDbService.errorResponse(a.status, String(a.body['__type'] ?? 'InternalServerError'), typeof a.body['message'] === 'string' ? a.body['message'] : undefined, a.body);
    return reply(200, a.body);
  }

  private refusal(): EngineAnswer | undefined {
    if (!this.o.clustered) return undefined;
    return {
      status: 400,
      body: {
        __type: 'com.amazon.coral.validate#ValidationException',
        message: 'Nimbus serves DynamoDB on a single node only (tables live in its data directory); this node is part of a cluster (docs/dynamodb.md).',
      },
    };
  }

  static errorResponse(status: number, type: string, message: string | undefined, body?: Record<string, unknown>): DynamoResponse {
    const r = reply(status, { ...(body ?? {}), __type: type, ...(message !== undefined ? { message } : {}) });
    return { ...r, headers: { ...r.headers, 'x-amzn-ErrorType': shortType(type) } };
  }

  async close(): Promise<void> {
    await this.engine.close();
    await this.capture?.store.close();
  }
}

function reply(status: number, body: unknown): DynamoResponse {
  const buf = Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = { 'content-type': CONTENT_TYPE, 'x-amzn-RequestId': randomUUID() };
  // DynamoDB sends the body's CRC32; clients that check it (botocore) do so only when it is there.
  const crc = (zlib as { crc32?: (b: Buffer) => number }).crc32;
  if (typeof crc === 'function') headers['x-amz-crc32'] = String(crc(buf));
  return { status, headers, body: buf };
}

/** The ARNs a DynamoDB request acts on, for identity policies; `*` when it names none. Never throws. */
export function dynamoResources(body: Buffer, scope: Scope, operation: string): string[] {
  let j: Record<string, unknown> = {};
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    if (isObject(v)) j = v;
  } catch {
    // the service answers the bad body; the policy is checked against `*`
  }
  if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
    const tables = isObject(j['RequestItems']) ? Object.keys(j['RequestItems']) : [];
    return tables.length > 0 ? tables.map((t) => tableArn(scope, t)) : ['*'];
  }
  if (typeof j['ResourceArn'] === 'string') return [j['ResourceArn']];
  const stream = streamArnOf(j);
  if (stream !== undefined) return [stream];
  const table = j['TableName'];
  if (typeof table !== 'string') return ['*'];
  const arn = tableArn(scope, table);
  if ((operation === 'Query' || operation === 'Scan') && typeof j['IndexName'] === 'string') return [`${arn}/index/${j['IndexName']}`];
  return [arn];
}
