/**
 * The account store suite against the PostgreSQL store (cluster mode): one temporary PostgreSQL
 * for the file, one schema per case. Without PostgreSQL it skips, and fails under CI=true.
 */
import pg from 'pg';
import { KeyringSecretBox } from '../../src/accounts/keyring-box.js';
import { PG_KEY_STALE_MS, PgAccountStore } from '../../src/accounts/pg-store.js';
import { Keyring } from '../../src/secrets/keyring.js';
import { SecretBox } from '../../src/secrets/secret-box.js';
import { postgresSuite } from '../helpers/postgres.js';
import { runAccountSuite } from './accounts.case.js';

postgresSuite('account store contract: postgres', (db) => {
  runAccountSuite('postgres', async () => {
    const schema = db.schema('accounts');
    const box = new KeyringSecretBox(new SecretBox(Keyring.ephemeral()));
    const sql = new pg.Client({ connectionString: db.url, options: `-c search_path=${schema}` });
    // The schema and tables exist once a store has opened.
    await (await PgAccountStore.open({ url: db.url, schema, poolSize: 1 })).close();
    await sql.connect();
    return {
      open: async () => await PgAccountStore.open({ url: db.url, schema, box, poolSize: 2 }),
      raw: async (id) => (await sql.query<{ secret: Buffer | null; box: string }>('SELECT secret, box FROM auth_access_keys WHERE access_key_id = $1', [id])).rows[0]!,
      insertPlain: async (id, account, secret) =>
        void (await sql.query("INSERT INTO auth_access_keys (access_key_id, account_id, name, secret, box, status, created_at) VALUES ($1, $2, 'old', $3, 'plain', 'Active', 1)", [
          id,
          account,
          Buffer.from(secret),
        ])),
      settle: async () => await new Promise((r) => setTimeout(r, PG_KEY_STALE_MS + 100)),
      close: async () => await sql.end(),
    };
  });
});
