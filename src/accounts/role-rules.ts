/**
 * What both account stores check and decide for roles (src/auth/roles.ts), so that SQLite and
 * PostgreSQL behave alike: the same names are refused with IAM's codes and messages, a role's id
 * and ARN are minted alike, and a role's policies are read into documents alike. IAM role names
 * are unique per account regardless of case (a lower-cased key column holds that).
 */
import { randomBytes } from 'node:crypto';
import { parsePolicyDocument, type PolicyDocument } from '../auth/iam-policy.js';
import { managedPolicy } from '../auth/managed-policies.js';
import { checkPath, checkPolicyName, checkRoleName, roleArn, RoleError, type NewRole, type Role } from '../auth/roles.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `AROA` and 17 characters, as IAM's role ids. */
export function newRoleId(): string {
  let s = 'AROA';
  for (const b of randomBytes(17)) s += BASE32[b & 31];
  return s;
}

/** The case-insensitive key a role name is unique by. */
export const roleKey = (name: string): string => name.toLowerCase();

export interface RoleRow {
  account_id: string;
  name: string;
  path: string;
  role_id: string;
  trust_policy: string;
  description: string | null;
  max_session: number | string;
  created_at: number | string;
}

export const roleOf = (r: RoleRow): Role => ({
  accountId: r.account_id,
  name: r.name,
  path: r.path,
  roleId: r.role_id,
  arn: roleArn(r.account_id, r.path, r.name),
  trustPolicy: r.trust_policy,
  ...(r.description !== null ? { description: r.description } : {}),
  maxSessionDuration: Number(r.max_session),
  createdAt: Number(r.created_at),
});

/**
 * A new role, checked, and its row in the column order `account_id, name, name_key, path,
 * role_id, trust_policy, description, max_session, created_at`.
 */
export function newRole(accountId: string, r: NewRole, now: number): { role: Role; row: [string, string, string, string, string, string, string | null, number, number] } {
  checkRoleName(r.name);
  const path = r.path ?? '/';
  checkPath(path);
  checkTrustPolicy(r.trustPolicy);
  const max = r.maxSessionDuration ?? 3600;
  if (!Number.isInteger(max) || max < 3600 || max > 43200) {
    throw new RoleError('ValidationError', `1 validation error detected: Value '${max}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200`);
  }
  if (r.description !== undefined && r.description.length > 1000) {
    throw new RoleError('ValidationError', "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000");
  }
  const row: [string, string, string, string, string, string, string | null, number, number] = [accountId, r.name, roleKey(r.name), path, newRoleId(), r.trustPolicy, r.description ?? null, max, now];
  return { role: roleOf({ account_id: accountId, name: r.name, path, role_id: row[4], trust_policy: r.trustPolicy, description: r.description ?? null, max_session: max, created_at: now }), row };
}

/** A trust policy: JSON with statements, each with an Effect and an Action (they name principals, not resources). */
export function checkTrustPolicy(text: string): void {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new RoleError('MalformedPolicyDocument', 'This policy contains invalid Json');
  }
  if (typeof v !== 'object' || v === null || !('Statement' in v)) throw new RoleError('MalformedPolicyDocument', 'Syntax errors in policy.');
  const st = (v as { Statement: unknown }).Statement;
  for (const s of Array.isArray(st) ? st : [st]) {
    const e = (s as { Effect?: unknown } | null)?.Effect;
    if (e !== 'Allow' && e !== 'Deny') throw new RoleError('MalformedPolicyDocument', 'Syntax errors in policy.');
  }
}

/** An identity policy for put-role-policy, or IAM's MalformedPolicyDocument. */
export function checkIdentityPolicy(text: string): PolicyDocument {
  try {
    JSON.parse(text);
  } catch {
    throw new RoleError('MalformedPolicyDocument', 'This policy contains invalid Json');
  }
  try {
    return parsePolicyDocument(text);
  } catch (e) {
    throw new RoleError('MalformedPolicyDocument', `Syntax errors in policy. (${(e as Error).message})`);
  }
}

export const noSuchRole = (name: string): RoleError => new RoleError('NoSuchEntity', `The role with name ${name} cannot be found.`);

/**
 * The documents a role's permissions are: its inline policies and the managed ones attached (an
 * inline document that no longer parses, never stored, grants nothing).
 */
export function rolePolicyDocuments(inline: readonly string[], attached: readonly string[]): PolicyDocument[] {
  const docs: PolicyDocument[] = [];
  for (const text of inline) {
    try {
      docs.push(parsePolicyDocument(text));
    } catch {
      // Stored documents were checked on the way in.
    }
  }
  for (const arn of attached) {
    const d = managedPolicy(arn);
    if (d) docs.push(d);
  }
  return docs;
}

/**
 * The policies of a role that existed and was deleted: none. Its functions are refused
 * everything (as on AWS, where a deleted role's sessions can do nothing) instead of falling back
 * to the administrator that a role Nimbus never had stands for (docs/auth.md). The stores keep
 * a tombstone per deleted name until a role of that name is created again.
 */
export const DELETED: readonly PolicyDocument[] = Object.freeze([]);

/** Refused while the role still has policies, with IAM's messages. */
export function checkDeletable(inlineCount: number, attachedCount: number): void {
  if (inlineCount > 0) throw new RoleError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
  if (attachedCount > 0) throw new RoleError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
}

/** A managed policy ARN Nimbus knows (src/auth/managed-policies.ts), or IAM's NoSuchEntity. */
export function checkManagedArn(arn: string): void {
  if (!managedPolicy(arn)) throw new RoleError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
}

/** Checks put-role-policy's name and document. */
export function checkInlinePolicy(policyName: string, document: string): void {
  checkPolicyName(policyName);
  checkIdentityPolicy(document);
}

/**
 * A role's policies by account and role name, as both stores keep them in memory: an array, or
 * null for a role the account does not have. Bounded (cleared when full); dropped whenever the
 * store drops its key cache (store.ts, pg-store.ts).
 */
export class RolePolicyCache {
  private readonly byKey = new Map<string, readonly PolicyDocument[] | null>();

  get(accountId: string, roleName: string): readonly PolicyDocument[] | null | undefined {
    return this.byKey.get(`${accountId} ${roleKey(roleName)}`);
  }

  set(accountId: string, roleName: string, found: readonly PolicyDocument[] | null): void {
    if (this.byKey.size >= 10_000) this.byKey.clear();
    this.byKey.set(`${accountId} ${roleKey(roleName)}`, found);
  }

  clear(): void {
    this.byKey.clear();
  }
}
