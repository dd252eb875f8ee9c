/**
 * Who a request speaks for once its signature is verified, and the stores authentication reads.
 * Interfaces only: src/accounts implements them over SQLite; src/api/http uses them; nothing here
 * does I/O. New store interfaces are Promise-returning (the cluster work may put them remote).
 */
import type { PolicyDocument } from './iam-policy.js';

/** The account every request belongs to in local-development mode, and the one a fresh data directory has. */
export const DEFAULT_ACCOUNT = '000000000000';

export type PrincipalKind =
  /** Local-development mode: unsigned, or signed with a key Nimbus does not know (no signature check). */
  | 'local'
  /** A stored access key (`nimbus keys create`), signature verified. */
  | 'key'
  /** A function's execution-role credentials (src/runtimes/credentials.ts), signature verified. */
  | 'function';

export interface Principal {
  readonly kind: PrincipalKind;
  readonly accountId: string;
  /** Absent for an unsigned local request. */
  readonly accessKeyId?: string | undefined;
  /**
   * As IAM names it: `arn:aws:iam::<account>:user/<key name>` for a key,
   * `arn:aws:sts::<account>:assumed-role/<role>/<function>` for a function, `arn:aws:iam::<account>:root` locally.
   */
  readonly arn: string;
  /**
   * Identity policies. Undefined means the account's own administrator: everything in its own
   * account (other accounts only through their resource policies).
   */
  readonly policies?: readonly PolicyDocument[] | undefined;
}

/** An active access key as authentication needs it. */
export interface ActiveKey {
  readonly accessKeyId: string;
  readonly accountId: string;
  readonly name: string;
  readonly secret: string;
  /** The key's identity policy (IAM JSON), or undefined for the account's administrator. */
  readonly policy?: PolicyDocument | undefined;
}

/** Where authentication looks keys up. */
export interface KeyLookup {
  /** The key if it exists and is active, else undefined. */
  activeKey(accessKeyId: string): Promise<ActiveKey | undefined>;
  /**
   * The key from the store's memory, synchronously (the per-request path: no query, no Promise),
   * or undefined when the store does not have it there (then ask `activeKey`). A store that
   * caches says how long a change made elsewhere may go unseen (docs/auth.md).
   */
  cachedKey?(accessKeyId: string): ActiveKey | undefined;
  /** Whether the account exists (and is active). */
  accountExists(accountId: string): Promise<boolean>;
}

/** One control-plane action, as the audit log keeps it. */
export interface AuditEntry {
  /** Epoch ms. */
  readonly time: number;
  readonly requestId: string;
  readonly accountId: string;
  readonly accessKeyId: string;
  readonly principal: string;
  readonly sourceIp: string;
  /** `lambda:CreateFunction`, `sqs:SendMessage`, or `METHOD /path` when no action name is known. */
  readonly action: string;
  readonly resource: string;
  readonly status: number;
  /** The error type for a refusal or failure (`AccessDeniedException`), empty on success. */
  readonly error: string;
}

export interface AuditSink {
  record(entry: AuditEntry): Promise<void>;
}
