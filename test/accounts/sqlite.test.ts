/** The account store suite against the SQLite store (auth.db), one file per case, secrets sealed with a keyring. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import Database from 'better-sqlite3';
import { KeyringSecretBox } from '../../src/accounts/keyring-box.js';
import { SQLITE_KEY_CHECK_MS, SqliteAccountStore } from '../../src/accounts/store.js';
import { Keyring } from '../../src/secrets/keyring.js';
import { SecretBox } from '../../src/secrets/secret-box.js';
import { runAccountSuite } from './accounts.case.js';

const dir = mkdtempSync(join(tmpdir(), 'nimbus-accounts-suite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runAccountSuite('sqlite', async () => {
  const file = join(dir, `auth-${++n}.db`);
  const box = new KeyringSecretBox(new SecretBox(Keyring.ephemeral()));
  const peek = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(file);
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  return {
    open: async () => new SqliteAccountStore(file, box),
    raw: async (id) => peek((db) => db.prepare('SELECT secret, box FROM access_keys WHERE access_key_id = ?').get(id) as { secret: Buffer | null; box: string }),
    insertPlain: async (id, account, secret) =>
      void peek((db) => db.prepare("INSERT INTO access_keys (access_key_id, account_id, name, secret, box, status, created_at) VALUES (?, ?, 'old', ?, 'plain', 'Active', 1)").run(id, account, Buffer.from(secret))),
    settle: async () => await new Promise((r) => setTimeout(r, SQLITE_KEY_CHECK_MS + 20)),
    close: async () => undefined,
  };
});
