/**
 * A template's Kinesis streams (docs/streams.md): `AWS::Kinesis::Stream`, planned into
 * CreateStream requests for Nimbus's Kinesis service. CloudFormation's values: `Ref` is the
 * stream's name, `GetAtt Arn` its ARN; an unnamed stream is `<stack>-<LogicalId>-<suffix>`.
 * `ShardCount` (default 1; `StreamModeDetails: ON_DEMAND` 4) is applied; retention, encryption
 * and tags change nothing locally and are reported.
 */
import { SamError } from './errors.js';
import { resolve, type IntrinsicContext } from './intrinsics.js';
import type { Namer } from './names.js';
import { isMap } from './service-plans.js';
import type { Template } from './template.js';

export const KINESIS_STREAM_TYPE = 'AWS::Kinesis::Stream';

export interface KinesisStreamPlan {
  logicalId: string;
  name: string;
  shardCount: number;
  retain: boolean;
}

const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

/** Step one: each stream's physical name and its `Ref` and `GetAtt Arn`. */
export function nameKinesisStreams(t: Template, o: { names: Namer; region: string; accountId: string }, ctx: IntrinsicContext): void {
  for (const [id, r] of Object.entries(t.resources)) {
    if (r.Type !== KINESIS_STREAM_TYPE) continue;
    const raw = resolve(r.Properties['Name'], ctx, `${id}.Name`);
    if (raw !== undefined && (typeof raw !== 'string' || !STREAM_NAME.test(raw))) throw new SamError(`${id}.Name must be 1 to 128 letters, digits, '_', '-' or '.'`);
    const name = o.names.physical(id, raw, 128);
    ctx.resources[id] = { ref: name, attrs: { Arn: `arn:aws:kinesis:${o.region}:${o.accountId}:stream/${name}` } };
  }
}

/** Step two: the CreateStream requests. */
export function planKinesisStreams(t: Template, ctx: IntrinsicContext): KinesisStreamPlan[] {
  const out: KinesisStreamPlan[] = [];
  for (const [id, r] of Object.entries(t.resources)) {
    if (r.Type !== KINESIS_STREAM_TYPE) continue;
    const p = resolve(r.Properties, ctx, id);
    if (!isMap(p)) continue;
    const onDemand = isMap(p['StreamModeDetails']) && p['StreamModeDetails']['StreamMode'] === 'ON_DEMAND';
    const raw = p['ShardCount'] ?? (onDemand ? 4 : 1);
    const shardCount = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
    if (typeof shardCount !== 'number' || !Number.isInteger(shardCount) || shardCount < 1 || shardCount > 64) throw new SamError(`${id}.ShardCount must be 1 to 64 on Nimbus`);
    for (const k of Object.keys(p)) if (!['Name', 'ShardCount', 'StreamModeDetails'].includes(k)) ctx.warn(`${id}: ${k} is not applied by Nimbus`);
    out.push({ logicalId: id, name: ctx.resources[id]!.ref, shardCount, retain: r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate' });
  }
  return out;
}
