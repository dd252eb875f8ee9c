/**
 * DynamoDB Streams around dynalite, which has none (docs/dynamodb.md, "Streams"):
 *
 * - Tables: a `StreamSpecification` on CreateTable or UpdateTable is checked and kept here (it is
 *   taken out of what dynalite sees); each enabling mints a new stream (ARN `<table
 *   ARN>/stream/<label>`, the label its creation time), disabling or deleting the table closes it.
 *   Table descriptions get `StreamSpecification`, `LatestStreamArn` and `LatestStreamLabel`.
 * - Items: a PutItem, UpdateItem, DeleteItem or BatchWriteItem on a table with an enabled stream
 *   reads the items it touches before and after (consistent reads, the table's writes taken one
 *   at a time so nothing slips in between) and records INSERT, MODIFY or REMOVE with the images
 *   the stream's view type keeps. A write that changes nothing (the same item put again, a delete
 *   of a missing item, a failed condition) records nothing, as in DynamoDB. dynalite has no
 *   transactions, so there are none to capture.
 */
import { randomBytes } from 'node:crypto';
import type { Scope } from '../core/model.js';
import type { EngineAnswer } from './engine.js';
import { itemSize, keyOf, sameItem } from './item-image.js';
import { VIEW_TYPES, type Item, type NewChange, type StreamRecordRow, type StreamsStore, type StreamViewType } from './streams-store.js';

export type RunOp = (op: string, params: Record<string, unknown>) => Promise<EngineAnswer>;

const VALIDATION = 'com.amazon.coral.validate#ValidationException';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const invalid = (message: string): EngineAnswer => ({ status: 400, body: { __type: VALIDATION, message } });
const TRIM_EVERY_MS = 60_000;

/** Item writes whose changes a stream records. */
export const WRITE_OPERATIONS: ReadonlySet<string> = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

type Spec = { enabled: false } | { enabled: true; viewType: StreamViewType };

/** A StreamSpecification checked as DynamoDB's model constrains it; an answer when it is bad. */
function parseSpec(v: unknown): Spec | EngineAnswer {
  if (!isObject(v)) return invalid("1 validation error detected: Value null at 'streamSpecification.streamEnabled' failed to satisfy constraint: Member must not be null");
  const enabled = v['StreamEnabled'];
  if (typeof enabled !== 'boolean') return invalid("1 validation error detected: Value null at 'streamSpecification.streamEnabled' failed to satisfy constraint: Member must not be null");
  const view = v['StreamViewType'];
  if (view !== undefined && !VIEW_TYPES.includes(view as StreamViewType)) {
    return invalid(`1 validation error detected: Value '${String(view)}' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]`);
  }
  if (!enabled) {
    if (view !== undefined) return invalid('One or more parameter values were invalid: StreamViewType can only be specified when StreamEnabled is true');
    return { enabled: false };
  }
  if (view === undefined) return invalid('One or more parameter values were invalid: StreamViewType is required when StreamEnabled is true');
  return { enabled: true, viewType: view as StreamViewType };
}

const isAnswer = (x: Spec | EngineAnswer): x is EngineAnswer => 'status' in x;

export class StreamCapture {
  private readonly locks = new Map<string, Promise<void>>();
  private lastTrim = 0;

