/**
 * Authentication of every request to Nimbus's APIs (Lambda's REST API, SQS, SNS, EventBridge,
 * /nimbus/v1, /metrics): SigV4 in the header or presigned form (src/auth/sigv4.ts), answered
 * with AWS's errors. Two modes (docs/auth.md):
 *
 * - `keys`: every request must be signed with an active access key (`nimbus keys create`) or a
 *   function's execution-role credentials; the key's account is the request's account.
 * - `local` (loopback without --auth): a signed request with a key Nimbus knows is verified as in
 *   `keys` mode; any other well-formed signature is accepted without checking it, and so is an
 *   unsigned request, both as the default account. A mode that accepts any key cannot protect
 *   anything, so refusing unsigned requests in it would only break curl; the Host/Origin guard
 *   is what protects a loopback Nimbus from browsers.
 *
 * The body is hashed only once something reads it: the checks that need no body run first (an
 * unknown key never makes Nimbus read a large body), a request without a body is verified before
 * its handler runs, and a POST or PUT body is verified when the handler reads it, before the
 * handler can use it. Bodies of other methods are read and verified before the handler.
 */
import { NimbusError } from '../../core/errors.js';
import { DEFAULT_ACCOUNT, type ActiveKey, type KeyLookup, type Principal } from '../../auth/principal.js';
import type { PolicyDocument } from '../../auth/iam-policy.js';
import { roleRef, type RolePolicyLookup } from '../../auth/roles.js';
import { sha256Hex } from '../../auth/sha256.js';
import { SigV4Verifier, type SigningSecret, type SigV4Failure } from '../../auth/sigv4.js';
import type { SigningKey } from '../../auth/sigv4-key.js';
import type { RequestContext } from './context.js';

export type AuthMode = 'local' | 'keys';

/** Verifies a function's execution-role credentials (src/runtimes/credentials.ts). */
export interface FunctionCredentialCheck {
  verify(accessKeyId: string, sessionToken: string, now: number): { claims: { a: string; f: string; role: string }; secretAccessKey: string } | null;
}

export interface AuthConfig {
  mode: AuthMode;
  regions: readonly string[];
  keys: KeyLookup;
  functions?: FunctionCredentialCheck | undefined;
  /**
   * The policies of a function's execution role, when the role is one Nimbus has (api/iam);
   * a role it does not have leaves the function its account's administrator (docs/auth.md).
   */
  roles?: RolePolicyLookup | undefined;
  /** Accept presigned query auth (off by default: Lambda clients never presign). */
  allowPresigned?: boolean;
  /** Wall-clock time for the skew check (never a test's manual clock). */
  now?: () => number;
}

interface Resolved extends SigningSecret {
  readonly principal: Principal;
  /** Local mode, a key Nimbus does not know: the signature is not checked. */
  readonly unchecked?: boolean;
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const TYPE_TO_CODE = {
  MissingAuthenticationTokenException: 'ERR_MISSING_AUTH_TOKEN',
  IncompleteSignatureException: 'ERR_INCOMPLETE_SIGNATURE',
  InvalidSignatureException: 'ERR_INVALID_SIGNATURE',
  UnrecognizedClientException: 'ERR_UNRECOGNIZED_CLIENT',
  ValidationException: 'ERR_VALIDATION',
} as const;

/** A verifier's refusal as the NimbusError the server puts on the wire. */
export const refusal = (f: SigV4Failure): NimbusError => new NimbusError(TYPE_TO_CODE[f.errorType], f.message);

const localPrincipal = (): Principal => ({ kind: 'local', accountId: DEFAULT_ACCOUNT, arn: `arn:aws:iam::${DEFAULT_ACCOUNT}:root` });

/** What authentication leaves on the request context. */
export interface Authenticated {
  /** Called with the body's SHA-256 when a handler reads it; throws if the signature does not match. */
  verifyBody?: ((sha256: string) => void) | undefined;
  bodyRead: boolean;
  /**
   * S3 requests (verified in S3's mode, the body not yet read): what the body's aws-chunked
   * signatures chain from; absent when nothing was verified (local mode, unsigned or unknown key).
   */
  s3Signed?: { seed: string; key: SigningKey; amzDate: string; scope: string } | undefined;
}

export class Authenticator {
  private readonly verifiers = new Map<string, SigV4Verifier<Resolved>>();
  /**
   * The verifier asks for the key synchronously, from the credential it parsed. A key the store
   * has in memory is answered at once (the warm path: no second parse of the header, no
   * Promise); for any other, the store's Promise is left here, the verifier refuses, and
   * `authenticate` awaits the lookup and runs the checks again with its answer in `looked`.
   * Both are set and taken within one synchronous stretch, so concurrent requests never see
   * each other's.
   */
  private deferred: Promise<Resolved | undefined> | undefined;
  private looked: { key: Resolved | undefined } | undefined;
  private readonly now: () => number;
  /** The principal built for each store record, so a warm key allocates nothing per request. */
  private readonly resolvedFor = new WeakMap<ActiveKey, Resolved>();

