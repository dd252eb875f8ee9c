/**
 * `nimbus accounts`, `nimbus keys` and `nimbus audit`: accounts, their access keys and the audit
 * log (docs/auth.md). They work on the data directory directly, like `serve` and `runtimes`: the
 * operator who owns the directory administers who may call Nimbus, and a running Nimbus sees a
 * new or revoked key at its next request. With `--cluster <postgres-url>` they work on the store
 * a cluster's nodes share (docs/cluster.md). Secrets are sealed with the server's keyring, so the
 * CLI takes the same `--key-file` / NIMBUS_MASTER_KEY. A key's secret is printed once.
 */
import type { Command } from 'commander';
import { openAccountStore } from '../../accounts/open.js';
import type { AccountStore, KeyInfo, NewKey } from '../../accounts/store.js';
import { readFileSync } from 'node:fs';

interface DirOpts {
  dataDir: string;
  cluster?: string;
  keyFile?: string;
  json?: boolean;
}

async function withStore<T>(o: DirOpts, fn: (s: AccountStore) => Promise<T>): Promise<T> {
  const store = await openAccountStore({ dataDir: o.dataDir, cluster: o.cluster, keyFile: o.keyFile });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function table(rows: string[][]): void {
  if (rows.length === 0) return;
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) process.stdout.write(`${r.map((v, i) => (i < r.length - 1 ? v.padEnd(widths[i]!) : v)).join('  ')}\n`);
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function showNewKey(k: NewKey, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ AccessKeyId: k.accessKeyId, SecretAccessKey: k.secretAccessKey, AccountId: k.accountId, Name: k.name })}\n`);
    return;
  }
  process.stdout.write(
    `AccessKeyId:     ${k.accessKeyId}\nSecretAccessKey: ${k.secretAccessKey}\nAccount:         ${k.accountId}\nName:            ${k.name}\n` +
      'The secret is shown only now. Use it as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or NIMBUS_ACCESS_KEY_ID / NIMBUS_SECRET_ACCESS_KEY for the nimbus CLI).\n',
  );
}

const keyRow = (k: KeyInfo): string[] => [k.accessKeyId, k.accountId, k.name, k.status, iso(k.createdAt), k.policy ? 'policy' : 'administrator'];

export function registerAccounts(program: Command): void {
  const dataDirDefault = process.env['NIMBUS_DATA_DIR'] ?? './.nimbus';
  const dirOption = (c: Command): Command =>
    c
      .option('--data-dir <dir>', 'Nimbus data directory (env NIMBUS_DATA_DIR)', dataDirDefault)
      .option('--cluster <postgres-url>', "a cluster's PostgreSQL instead of the data directory: what every node shares (env NIMBUS_CLUSTER)", process.env['NIMBUS_CLUSTER'])
      .option('--key-file <file>', 'the keyring the server uses, which seals key secrets (env NIMBUS_KEY_FILE; NIMBUS_MASTER_KEY may give the key instead; default <data-dir>/keyring.json)', process.env['NIMBUS_KEY_FILE'])
      .option('--json', 'print JSON');

  const accounts = program.command('accounts').description('Accounts sharing this Nimbus (each has its own functions, queues and keys)');
  dirOption(accounts.command('create <name>').description('create an account').option('--id <account-id>', '12-digit account id (default: random)')).action(
    async (name: string, o: DirOpts & { id?: string }) => {
      const a = await withStore(o, (s) => s.createAccount(name, o.id));
      process.stdout.write(o.json ? `${JSON.stringify(a)}\n` : `${a.accountId}  ${a.name}\n`);
    },
  );
  dirOption(accounts.command('ls').description('list accounts')).action(async (o: DirOpts) => {
    const list = await withStore(o, (s) => s.listAccounts());
    if (o.json) process.stdout.write(`${JSON.stringify(list)}\n`);
    else table([['ACCOUNT', 'NAME', 'CREATED'], ...list.map((a) => [a.accountId, a.name, iso(a.createdAt)])]);
  });
  dirOption(accounts.command('rm <account>').description('remove an account (by id or name) and revoke its keys')).action(async (account: string, o: DirOpts) => {
    await withStore(o, (s) => s.removeAccount(account));
    process.stdout.write(`removed ${account}\n`);
  });

  const keys = program.command('keys').description('Access keys: SigV4 credentials for an account');
  dirOption(
    keys
      .command('create')
      .description('create an access key; its secret is printed once')
      .option('--account <account>', 'account id or name', 'default')
      .option('--name <name>', 'key name (its IAM user name in ARNs)', 'admin')
      .option('--policy <file>', 'an IAM policy document (JSON) limiting the key; default: administrator of its account'),
  ).action(async (o: DirOpts & { account: string; name: string; policy?: string }) => {
    const policy = o.policy ? readFileSync(o.policy, 'utf8') : undefined;
    showNewKey(await withStore(o, (s) => s.createKey(o.account, { name: o.name, ...(policy ? { policy } : {}) })), o.json);
  });
  dirOption(keys.command('ls').description('list access keys (never their secrets)').option('--account <account>', 'only this account')).action(
    async (o: DirOpts & { account?: string }) => {
      const list = await withStore(o, (s) => s.listKeys(o.account));
      if (o.json) process.stdout.write(`${JSON.stringify(list)}\n`);
      else table([['ACCESS KEY', 'ACCOUNT', 'NAME', 'STATUS', 'CREATED', 'SCOPE'], ...list.map(keyRow)]);
    },
  );
  dirOption(keys.command('rotate <access-key-id>').description('replace a key: a new key with the same account, name and policy; the old one is revoked')).action(
    async (id: string, o: DirOpts) => showNewKey(await withStore(o, (s) => s.rotateKey(id)), o.json),
  );
  dirOption(keys.command('revoke <access-key-id>').description('revoke a key at once')).action(async (id: string, o: DirOpts) => {
    await withStore(o, (s) => s.revokeKey(id));
    process.stdout.write(`revoked ${id}\n`);
  });

  dirOption(
    program
      .command('audit')
      .description('the audit log: every control-plane request (who, what, when, result)')
      .option('--account <account-id>', 'only this account')
      .option('--limit <n>', 'newest n entries', '50'),
  ).action(async (o: DirOpts & { account?: string; limit: string }) => {
    const limit = Number(o.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`--limit must be a positive whole number, got '${o.limit}'`);
    const entries = await withStore(o, (s) => s.audit({ limit, ...(o.account ? { accountId: o.account } : {}) }));
    if (o.json) process.stdout.write(`${JSON.stringify(entries)}\n`);
    else
      table([
        ['TIME', 'ACCOUNT', 'PRINCIPAL', 'ACTION', 'RESOURCE', 'STATUS', 'ERROR'],
        ...entries.map((e) => [iso(e.time), e.accountId || '-', e.principal || '-', e.action, e.resource, String(e.status), e.error || '-']),
      ]);
  });
}
