/**
 * Event-source mappings in SQLite. The columns a listing filters on are columns; the rest of the
 * configuration is one JSON document. No foreign key to the function (records.ts says why).
 */
import type Database from 'better-sqlite3';
import type { Scope } from '../core/model.js';
import type { EventSourceMappingRecord } from './records.js';
import type { EventSourceMappingFilter, EventSourceMappingStore } from './types.js';
import { fromRow } from './rows/esm.js';
import type { Config, Row } from './rows/esm.js';

export const ESM_SCHEMA = `
CREATE TABLE IF NOT EXISTS event_source_mappings (
  uuid TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  event_source_arn TEXT NOT NULL,
  state TEXT NOT NULL,
  config TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS event_source_mappings_scope ON event_source_mappings (account_id, region, uuid);
`;

function toRow(m: EventSourceMappingRecord): Row {
  const { accountId, region, uuid, functionName, qualifier, eventSourceArn, state, ...config } = m;
  return {
    uuid,
    account_id: accountId,
    region,
    function_name: functionName,
    qualifier: qualifier ?? '',
    event_source_arn: eventSourceArn,
    state,
    // undefined members are dropped by JSON, and come back as undefined.
    config: JSON.stringify(config satisfies Config),
  };
}

export class SqliteEventSourceMappingStore implements EventSourceMappingStore {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
      insert: db.prepare(`INSERT INTO event_source_mappings (uuid, account_id, region, function_name, qualifier, event_source_arn, state, config)
        VALUES (@uuid, @account_id, @region, @function_name, @qualifier, @event_source_arn, @state, @config) ON CONFLICT (uuid) DO NOTHING`),
      put: db.prepare(`UPDATE event_source_mappings SET account_id = @account_id, region = @region, function_name = @function_name,
        qualifier = @qualifier, event_source_arn = @event_source_arn, state = @state, config = @config WHERE uuid = @uuid`),
      get: db.prepare('SELECT * FROM event_source_mappings WHERE uuid = ?'),
      delete: db.prepare('DELETE FROM event_source_mappings WHERE uuid = ?'),
      all: db.prepare('SELECT * FROM event_source_mappings ORDER BY uuid'),
    };
  }

  async insert(m: EventSourceMappingRecord): Promise<boolean> {
    return this.s.insert.run(toRow(m)).changes === 1;
  }

  async get(uuid: string): Promise<EventSourceMappingRecord | undefined> {
    const r = this.s.get.get(uuid) as Row | undefined;
    return r && fromRow(r);
  }

  async put(m: EventSourceMappingRecord): Promise<void> {
    this.s.put.run(toRow(m));
  }

  async delete(uuid: string): Promise<boolean> {
    return this.s.delete.run(uuid).changes === 1;
  }

  async list(scope: Scope, f: EventSourceMappingFilter, afterUuid: string | undefined, limit: number): Promise<EventSourceMappingRecord[]> {
    const where = ['account_id = ?', 'region = ?', 'uuid > ?'];
    const args: (string | number)[] = [scope.accountId, scope.region, afterUuid ?? ''];
    if (f.functionName !== undefined) {
      where.push('function_name = ?');
      args.push(f.functionName);
      if (f.qualifier !== undefined) {
        where.push('qualifier = ?');
        args.push(f.qualifier);
      }
    }
    if (f.eventSourceArn !== undefined) {
      where.push('event_source_arn = ?');
      args.push(f.eventSourceArn);
    }
    const sql = `SELECT * FROM event_source_mappings WHERE ${where.join(' AND ')} ORDER BY uuid LIMIT ?`;
    return (this.db.prepare(sql).all(...args, limit) as Row[]).map(fromRow);
  }

  async all(): Promise<EventSourceMappingRecord[]> {
    return (this.s.all.all() as Row[]).map(fromRow);
  }
}
