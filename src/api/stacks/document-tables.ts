/**
 * The DynamoDB tables of a stack document (`Tables`, from `AWS::Serverless::SimpleTable` and
 * `AWS::DynamoDB::Table`; src/sam/table-resources.ts): each a logical id, a table name,
 * CreateTable's request and tags, and whether `DeletionPolicy: Retain` keeps it. Only the shape is
 * checked here; DynamoDB checks the definition with its own messages when the stack applies it.
 */
import { validationError } from '../../core/errors.js';
import { list, LOGICAL_ID, named, optionalObject, stringMap } from './document-fields.js';

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

export interface TableSpec {
  LogicalId: string;
  TableName: string;
  /** CreateTable's request; its TableName is the spec's. */
  Definition: Record<string, unknown>;
  Tags: Record<string, string>;
  Retain: boolean;
  /** The label the table's stream gets (src/sam/table-resources.ts), when its Definition enables one. */
  StreamLabel?: string | undefined;
}

const STREAM_LABEL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/;

/** Reads `Tables`; `once` refuses a logical id used twice. */
export function parseTables(body: Record<string, unknown>, once: (logicalId: string) => void): TableSpec[] {
  return list(body['Tables'], 'tables').map((t, i): TableSpec => {
    const m = `tables.${i}`;
    const o = optionalObject(t, m);
    if (!o) throw validationError(null, m, 'Member must not be null');
    const id = named(o['LogicalId'], 'LogicalId', LOGICAL_ID, m);
    once(id);
    const name = named(o['TableName'], 'TableName', TABLE_NAME, m);
    const definition = optionalObject(o['Definition'], `${m}.definition`) ?? {};
    const retain = o['Retain'] ?? false;
    if (typeof retain !== 'boolean') throw validationError(retain, `${m}.retain`, 'Member must be a boolean');
    const label = o['StreamLabel'];
    if (label !== undefined && (typeof label !== 'string' || !STREAM_LABEL.test(label))) throw validationError(label, `${m}.streamLabel`, `Member must satisfy regular expression pattern: ${STREAM_LABEL.source}`);
    return { LogicalId: id, TableName: name, Definition: { ...definition, TableName: name }, Tags: stringMap(o['Tags'], `${m}.tags`), Retain: retain, StreamLabel: label };
  });
}