  constructor(readonly config: AuthConfig) {
    this.now = config.now ?? Date.now;
  }

  get mode(): AuthMode {
    return this.config.mode;
  }

  private verifier(services: readonly string[]): SigV4Verifier<Resolved> {
    const id = services.length === 1 ? services[0]! : services.join(',');
    let v = this.verifiers.get(id);
    if (!v) {
      v = new SigV4Verifier<Resolved>({
        secretFor: (accessKeyId, sessionToken) => {
          if (this.looked) return this.looked.key;
          const found = this.lookup(accessKeyId, sessionToken);
          if (!(found instanceof Promise)) return found;
          this.deferred = found;
          return undefined;
        },
        // IAM is global: clients sign it for us-east-1 whatever regions Nimbus serves.
        regions: services.includes('iam') && !this.config.regions.includes('us-east-1') ? [...this.config.regions, 'us-east-1'] : this.config.regions,
        services,
        // S3 clients presign (`aws s3 presign`), and S3 signs its payload its own way.
        allowPresigned: services.includes('s3') || (this.config.allowPresigned ?? false),
        s3: services.includes('s3'),
        // S3 allows 15 minutes of clock skew where Lambda allows 5 (docs/reference/security.md §1.4).
        ...(services.includes('s3') ? { skewMs: 15 * 60_000 } : {}),
      });
      this.verifiers.set(id, v);
    }
    return v;
  }

  /**
   * The key (or function credentials) a request names, before any signature check: from the
   * store's memory when it has it (no query, no Promise: the warm path), else from the store.
   * How long a key revoked elsewhere can stay in that memory is the store's bound (docs/auth.md).
   */
  private lookup(accessKeyId: string, sessionToken: string | undefined): Resolved | undefined | Promise<Resolved | undefined> {
    if (sessionToken !== undefined) return this.resolveSession(accessKeyId, sessionToken);
    const hit = this.config.keys.cachedKey?.(accessKeyId);
    if (hit) return this.resolved(hit);
    return this.resolveKey(accessKeyId);
  }

  private async resolveKey(accessKeyId: string): Promise<Resolved | undefined> {
    const k = await this.config.keys.activeKey(accessKeyId);
    return k ? this.resolved(k) : this.unknownKey(accessKeyId);
  }

  /** The Resolved for a store record, built once per record. */
  private resolved(k: ActiveKey): Resolved {
    let r = this.resolvedFor.get(k);
    if (!r) {
      r = {
        secret: k.secret,
        principal: { kind: 'key', accountId: k.accountId, accessKeyId: k.accessKeyId, arn: `arn:aws:iam::${k.accountId}:user/${k.name}`, policies: k.policy ? [k.policy] : undefined },
      };
      this.resolvedFor.set(k, r);
    }
    return r;
  }

