/**
 * Stack records in SQLite: one row per stack, what it owns kept as JSON beside the columns a list
 * needs. A stack's resources are not tied to their rows by foreign keys: the stack service owns
 * their lifecycle, and a function deleted by hand stays listed until the next deployment or
 * `stack rm` notices.
 */
import type Database from 'better-sqlite3';
import type { Scope } from '../core/model.js';
import type { StackRecord } from './records.js';
import type { StackStore } from './types.js';
import { deployedWithColumn, fromRow } from './rows/stacks.js';
import type { Row } from './rows/stacks.js';

export const STACKS_SCHEMA = `
CREATE TABLE IF NOT EXISTS stacks (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  stack_id TEXT NOT NULL,
  status TEXT NOT NULL,
  status_reason TEXT NOT NULL,
  description TEXT NOT NULL,
  parameters TEXT NOT NULL,
  outputs TEXT NOT NULL,
  resources TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deployed_with TEXT,
  PRIMARY KEY (account_id, region, name)
);
`;

export class SqliteStackStore implements StackStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    // Data directories from before CloudFormation's templates were kept lack the column.
    const columns = (db.prepare('PRAGMA table_info(stacks)').all() as { name: string }[]).map((c) => c.name);
    if (!columns.includes('deployed_with')) db.exec('ALTER TABLE stacks ADD COLUMN deployed_with TEXT');
    this.stmts = {
      get: db.prepare('SELECT * FROM stacks WHERE account_id = ? AND region = ? AND name = ?'),
      put: db.prepare(`INSERT OR REPLACE INTO stacks
        (account_id, region, name, stack_id, status, status_reason, description, parameters, outputs, resources, created_at, updated_at, deployed_with)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      delete: db.prepare('DELETE FROM stacks WHERE account_id = ? AND region = ? AND name = ?'),
      list: db.prepare('SELECT * FROM stacks WHERE account_id = ? AND region = ? ORDER BY name'),
    };
  }

  async get(scope: Scope, name: string): Promise<StackRecord | undefined> {
    const r = this.stmts.get.get(scope.accountId, scope.region, name) as Row | undefined;
    return r && fromRow(r);
  }

  async put(s: StackRecord): Promise<void> {
    this.stmts.put.run(
      s.accountId, s.region, s.name, s.stackId, s.status, s.statusReason, s.description,
      JSON.stringify(s.parameters), JSON.stringify(s.outputs), JSON.stringify(s.resources), s.createdAt, s.updatedAt,
      deployedWithColumn(s),
    );
  }

  async delete(scope: Scope, name: string): Promise<boolean> {
    return this.stmts.delete.run(scope.accountId, scope.region, name).changes > 0;
  }

  async list(scope: Scope): Promise<StackRecord[]> {
    return (this.stmts.list.all(scope.accountId, scope.region) as Row[]).map(fromRow);
  }
}
