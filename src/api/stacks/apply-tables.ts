/**
 * A stack's DynamoDB tables brought to the state the document asks for (docs/dynamodb.md):
 * created when new (and ACTIVE before any function of the stack runs), kept with their items when
 * they exist, their tags made the template's. A change of keys or indexes would need a new table
 * (CloudFormation replaces the table, or builds an index, which dynalite cannot): it is refused
 * with a message saying so, before anything else of the deployment changes that table. Deleting a
 * table (stack rm, or a table the template no longer has) honours `DeletionPolicy: Retain`.
 */
import { conflict, invalidParameter, notFound } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import type { DynamoDbService } from '../../dynamodb/service.js';
import { tableArn } from '../../dynamodb/service.js';
import type { StackResource } from '../../store/records.js';
import type { TableSpec } from './document-tables.js';
import type { Journal } from './journal.js';

export const TABLE_TYPE = 'AWS::DynamoDB::Table';

/** One DynamoDB call for the stack: a refusal becomes Nimbus's error (a missing table ERR_NOT_FOUND, which the cleanup takes as gone). */
async function call(d: DynamoDbService, scope: Scope, op: string, params: Record<string, unknown>, streamLabel?: string): Promise<Record<string, unknown>> {
  const a = await d.call(scope, op, params, streamLabel === undefined ? undefined : { streamLabel });
  if (a.status === 200) return a.body;
  const type = String(a.body['__type'] ?? '');
  const short = type.slice(type.lastIndexOf('#') + 1);
  const message = typeof a.body['message'] === 'string' ? a.body['message'] : '';
  if (short === 'ResourceNotFoundException') throw notFound(`DynamoDB table ${String(params['TableName'] ?? '')} does not exist`);
  throw invalidParameter(`DynamoDB ${short}: ${message}`);
}

export async function describeTable(d: DynamoDbService, scope: Scope, name: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await call(d, scope, 'DescribeTable', { TableName: name }))['Table'] as Record<string, unknown>;
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'ERR_NOT_FOUND') return undefined;
    throw e;
  }
}

/** What a table's items depend on: keys and indexes (names, keys, projections), as comparable text. */
function shape(t: Record<string, unknown>): string {
  const keys = (v: unknown): unknown => (Array.isArray(v) ? v.map((k: Record<string, unknown>) => `${String(k['AttributeName'])}:${String(k['KeyType'])}`) : []);
  const types = new Map(((t['AttributeDefinitions'] as Record<string, unknown>[] | undefined) ?? []).map((a) => [a['AttributeName'], a['AttributeType']]));
  const typed = (v: unknown): unknown => (Array.isArray(v) ? v.map((k: Record<string, unknown>) => `${String(k['AttributeName'])}:${String(k['KeyType'])}:${String(types.get(k['AttributeName']))}`) : []);
  const indexes = (v: unknown): unknown =>
    (Array.isArray(v) ? v : [])
      .map((x: Record<string, unknown>) => {
        const p = (x['Projection'] ?? {}) as Record<string, unknown>;
        const nonKey = Array.isArray(p['NonKeyAttributes']) ? [...(p['NonKeyAttributes'] as string[])].sort() : [];
        return JSON.stringify([x['IndexName'], typed(x['KeySchema']), p['ProjectionType'] ?? 'ALL', nonKey]);
      })
      .sort();
  return JSON.stringify([typed(t['KeySchema']), keys(t['KeySchema']), indexes(t['GlobalSecondaryIndexes']), indexes(t['LocalSecondaryIndexes'])]);
}