  private resolveSession(accessKeyId: string, sessionToken: string): Resolved | undefined | Promise<Resolved | undefined> {
    const f = accessKeyId.startsWith('ASIA') ? this.config.functions?.verify(accessKeyId, sessionToken, this.now()) : null;
    if (!f) return this.unknownKey(accessKeyId);
    const made = (policies: readonly PolicyDocument[] | null | undefined): Resolved => ({
      secret: f.secretAccessKey,
      principal: {
        kind: 'function',
        accountId: f.claims.a,
        accessKeyId,
        arn: `arn:aws:sts::${f.claims.a}:assumed-role/${f.claims.role.split('/').pop() ?? 'role'}/${f.claims.f}`,
        policies: policies ?? undefined,
      },
    });
    // The role's policies: from the store's memory on the warm path, else one read (then cached).
    const role = roleRef(f.claims.role);
    const roles = this.config.roles;
    if (!roles || !role || role.accountId !== f.claims.a) return made(undefined);
    const hit = roles.cachedRolePolicies?.(role.accountId, role.name);
    if (hit !== undefined) return made(hit);
    return roles.rolePolicies(role.accountId, role.name).then(made);
  }

  /** Local mode accepts a key it does not know, unchecked, as the default account. */
  private unknownKey(accessKeyId: string): Resolved | undefined {
    return this.config.mode === 'local' ? { secret: '', principal: { ...localPrincipal(), accessKeyId }, unchecked: true } : undefined;
  }

  /**
   * Authenticates the request behind `ctx` for one of `services` (the credential scope's
   * service): sets `ctx.scope` and `ctx.principal`, and arranges the body check. Throws the
   * NimbusError to answer with.
   */
  async authenticate(ctx: RequestContext & Authenticated, services: readonly string[], o: { requireSignature?: boolean } = {}): Promise<void> {
    const req = ctx.req;
    const rawUrl = req.url ?? '/';
    const auth = req.headers.authorization;
    if (auth === undefined && this.config.mode === 'local' && !o.requireSignature && !rawUrl.includes('X-Amz-')) {
      // Unsigned in local mode: nothing was signed, so there is nothing to check (not even the target's form).
      ctx.principal = localPrincipal();
      ctx.scope = { accountId: DEFAULT_ACCOUNT, region: this.config.regions[0] ?? 'us-east-1' };
      return;
    }
    const verifier = this.verifier(services);
    const head = { method: req.method ?? 'GET', rawUrl, rawHeaders: req.rawHeaders };
    const now = this.now();
    let pending = verifier.begin(head, now);
    const deferred = this.deferred;
    if (deferred !== undefined) {
      // The key was not in memory: read it from the store, then check again with the answer.
      this.deferred = undefined;
      const key = await deferred;
      this.looked = { key };
      try {
        pending = verifier.begin(head, now);
      } finally {
        this.looked = undefined;
      }
    }
    if (pending.ok === false) {
      if (pending.errorType === 'MissingAuthenticationTokenException' && this.config.mode === 'local' && !o.requireSignature) {
        ctx.principal = localPrincipal();
        ctx.scope = { accountId: DEFAULT_ACCOUNT, region: this.config.regions[0] ?? 'us-east-1' };
        return;
      }
      throw refusal(pending);
    }
    // begin() passed, so the key resolved and the region is one of the configured ones.
    const who = pending.key;
    ctx.principal = who.principal;
    ctx.scope = { accountId: who.principal.accountId, region: pending.region };
    if (who.unchecked) return;
    if (services.includes('s3')) {
      // The signature covers the declared payload hash; the S3 handler checks the body against it.
      const r = pending.finish(EMPTY_SHA256);
      if (!r.ok) throw refusal(r);
      ctx.s3Signed = { seed: r.signature, ...r.chain };
      return;
    }
    const finish = (sha: string): void => {
      const r = pending.finish(sha);
      if (!r.ok) throw refusal(r);
    };
    if (ctx.bodyRead) return finish(sha256Hex(await ctx.body()));
    if (!hasBody(ctx)) return finish(EMPTY_SHA256);
    if (ctx.method !== 'POST' && ctx.method !== 'PUT') return finish(sha256Hex(await ctx.body()));
    ctx.verifyBody = finish;
  }
}

function hasBody(ctx: RequestContext): boolean {
  const h = ctx.req.headers;
  return h['transfer-encoding'] !== undefined || Number(h['content-length'] ?? 0) > 0;
}
