/**
 * A template's DynamoDB tables (docs/dynamodb.md): `AWS::Serverless::SimpleTable` and
 * `AWS::DynamoDB::Table`, planned into CreateTable requests for Nimbus's DynamoDB service.
 *
 * CloudFormation's values: a table's `Ref` is its name, `GetAtt` Arn and, with a
 * StreamSpecification, StreamArn; an unnamed table is `<stack>-<LogicalId>-<suffix>` (names.ts). A
 * SimpleTable is what SAM makes of it: `PrimaryKey` (default `{Name: id, Type: String}`) as the
 * hash key, PAY_PER_REQUEST unless ProvisionedThroughput is given. Throughput, SSE, point-in-time
 * recovery, table class, deletion protection and contributor insights change nothing locally and
 * are taken quietly; TTL is warned about (dynalite has none).
 *
 * A stream's ARN ends in its label, which DynamoDB makes from the time the stream was created;
 * a template needs it before the table exists (`!GetAtt Table.StreamArn` in an event), so a
 * stack's table gets a label derived from the stack and the logical id, shaped as a timestamp
 * and the same on every deployment of the stack (docs/streams.md).
 */
import { SamError } from './errors.js';
import { resolve, type IntrinsicContext } from './intrinsics.js';
import type { Namer } from './names.js';
import { isMap, tagList } from './service-plans.js';
import type { Template, TemplateResource } from './template.js';

export const TABLE_TYPES = new Set(['AWS::Serverless::SimpleTable', 'AWS::DynamoDB::Table']);

export interface TablePlan {
  logicalId: string;
  name: string;
  /** CreateTable's request (TableName included). */
  definition: Record<string, unknown>;
  tags: Record<string, string>;
  /** `DeletionPolicy: Retain` (or RetainExceptOnCreate): the table outlives the stack. */
  retain: boolean;
  /** The label of the table's stream, when it has one (its StreamArn ends in it). */
  streamLabel: string | undefined;
}

/** A timestamp-shaped label from the stack's API id for the table (stable per stack and logical id), within 2020-2030. */
export function stackStreamLabel(seed: string): string {
  let h = 0n;
  for (const c of seed) h = (h * 131n + BigInt(c.charCodeAt(0))) % 315_532_800_000n;
  return new Date(Date.UTC(2020, 0, 1) + Number(h)).toISOString().slice(0, -1);
}

interface Where {
  names: Namer;
  region: string;
  accountId: string;
}

/** DynamoDB's table names: 3 to 255 of letters, digits, `_`, `-`, `.`. */
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/** Properties that cost or protect something on AWS and change nothing on Nimbus. */
const QUIET = new Set([
  'ProvisionedThroughput', 'SSESpecification', 'PointInTimeRecoverySpecification', 'TableClass', 'DeletionProtectionEnabled',
  'ContributorInsightsSpecification', 'OnDemandThroughput', 'WarmThroughput', 'ResourcePolicy',
]);

/** Step one: each table's physical name and its `Ref` and `GetAtt` values. */
export function nameTables(t: Template, o: Where, ctx: IntrinsicContext): void {
  for (const [id, r] of Object.entries(t.resources)) {
    if (!TABLE_TYPES.has(r.Type)) continue;
    const raw = resolve(r.Properties['TableName'], ctx, `${id}.TableName`);
    if (raw !== undefined && (typeof raw !== 'string' || !TABLE_NAME.test(raw))) throw new SamError(`${id}.TableName must be 3 to 255 letters, digits, '_', '-' or '.'`);
    const name = o.names.physical(id, raw, 255);
    const arn = `arn:aws:dynamodb:${o.region}:${o.accountId}:table/${name}`;
    const stream = r.Type === 'AWS::DynamoDB::Table' && r.Properties['StreamSpecification'] !== undefined ? `${arn}/stream/${stackStreamLabel(o.names.apiId(id))}` : undefined;
    ctx.resources[id] = { ref: name, attrs: { Arn: arn, ...(stream ? { StreamArn: stream } : {}) } };
  }
}

const SIMPLE_TYPES: Readonly<Record<string, string>> = { String: 'S', Number: 'N', Binary: 'B' };

