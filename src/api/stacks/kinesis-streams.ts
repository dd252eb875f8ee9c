/**
 * A stack's Kinesis streams (`KinesisStreams` of its document, from `AWS::Kinesis::Stream`;
 * src/sam/kinesis-resources.ts; docs/streams.md): read from the document, created through
 * Nimbus's Kinesis service when missing (undone if the deployment fails), found again on the
 * next deployment, deleted with the stack unless retained. A stream that exists keeps its shards
 * (Nimbus does not reshard).
 */
import { invalidParameter, validationError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import type { KinesisService } from '../../kinesis/service.js';
import { KinesisService as Kinesis } from '../../kinesis/service.js';
import type { StackResource } from '../../store/records.js';
import { list, LOGICAL_ID, named, optionalObject } from './document-fields.js';
import type { Journal } from './journal.js';

export const KINESIS_TYPE = 'AWS::Kinesis::Stream';
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

export interface KinesisStreamSpec {
  LogicalId: string;
  StreamName: string;
  ShardCount: number;
  Retain: boolean;
}

export function parseKinesisStreams(body: Record<string, unknown>, once: (logicalId: string) => void): KinesisStreamSpec[] {
  return list(body['KinesisStreams'], 'kinesisStreams').map((k, i): KinesisStreamSpec => {
    const m = `kinesisStreams.${i}`;
    const o = optionalObject(k, m);
    if (!o) throw validationError(null, m, 'Member must not be null');
    const id = named(o['LogicalId'], 'LogicalId', LOGICAL_ID, m);
    once(id);
    const shards = o['ShardCount'] ?? 1;
    if (typeof shards !== 'number' || !Number.isInteger(shards) || shards < 1 || shards > 64) throw validationError(shards, `${m}.shardCount`, 'Member must have value between 1 and 64');
    const retain = o['Retain'] ?? false;
    if (typeof retain !== 'boolean') throw validationError(retain, `${m}.retain`, 'Member must be a boolean');
    return { LogicalId: id, StreamName: named(o['StreamName'], 'StreamName', STREAM_NAME, m), ShardCount: shards, Retain: retain };
  });
}

async function call(k: KinesisService, scope: Scope, op: string, params: Record<string, unknown>): Promise<void> {
  const a = await k.call(scope, op, params);
  if (a.status !== 200) throw invalidParameter(`Kinesis ${String(a.body['__type'])}: ${String(a.body['message'] ?? '')}`);
}

export async function kinesisStreamExists(k: KinesisService, scope: Scope, name: string): Promise<boolean> {
  return (await k.store.stream(Kinesis.arnOf(scope, name))) !== undefined;
}

export async function applyKinesisStreams(
  scope: Scope,
  specs: readonly KinesisStreamSpec[],
  j: Journal,
  k: KinesisService,
  within: <T>(logicalId: string, step: () => Promise<T>) => Promise<T>,
): Promise<StackResource[]> {
  const out: StackResource[] = [];
  for (const s of specs) {
    await within(s.LogicalId, async () => {
      if (await kinesisStreamExists(k, scope, s.StreamName)) return;
      await call(k, scope, 'CreateStream', { StreamName: s.StreamName, ShardCount: s.ShardCount });
      j.push(`delete Kinesis stream ${s.StreamName}`, () => call(k, scope, 'DeleteStream', { StreamName: s.StreamName }));
    });
    out.push({ logicalId: s.LogicalId, type: KINESIS_TYPE, physicalId: s.StreamName, ...(s.Retain ? { retain: true } : {}) });
  }
  return out;
}

export async function deleteKinesisStream(k: KinesisService, scope: Scope, name: string): Promise<void> {
  if (await kinesisStreamExists(k, scope, name)) await call(k, scope, 'DeleteStream', { StreamName: name });
}
