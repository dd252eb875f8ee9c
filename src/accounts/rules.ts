/**
 * What both account stores (SQLite for one node, PostgreSQL for a cluster) check and decide, and
 * how they read a key's secret, so that the two behave alike and each store only does its storage
 * calls: the same names are refused with the same messages, an account is removed and a key
 * rotated by the same steps, and a secret opens through the box its row names.
 */
import { DEFAULT_ACCOUNT, type ActiveKey } from '../auth/principal.js';
import { parsePolicyDocument } from '../auth/iam-policy.js';
import { ACCOUNT_ID, newAccessKeyId, newSecret } from './ids.js';
import type { Account, NewKey } from './rows.js';
import { PlainSecretBox, type SecretBox } from './secret-box.js';

/** The reads and writes the shared steps below need from a store. */
interface AccountReads {
  account(accountIdOrName: string): Promise<Account | undefined>;
}

/** The account, which must exist and be active. */
export async function activeAccount(s: AccountReads, accountIdOrName: string): Promise<Account> {
  const a = await s.account(accountIdOrName);
  if (!a || a.status !== 'Active') throw new Error(`no account '${accountIdOrName}'`);
  return a;
}

/**
 * What removing an account writes: its keys are revoked and its row stays, renamed (returned),
 * so the audit log and old ARNs keep meaning something and the id is never reused. The default
 * account cannot be removed.
 */
export async function accountRemoval(s: AccountReads, accountIdOrName: string, now: number): Promise<{ accountId: string; renamedTo: string }> {
  const a = await activeAccount(s, accountIdOrName);
  if (a.accountId === DEFAULT_ACCOUNT) throw new Error('the default account cannot be removed');
  return { accountId: a.accountId, renamedTo: `${a.name}#removed-${now}` };
}

/**
 * A new key for an active account: the record to hand out (its secret shown only then) and the
 * row to insert, in the column order `access_key_id, account_id, name, policy, secret, box,
 * created_at` (the secret sealed, bound to the key id).
 */
export async function newKey(
  s: AccountReads,
  accountIdOrName: string,
  o: { name?: string; policy?: string },
  box: SecretBox,
  now: number,
): Promise<{ key: NewKey; row: [string, string, string, string | null, Buffer, string, number] }> {
  const a = await activeAccount(s, accountIdOrName);
  const name = checkKey(o);
  const accessKeyId = newAccessKeyId();
  const secretAccessKey = newSecret();
  return {
    key: { accessKeyId, accountId: a.accountId, name, status: 'Active', createdAt: now, secretAccessKey, ...(o.policy ? { policy: o.policy } : {}) },
    row: [accessKeyId, a.accountId, name, o.policy ?? null, box.seal(secretAccessKey, accessKeyId), box.id, now],
  };
}

/** A key rotation: a new key with the old one's account, name and policy, then the old one revoked. */
export async function rotate(
  s: { createKey(account: string, o: { name?: string; policy?: string }): Promise<NewKey>; revokeKey(accessKeyId: string): Promise<void> },
  old: StoredKey | undefined,
  accessKeyId: string,
): Promise<NewKey> {
  if (!old) throw new Error(`no active key '${accessKeyId}'`);
  const fresh = await s.createKey(old.account_id, { name: old.name, ...(old.policy ? { policy: old.policy } : {}) });
  await s.revokeKey(accessKeyId);
  return fresh;
}

export function checkAccountName(name: string, accountId: string | undefined): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) || ACCOUNT_ID.test(name)) {
    throw new Error(`account name '${name}' must be 1-64 letters, digits, '.', '_' or '-', and not 12 digits`);
  }
  if (accountId !== undefined && !ACCOUNT_ID.test(accountId)) throw new Error(`account id '${accountId}' must be 12 digits`);
}

/** The key's name (default `admin`), its policy checked. */
export function checkKey(o: { name?: string; policy?: string }): string {
  if (o.policy !== undefined) parsePolicyDocument(o.policy);
  const name = o.name ?? 'admin';
  if (!/^[A-Za-z0-9+=,.@_-]{1,64}$/.test(name)) throw new Error(`key name '${name}' must be 1-64 characters of A-Z a-z 0-9 +=,.@_-`);
  return name;
}

export interface StoredKey {
  access_key_id: string;
  account_id: string;
  name: string;
  policy: string | null;
  secret: Buffer | null;
  box: string;
}

const plain = new PlainSecretBox();

/**
 * The active key a row holds, or undefined when its secret cannot be opened here: the box its row
 * names is not this store's (a key sealed under another keyring). Rows written before secrets were
 * sealed name the `plain` box and still open.
 */
export function activeKeyOf(r: StoredKey, box: SecretBox): ActiveKey | undefined {
  if (!r.secret) return undefined;
  const opener = r.box === box.id ? box : r.box === plain.id ? plain : undefined;
  if (!opener) return undefined;
  let secret: string;
  try {
    secret = opener.open(r.secret, r.access_key_id);
  } catch {
    return undefined;
  }
  return {
    accessKeyId: r.access_key_id,
    accountId: r.account_id,
    name: r.name,
    secret,
    ...(r.policy ? { policy: JSON.parse(r.policy) as ActiveKey['policy'] } : {}),
  };
}
