/**
 * The keep-alive policy's learned state in PostgreSQL, one JSON document per policy name. In a
 * cluster every node saves under the same name: the document is the last saver's, which any node
 * may restore (what it learned is about the functions' traffic, not about one node).
 */
import type { PolicyStateStore } from '../types.js';
import type { PgDb } from './db.js';

export class PgPolicyStateStore implements PolicyStateStore {
  constructor(private readonly db: PgDb) {}

  async get(name: string): Promise<unknown> {
    const r = await this.db.one<{ state: string }>('SELECT state FROM policy_state WHERE name = $1', [name]);
    return r === undefined ? undefined : (JSON.parse(r.state) as unknown);
  }

  async put(name: string, state: unknown, at: number): Promise<void> {
    await this.db.run(
      `INSERT INTO policy_state (name, state, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
      [name, JSON.stringify(state), at],
    );
  }
}
