/**
 * Opens the account store the way `nimbus serve` does, for the CLI (`nimbus accounts`, `keys`,
 * `audit`): a node's `<data-dir>/auth.db`, or with `--cluster` the cluster's PostgreSQL. Secrets
 * are sealed with the same keyring the server uses (`--key-file`, NIMBUS_MASTER_KEY, else
 * `<data-dir>/keyring.json`), so a key the CLI creates opens at the server.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { privateDir } from '../core/private-files.js';
import { Keyring } from '../secrets/keyring.js';
import { SecretBox } from '../secrets/secret-box.js';
import { KeyringSecretBox } from './keyring-box.js';
import { PgAccountStore } from './pg-store.js';
import { SqliteAccountStore, type AccountStore } from './store.js';

export interface OpenAccountsOptions {
  dataDir: string;
  /** The cluster's PostgreSQL URL: the store every node shares. */
  cluster?: string | undefined;
  keyFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

export async function openAccountStore(o: OpenAccountsOptions): Promise<AccountStore> {
  const env = o.env ?? process.env;
  if (o.cluster) {
    if (!o.keyFile && env['NIMBUS_MASTER_KEY'] === undefined) {
      throw new Error("--cluster needs the cluster's keyring: --key-file <file> (env NIMBUS_KEY_FILE) or NIMBUS_MASTER_KEY, as the nodes were given");
    }
    if (o.keyFile && env['NIMBUS_MASTER_KEY'] === undefined && !existsSync(resolve(o.keyFile))) throw new Error(`no key file at ${resolve(o.keyFile)}`);
    const box = new KeyringSecretBox(new SecretBox(Keyring.open(o.keyFile ? resolve(o.keyFile) : '', env)));
    return await PgAccountStore.open({ url: o.cluster, box });
  }
  const dir = resolve(o.dataDir);
  mkdirSync(dir, { recursive: true });
  privateDir(dir);
  const box = new KeyringSecretBox(new SecretBox(Keyring.open(o.keyFile ? resolve(o.keyFile) : join(dir, 'keyring.json'), env)));
  return new SqliteAccountStore(join(dir, 'auth.db'), box);
}
