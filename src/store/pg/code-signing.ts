/** Code signing configs in PostgreSQL, one row per config, scoped by account and region. */
import type { Scope } from '../../core/model.js';
import type { CodeSigningConfigRecord } from '../records.js';
import type { CodeSigningConfigStore } from '../types.js';
import type { PgDb } from './db.js';
import { fromRow } from '../rows/code-signing.js';
import type { Row } from '../rows/code-signing.js';

const args = (c: CodeSigningConfigRecord): unknown[] => [
  c.accountId, c.region, c.id, c.description, JSON.stringify(c.signingProfileVersionArns), c.policy, c.lastModified, JSON.stringify(c.tags),
];
const INSERT = `INSERT INTO code_signing_configs (account_id, region, id, description, profiles, policy, last_modified, tags)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;

export class PgCodeSigningConfigStore implements CodeSigningConfigStore {
  constructor(private readonly db: PgDb) {}

  /** Throws when the id is taken, as SQLite's plain INSERT does. */
  async insert(c: CodeSigningConfigRecord): Promise<void> {
    await this.db.run(INSERT, args(c));
  }

  async get(scope: Scope, id: string): Promise<CodeSigningConfigRecord | undefined> {
    const r = await this.db.one<Row>('SELECT * FROM code_signing_configs WHERE account_id = $1 AND region = $2 AND id = $3', [scope.accountId, scope.region, id]);
    return r && fromRow(r);
  }

  async put(c: CodeSigningConfigRecord): Promise<void> {
    await this.db.run(`${INSERT} ON CONFLICT (account_id, region, id) DO UPDATE SET description = excluded.description,
      profiles = excluded.profiles, policy = excluded.policy, last_modified = excluded.last_modified, tags = excluded.tags`, args(c));
  }

  async delete(scope: Scope, id: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM code_signing_configs WHERE account_id = $1 AND region = $2 AND id = $3', [scope.accountId, scope.region, id])) > 0;
  }

  async list(scope: Scope, afterId: string | undefined, limit: number): Promise<CodeSigningConfigRecord[]> {
    const rows = await this.db.rows<Row>('SELECT * FROM code_signing_configs WHERE account_id = $1 AND region = $2 AND id > $3 ORDER BY id LIMIT $4', [
      scope.accountId, scope.region, afterId ?? '', limit,
    ]);
    return rows.map(fromRow);
  }
}