async function waitActive(d: DynamoDbService, scope: Scope, name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const t = await describeTable(d, scope, name);
    if (t && t['TableStatus'] === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function replaceTags(d: DynamoDbService, scope: Scope, name: string, tags: Record<string, string>): Promise<Record<string, string>> {
  const arn = tableArn(scope, name);
  const listed = await call(d, scope, 'ListTagsOfResource', { ResourceArn: arn });
  const before = Object.fromEntries(((listed['Tags'] as { Key: string; Value: string }[] | undefined) ?? []).map((t) => [t.Key, t.Value]));
  const gone = Object.keys(before).filter((k) => !(k in tags));
  if (gone.length > 0) await call(d, scope, 'UntagResource', { ResourceArn: arn, TagKeys: gone });
  const changed = Object.entries(tags).filter(([k, v]) => before[k] !== v);
  if (changed.length > 0) await call(d, scope, 'TagResource', { ResourceArn: arn, Tags: changed.map(([Key, Value]) => ({ Key, Value })) });
  return before;
}

/**
 * The table's stream as the document asks: the planned one (its label from the document) when
 * the definition enables one, none otherwise. A stream with another label or view type is
 * closed and the planned one opened (a new stream, as DynamoDB makes on each enabling).
 */
async function applyStream(scope: Scope, t: TableSpec, existing: Record<string, unknown>, d: DynamoDbService): Promise<void> {
  const spec = t.Definition['StreamSpecification'] as { StreamEnabled?: boolean; StreamViewType?: string } | undefined;
  const want = spec?.StreamEnabled === true && t.StreamLabel ? `${tableArn(scope, t.TableName)}/stream/${t.StreamLabel}` : undefined;
  const current = existing['StreamSpecification'] ? (existing['LatestStreamArn'] as string | undefined) : undefined;
  const view = (existing['StreamSpecification'] as { StreamViewType?: string } | undefined)?.StreamViewType;
  if (current === want && (!want || view === spec?.StreamViewType)) return;
  if (current) await call(d, scope, 'UpdateTable', { TableName: t.TableName, StreamSpecification: { StreamEnabled: false } });
  if (want) await call(d, scope, 'UpdateTable', { TableName: t.TableName, StreamSpecification: spec }, t.StreamLabel);
}

async function applyTable(scope: Scope, t: TableSpec, j: Journal, d: DynamoDbService): Promise<void> {
  const existing = await describeTable(d, scope, t.TableName);
  if (!existing) {
    await call(d, scope, 'CreateTable', t.Definition, t.StreamLabel);
    j.push(`delete table ${t.TableName}`, () => call(d, scope, 'DeleteTable', { TableName: t.TableName }));
    await waitActive(d, scope, t.TableName);
    // dynalite does not keep CreateTable's Tags: they are set as an update would set them.
    if (Object.keys(t.Tags).length > 0) await replaceTags(d, scope, t.TableName, t.Tags);
    return;
  }
  if (shape(existing) !== shape(t.Definition)) {
    throw conflict(
      `table ${t.TableName} has other keys or indexes than the template gives; Nimbus does not rebuild a table in place (CloudFormation would replace it or build the index): give the table another name, or delete it first (docs/dynamodb.md)`,
    );
  }
  const before = await replaceTags(d, scope, t.TableName, t.Tags);
  j.push(`restore the tags of table ${t.TableName}`, () => replaceTags(d, scope, t.TableName, before));
  await applyStream(scope, t, existing, d);
}

/** Applies the document's tables; answers their stack resources. */
export async function applyTables(
  scope: Scope,
  tables: readonly TableSpec[],
  j: Journal,
  d: DynamoDbService,
  within: <T>(logicalId: string, step: () => Promise<T>) => Promise<T>,
): Promise<StackResource[]> {
  const out: StackResource[] = [];
  for (const t of tables) {
    await within(t.LogicalId, () => applyTable(scope, t, j, d));
    out.push({ logicalId: t.LogicalId, type: TABLE_TYPE, physicalId: t.TableName, ...(t.Retain ? { retain: true } : {}) });
  }
  return out;
}

/** Deletes a stack's table (the cleanup calls it unless the resource is retained). */
export async function deleteTable(d: DynamoDbService, scope: Scope, name: string): Promise<void> {
  await call(d, scope, 'DeleteTable', { TableName: name });
}

/** The table exists already (another stack's, or made outside any stack). */
export async function tableExists(d: DynamoDbService, scope: Scope, name: string): Promise<boolean> {
  return (await describeTable(d, scope, name)) !== undefined;
}