function simpleTable(id: string, p: Record<string, unknown>, name: string): Record<string, unknown> {
  const key = p['PrimaryKey'] ?? { Name: 'id', Type: 'String' };
  if (!isMap(key) || typeof key['Name'] !== 'string' || typeof key['Type'] !== 'string' || !SIMPLE_TYPES[key['Type']]) {
    throw new SamError(`${id}.PrimaryKey must be {Name, Type} with Type String, Number or Binary`);
  }
  return {
    TableName: name,
    AttributeDefinitions: [{ AttributeName: key['Name'], AttributeType: SIMPLE_TYPES[key['Type']] }],
    KeySchema: [{ AttributeName: key['Name'], KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  };
}

/** Only the members CreateTable takes (CloudFormation's index properties are the same names). */
function index(v: unknown, where: string): Record<string, unknown> {
  if (!isMap(v) || typeof v['IndexName'] !== 'string' || !Array.isArray(v['KeySchema']) || !isMap(v['Projection'])) {
    throw new SamError(`${where} needs IndexName, KeySchema and Projection`);
  }
  return { IndexName: v['IndexName'], KeySchema: v['KeySchema'], Projection: v['Projection'] };
}

function dynamoTable(id: string, p: Record<string, unknown>, name: string, ctx: IntrinsicContext): Record<string, unknown> {
  if (!Array.isArray(p['KeySchema']) || !Array.isArray(p['AttributeDefinitions'])) throw new SamError(`${id}: an AWS::DynamoDB::Table needs KeySchema and AttributeDefinitions`);
  const out: Record<string, unknown> = { TableName: name, AttributeDefinitions: p['AttributeDefinitions'], KeySchema: p['KeySchema'], BillingMode: 'PAY_PER_REQUEST' };
  if (Array.isArray(p['GlobalSecondaryIndexes']) && p['GlobalSecondaryIndexes'].length > 0) {
    out['GlobalSecondaryIndexes'] = p['GlobalSecondaryIndexes'].map((x, i) => index(x, `${id}.GlobalSecondaryIndexes.${i}`));
  }
  if (Array.isArray(p['LocalSecondaryIndexes']) && p['LocalSecondaryIndexes'].length > 0) {
    out['LocalSecondaryIndexes'] = p['LocalSecondaryIndexes'].map((x, i) => index(x, `${id}.LocalSecondaryIndexes.${i}`));
  }
  if (p['TimeToLiveSpecification'] !== undefined) ctx.warn(`${id}: TimeToLiveSpecification is not applied by Nimbus (its DynamoDB does not expire items)`);
  const stream = p['StreamSpecification'];
  if (stream !== undefined) {
    // CloudFormation's StreamSpecification has only the view type (a ResourcePolicy changes nothing locally).
    if (!isMap(stream) || typeof stream['StreamViewType'] !== 'string') throw new SamError(`${id}.StreamSpecification needs a StreamViewType`);
    out['StreamSpecification'] = { StreamEnabled: true, StreamViewType: stream['StreamViewType'] };
  }
  if (p['KinesisStreamSpecification'] !== undefined || p['ImportSourceSpecification'] !== undefined) {
    ctx.warn(`${id}: KinesisStreamSpecification and ImportSourceSpecification are not applied by Nimbus`);
  }
  return out;
}

/** Step two: the CreateTable requests. */
export function planTables(t: Template, ctx: IntrinsicContext): TablePlan[] {
  const out: TablePlan[] = [];
  for (const [id, r] of Object.entries(t.resources)) {
    if (!TABLE_TYPES.has(r.Type)) continue;
    const p = resolve(r.Properties, ctx, id);
    if (!isMap(p)) continue;
    const name = ctx.resources[id]!.ref;
    const simple = r.Type === 'AWS::Serverless::SimpleTable';
    const definition = simple ? simpleTable(id, p, name) : dynamoTable(id, p, name, ctx);
    const known = simple ? ['TableName', 'PrimaryKey', 'Tags'] : ['TableName', 'KeySchema', 'AttributeDefinitions', 'GlobalSecondaryIndexes', 'LocalSecondaryIndexes', 'BillingMode', 'Tags', 'TimeToLiveSpecification', 'StreamSpecification', 'KinesisStreamSpecification', 'ImportSourceSpecification'];
    for (const k of Object.keys(p)) if (!known.includes(k) && !QUIET.has(k)) ctx.warn(`${id}: ${k} is not applied by Nimbus`);
    // SimpleTable's Tags are a map; AWS::DynamoDB::Table's a list of {Key, Value}.
    const tags = simple ? (isMap(p['Tags']) ? Object.fromEntries(Object.entries(p['Tags']).map(([k, v]) => [k, String(v)])) : {}) : tagList(p['Tags'], `${id}.Tags`);
    const streamArn = ctx.resources[id]!.attrs['StreamArn'];
    out.push({ logicalId: id, name, definition, tags, retain: retains(r), streamLabel: streamArn ? streamArn.slice(streamArn.lastIndexOf('/') + 1) : undefined });
  }
  return out;
}

const retains = (r: TemplateResource): boolean => r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate';