  constructor(
    readonly store: StreamsStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** CreateTable, UpdateTable, DeleteTable, DescribeTable: the stream part kept here, the rest dynalite's. */
  async tableOp(scope: Scope, op: string, params: Record<string, unknown>, run: RunOp, label?: string): Promise<EngineAnswer> {
    const table = typeof params['TableName'] === 'string' ? params['TableName'] : '';
    let spec: Spec | undefined;
    let rest = params;
    if ((op === 'CreateTable' || op === 'UpdateTable') && params['StreamSpecification'] !== undefined) {
      const parsed = parseSpec(params['StreamSpecification']);
      if (isAnswer(parsed)) return parsed;
      spec = parsed;
      const { StreamSpecification: _, ...others } = params;
      rest = others;
    }
    let a: EngineAnswer;
    if (op === 'UpdateTable' && spec !== undefined) {
      const current = await this.store.latest(scope, table);
      const open = current && current.closedAt === undefined ? current : undefined;
      if (spec.enabled && open) return invalid(`Table already has an enabled stream: TableName: ${table}`);
      if (!spec.enabled && !open) return invalid(`Table already has no stream enabled: TableName: ${table}`);
      // Only the stream changes: dynalite refuses an UpdateTable with nothing else in it.
      const others = Object.keys(rest).filter((k) => k !== 'TableName');
      if (others.length === 0) {
        const d = await run('DescribeTable', { TableName: table });
        a = d.status === 200 ? { status: 200, body: { TableDescription: d.body['Table'] } } : d;
      } else a = await run(op, rest);
    } else {
      a = await run(op, rest);
    }
    if (a.status !== 200) return a;
    const key = op === 'DescribeTable' ? 'Table' : 'TableDescription';
    const desc = a.body[key];
    if (!isObject(desc)) return a;
    if (spec !== undefined) await this.applySpec(scope, table, spec, desc, label);
    if (op === 'DeleteTable') await this.close(scope, table);
    return { status: 200, body: { ...a.body, [key]: await this.describe(scope, table, desc) } };
  }

  private async applySpec(scope: Scope, table: string, spec: Spec, desc: Record<string, unknown>, given?: string): Promise<void> {
    if (!spec.enabled) return this.close(scope, table);
    const now = this.now();
    const current = await this.store.latest(scope, table);
    // Two enablings within one millisecond would share a label: the next one is a millisecond later.
    const at = current && current.createdAt >= now ? current.createdAt + 1 : now;
    const label = given ?? new Date(at).toISOString().slice(0, -1);
    const tableArn = typeof desc['TableArn'] === 'string' ? desc['TableArn'] : `arn:aws:dynamodb:${scope.region}:${scope.accountId}:table/${table}`;
    const arn = `${tableArn}/stream/${label}`;
    // A stack's label comes again when the stack is deployed anew: the old stream's records are not the new one's.
    if (given !== undefined) await this.store.forget(arn);
    await this.store.putStream({
      ...scope,
      arn,
      tableName: table,
      label,
      viewType: spec.viewType,
      keySchema: Array.isArray(desc['KeySchema']) ? (desc['KeySchema'] as StreamRecordRow['keySchema']) : [],
      createdAt: at,
      closedAt: undefined,
    });
  }

  private async close(scope: Scope, table: string): Promise<void> {
    const s = await this.store.latest(scope, table);
    if (s && s.closedAt === undefined) await this.store.putStream({ ...s, closedAt: this.now() });
  }

  /** The description with the table's stream members, as DynamoDB shows them. */
  private async describe(scope: Scope, table: string, desc: Record<string, unknown>): Promise<Record<string, unknown>> {
    const s = await this.store.latest(scope, table);
    if (!s) return desc;
    // A stream of an earlier table of the same name is not this table's.
    const created = typeof desc['CreationDateTime'] === 'number' ? desc['CreationDateTime'] * 1000 : 0;
    if (s.createdAt < created - 1000) return desc;
    return {
      ...desc,
      ...(s.closedAt === undefined ? { StreamSpecification: { StreamEnabled: true, StreamViewType: s.viewType } } : {}),
      LatestStreamArn: s.arn,
      LatestStreamLabel: s.label,
    };
  }

  /** An item write, with its stream records when the table has an enabled stream. */
  async write(scope: Scope, op: string, params: Record<string, unknown>, run: RunOp): Promise<EngineAnswer> {
    const requests = writeTargets(op, params);
    const streams = new Map<string, StreamRecordRow>();
    for (const table of new Set(requests.map((r) => r.table))) {
      const s = await this.store.latest(scope, table);
      if (s && s.closedAt === undefined) streams.set(table, s);
    }
    if (streams.size === 0) return run(op, params);
    const release = await this.lock([...streams.keys()].map((t) => `${scope.accountId}/${scope.region}/${t}`));
    try {
      const targets: Array<{ stream: StreamRecordRow; key: Item; before: Item | undefined }> = [];
      for (const r of requests) {
        const stream = streams.get(r.table);
        if (!stream) continue;
        const key = keyOf(r.key, stream.keySchema);
        // A request without its key is refused by dynalite; there is nothing to record.
        if (!key) return run(op, params);
        targets.push({ stream, key, before: await this.read(scope, r.table, key, run) });
      }
      const a = await run(op, params);
      if (a.status !== 200) return a;
      const at = this.now();
      const changes: NewChange[] = [];
      for (const t of targets) {
        const after = await this.read(scope, t.stream.tableName, t.key, run);
        if (sameItem(t.before, after)) continue;
        changes.push(record(t.stream, t.key, t.before, after, at));
      }
      await this.store.append(changes);
      if (at - this.lastTrim > TRIM_EVERY_MS) {
        this.lastTrim = at;
        await this.store.trim(at);
      }
      return a;
    } finally {
      release();
    }
  }

  private async read(scope: Scope, table: string, key: Item, run: RunOp): Promise<Item | undefined> {
    void scope;
    const a = await run('GetItem', { TableName: table, Key: key, ConsistentRead: true });
    const item = a.status === 200 ? a.body['Item'] : undefined;
    return isObject(item) ? (item as Item) : undefined;
  }

  /** Takes the locks of several tables, always in the same order (no two writers wait on each other). */
  private async lock(keys: string[]): Promise<() => void> {
    const releases: Array<() => void> = [];
    for (const k of [...keys].sort()) {
      const prev = this.locks.get(k) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      const chained = prev.then(() => mine);
      this.locks.set(k, chained);
      await prev;
      releases.push(() => {
        release();
        if (this.locks.get(k) === chained) this.locks.delete(k);
      });
    }
    return () => releases.forEach((r) => r());
  }
}

/** The table and key (or item) each write request names. */
function writeTargets(op: string, params: Record<string, unknown>): Array<{ table: string; key: unknown }> {
  if (op === 'BatchWriteItem') {
    const out: Array<{ table: string; key: unknown }> = [];
    const items = params['RequestItems'];
    if (!isObject(items)) return out;
    for (const [table, list] of Object.entries(items)) {
      if (!Array.isArray(list)) continue;
      for (const r of list) {
        if (!isObject(r)) continue;
        const put = r['PutRequest'];
        const del = r['DeleteRequest'];
        if (isObject(put)) out.push({ table, key: put['Item'] });
        else if (isObject(del)) out.push({ table, key: del['Key'] });
      }
    }
    return out;
  }
  const table = typeof params['TableName'] === 'string' ? params['TableName'] : '';
  return [{ table, key: op === 'PutItem' ? params['Item'] : params['Key'] }];
}

function record(stream: StreamRecordRow, keys: Item, before: Item | undefined, after: Item | undefined, at: number): NewChange {
  const view = stream.viewType;
  const newImage = view === 'NEW_IMAGE' || view === 'NEW_AND_OLD_IMAGES' ? after : undefined;
  const oldImage = view === 'OLD_IMAGE' || view === 'NEW_AND_OLD_IMAGES' ? before : undefined;
  return {
    streamArn: stream.arn,
    eventId: randomBytes(16).toString('hex'),
    eventName: before === undefined ? 'INSERT' : after === undefined ? 'REMOVE' : 'MODIFY',
    createdAt: at,
    keys,
    newImage,
    oldImage,
    sizeBytes: itemSize(keys) + itemSize(newImage) + itemSize(oldImage),
  };
}
