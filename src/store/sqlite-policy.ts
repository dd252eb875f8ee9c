/** The keep-alive policy's learned state, one JSON document per policy name. */
import type Database from 'better-sqlite3';
import type { PolicyStateStore } from './types.js';

export const POLICY_SCHEMA = `
CREATE TABLE IF NOT EXISTS policy_state (
  name TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
`;

export class SqlitePolicyStateStore implements PolicyStateStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      get: db.prepare('SELECT state FROM policy_state WHERE name = ?'),
      put: db.prepare('INSERT OR REPLACE INTO policy_state (name, state, updated_at) VALUES (?, ?, ?)'),
    };
  }

  async get(name: string): Promise<unknown> {
    const r = this.stmts.get.get(name) as { state: string } | undefined;
    return r === undefined ? undefined : (JSON.parse(r.state) as unknown);
  }

  async put(name: string, state: unknown, at: number): Promise<void> {
    this.stmts.put.run(name, JSON.stringify(state), at);
  }
}
