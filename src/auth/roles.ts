/**
 * IAM roles as Nimbus keeps them (docs/auth.md, "Roles"): per account, with inline policies and
 * attached AWS managed policies, so that a function's execution-role credentials carry the role's
 * permissions. Interfaces and rules only (no I/O): src/accounts stores roles (SQLite, and
 * PostgreSQL for a cluster), src/api/iam serves IAM's API over them, src/api/http/authn.ts reads
 * a role's policies for a function's request. New store interfaces are Promise-returning.
 */
import type { PolicyDocument } from './iam-policy.js';

export interface Role {
  readonly accountId: string;
  readonly name: string;
  /** `/` or `/a/b/`. */
  readonly path: string;
  /** `AROA` and 17 characters, as IAM's role ids. */
  readonly roleId: string;
  readonly arn: string;
  /** The trust policy (JSON text as given). */
  readonly trustPolicy: string;
  readonly description?: string | undefined;
  readonly maxSessionDuration: number;
  /** Epoch ms. */
  readonly createdAt: number;
}

export interface NewRole {
  name: string;
  path?: string | undefined;
  trustPolicy: string;
  description?: string | undefined;
  maxSessionDuration?: number | undefined;
}

/** IAM's error codes for what the role store refuses (botocore's IAM model: code and HTTP status). */
export type RoleErrorCode = 'NoSuchEntity' | 'EntityAlreadyExists' | 'DeleteConflict' | 'MalformedPolicyDocument' | 'ValidationError' | 'InvalidInput' | 'LimitExceeded';

const STATUS: Readonly<Record<RoleErrorCode, number>> = {
  NoSuchEntity: 404,
  EntityAlreadyExists: 409,
  DeleteConflict: 409,
  MalformedPolicyDocument: 400,
  ValidationError: 400,
  InvalidInput: 400,
  LimitExceeded: 409,
};

/** A refusal with IAM's code and message, which the IAM API answers as such. */
export class RoleError extends Error {
  readonly status: number;
  constructor(
    readonly code: RoleErrorCode,
    message: string,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

/** Where roles are kept: one account's roles, each with its inline and attached policies. */
export interface RoleStore {
  createRole(accountId: string, r: NewRole): Promise<Role>;
  getRole(accountId: string, name: string): Promise<Role | undefined>;
  listRoles(accountId: string): Promise<Role[]>;
  /**
   * Refused (DeleteConflict) while the role has inline or attached policies, as IAM does. A
   * deleted role's policies read as none (not null): its functions lose every permission.
   */
  deleteRole(accountId: string, name: string): Promise<void>;
  /** Creates or replaces an inline policy (MalformedPolicyDocument when the document is not one). */
  putRolePolicy(accountId: string, roleName: string, policyName: string, document: string): Promise<void>;
  getRolePolicy(accountId: string, roleName: string, policyName: string): Promise<string | undefined>;
  listRolePolicies(accountId: string, roleName: string): Promise<string[]>;
  deleteRolePolicy(accountId: string, roleName: string, policyName: string): Promise<void>;
  /** Attaches a managed policy Nimbus knows (else NoSuchEntity); attaching twice is a no-op. */
  attachRolePolicy(accountId: string, roleName: string, policyArn: string): Promise<void>;
  detachRolePolicy(accountId: string, roleName: string, policyArn: string): Promise<void>;
  listAttachedRolePolicies(accountId: string, roleName: string): Promise<string[]>;
}

/** What authentication reads of a role: its policies, or null when the account has no such role. */
export interface RolePolicyLookup {
  rolePolicies(accountId: string, roleName: string): Promise<readonly PolicyDocument[] | null>;
  /**
   * The same from the store's memory, synchronously (the per-request path), or undefined when
   * it is not there (then ask `rolePolicies`). The store says how long a change made elsewhere
   * may go unseen (docs/auth.md).
   */
  cachedRolePolicies?(accountId: string, roleName: string): readonly PolicyDocument[] | null | undefined;
}

export const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
export const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
const PATH = /^(\/|\/[\u0021-\u007E]+\/)$/;

export function checkRoleName(name: string, field = 'roleName'): void {
  if (!ROLE_NAME.test(name)) {
    throw new RoleError('ValidationError', `1 validation error detected: Value '${name}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`);
  }
}

export function checkPolicyName(name: string): void {
  if (!POLICY_NAME.test(name)) {
    throw new RoleError('ValidationError', `1 validation error detected: Value '${name}' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`);
  }
}

export function checkPath(path: string): void {
  if (path.length > 512 || !PATH.test(path)) {
    throw new RoleError('ValidationError', `1 validation error detected: Value '${path}' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)`);
  }
}

/** The role name an execution-role ARN names (`arn:aws:iam::<account>:role/<path><name>`), or undefined. */
export function roleRef(arn: string): { accountId: string; name: string } | undefined {
  const m = /^arn:aws[a-zA-Z-]*:iam::(\d{12}):role\/(?:[\u0021-\u007E]*\/)?([\w+=,.@-]{1,64})$/.exec(arn);
  return m ? { accountId: m[1]!, name: m[2]! } : undefined;
}

export const roleArn = (accountId: string, path: string, name: string): string => `arn:aws:iam::${accountId}:role${path}${name}`;
