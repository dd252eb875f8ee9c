/**
 * Event-source mappings in PostgreSQL. The columns a listing filters on are columns; the rest of
 * the configuration is one JSON document. No foreign key to the function (records.ts says why).
 */
import type { Scope } from '../../core/model.js';
import type { EventSourceMappingRecord } from '../records.js';
import type { EventSourceMappingFilter, EventSourceMappingStore } from '../types.js';
import type { PgDb } from './db.js';
import { fromRow } from '../rows/esm.js';
import type { Config, Row } from '../rows/esm.js';

function args(m: EventSourceMappingRecord): unknown[] {
  const { accountId, region, uuid, functionName, qualifier, eventSourceArn, state, ...config } = m;
  // undefined members are dropped by JSON, and come back as undefined.
  return [uuid, accountId, region, functionName, qualifier ?? '', eventSourceArn, state, JSON.stringify(config satisfies Config)];
}

export class PgEventSourceMappingStore implements EventSourceMappingStore {
  constructor(private readonly db: PgDb) {}

  async insert(m: EventSourceMappingRecord): Promise<boolean> {
    const n = await this.db.run(
      `INSERT INTO event_source_mappings (uuid, account_id, region, function_name, qualifier, event_source_arn, state, config)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (uuid) DO NOTHING`,
      args(m),
    );
    return n === 1;
  }

  async get(uuid: string): Promise<EventSourceMappingRecord | undefined> {
    const r = await this.db.one<Row>('SELECT * FROM event_source_mappings WHERE uuid = $1', [uuid]);
    return r && fromRow(r);
  }

  async put(m: EventSourceMappingRecord): Promise<void> {
    await this.db.run(
      `UPDATE event_source_mappings SET account_id = $2, region = $3, function_name = $4, qualifier = $5, event_source_arn = $6,
       state = $7, config = $8 WHERE uuid = $1`,
      args(m),
    );
  }

  async delete(uuid: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM event_source_mappings WHERE uuid = $1', [uuid])) === 1;
  }

  async list(scope: Scope, f: EventSourceMappingFilter, afterUuid: string | undefined, limit: number): Promise<EventSourceMappingRecord[]> {
    const args: unknown[] = [scope.accountId, scope.region, afterUuid ?? ''];
    const where = ['account_id = $1', 'region = $2', 'uuid > $3'];
    const add = (column: string, value: string): void => {
      args.push(value);
      where.push(`${column} = $${args.length}`);
    };
    if (f.functionName !== undefined) {
      add('function_name', f.functionName);
      if (f.qualifier !== undefined) add('qualifier', f.qualifier);
    }
    if (f.eventSourceArn !== undefined) add('event_source_arn', f.eventSourceArn);
    args.push(limit);
    const rows = await this.db.rows<Row>(`SELECT * FROM event_source_mappings WHERE ${where.join(' AND ')} ORDER BY uuid LIMIT $${args.length}`, args);
    return rows.map(fromRow);
  }

  async all(): Promise<EventSourceMappingRecord[]> {
    return (await this.db.rows<Row>('SELECT * FROM event_source_mappings ORDER BY uuid')).map(fromRow);
  }
}
