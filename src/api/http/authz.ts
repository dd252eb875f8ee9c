/**
 * Authorisation of an authenticated request (docs/auth.md): the caller's identity policies and,
 * for a function, its resource-based policy (AddPermission), evaluated as IAM does for the cases
 * Nimbus has (src/auth/iam-policy.ts):
 *
 * - same account: allowed when an identity policy allows (a key without a policy is the account's
 *   administrator) or the function's policy names the caller; an explicit Deny wins;
 * - another account (a FunctionName ARN naming it): allowed only when the function's resource
 *   policy allows the caller's account or ARN AND the caller's identity policies allow it. Plain
 *   names always mean the caller's own account.
 *
 * The answer is AWS's AccessDeniedException with its message shape (docs/reference/security.md §1.4).
 */
import { NimbusError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import { evaluate, type PolicyDocument, type PolicyRequest } from '../../auth/iam-policy.js';
import type { Principal } from '../../auth/principal.js';

/** A function's (version's, alias's) resource-based policy, or undefined when it has none. */
export type ResourcePolicyOf = (scope: Scope, name: string, qualifier: string | undefined) => Promise<PolicyDocument | undefined>;

/** `arn:aws:lambda:<region>:<account>:function:<name>[:q]`, `<account>:function:<name>` or a plain name. */
const FN_REF = /^(?:arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):)?(?:(\d{12}):)?(?:function:)?([a-zA-Z0-9-_]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;

export interface FunctionTarget {
  accountId: string;
  region: string;
  name: string;
  qualifier: string | undefined;
  arn: string;
}

/** The function a FunctionName names, in the caller's scope unless it is an ARN naming another account. */
export function functionTarget(scope: Scope, raw: string, queryQualifier: string | null): FunctionTarget | undefined {
  const m = FN_REF.exec(raw);
  if (!m) return undefined;
  const accountId = m[2] ?? scope.accountId;
  const region = scope.region;
  const qualifier = m[4] ?? (queryQualifier || undefined);
  return { accountId, region, name: m[3]!, qualifier, arn: `arn:aws:lambda:${region}:${accountId}:function:${m[3]!}${qualifier ? `:${qualifier}` : ''}` };
}

export const accessDenied = (who: Principal, action: string, resource: string, why: string): NimbusError =>
  new NimbusError('ERR_ACCESS_DENIED', `User: ${who.arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`);

export class Authorizer {
  constructor(private readonly resourcePolicy: ResourcePolicyOf) {}

  /**
   * Throws AccessDenied unless `who` may do `action` on `resource` by its identity policies alone
   * (no function, so no resource policy): what a service's hooks ask, synchronously.
   */
  checkIdentity(who: Principal, action: string, resource: string): void {
    const req: PolicyRequest = { action, resource, principal: { accountId: who.accountId, arn: who.arn }, context: {} };
    const identity = who.policies ? evaluate(who.policies, req) : 'allow';
    if (identity === 'deny') throw accessDenied(who, action, resource, 'with an explicit deny in an identity-based policy');
    if (identity !== 'allow') throw accessDenied(who, action, resource, `because no identity-based policy allows the ${action} action`);
  }

  /** Rejects with AccessDenied unless `who` may do `action` on `resource` (a function when `fn` is given). */
  async check(who: Principal, action: string, resource: string, fn?: FunctionTarget, context: Readonly<Record<string, string>> = {}): Promise<void> {
    const req: PolicyRequest = { action, resource, principal: { accountId: who.accountId, arn: who.arn }, context };
    const identity = who.policies ? evaluate(who.policies, req) : 'allow';
    if (identity === 'deny') throw accessDenied(who, action, resource, 'with an explicit deny in an identity-based policy');
    const crossAccount = fn !== undefined && fn.accountId !== who.accountId;
    if (!crossAccount && identity === 'allow') return;
    const policy = fn ? await this.safePolicy(fn) : undefined;
    const resourceDecision = policy ? evaluate([policy], req) : 'none';
    if (resourceDecision === 'deny') throw accessDenied(who, action, resource, 'with an explicit deny in a resource-based policy');
    if (crossAccount) {
      if (resourceDecision !== 'allow') throw accessDenied(who, action, resource, `because no resource-based policy allows the ${action} action`);
      if (identity !== 'allow') throw accessDenied(who, action, resource, `because no identity-based policy allows the ${action} action`);
      return;
    }
    if (resourceDecision !== 'allow') throw accessDenied(who, action, resource, `because no identity-based policy allows the ${action} action`);
  }

  /** Whether a service principal (`sns.amazonaws.com`) may invoke `fn`, from `sourceArn`. */
  async serviceMayInvoke(service: string, fn: FunctionTarget, sourceArn: string, sourceAccount: string): Promise<boolean> {
    const policy = await this.safePolicy(fn);
    if (!policy) return false;
    return (
      evaluate([policy], {
        action: 'lambda:InvokeFunction',
        resource: fn.arn,
        principal: { service },
        context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': sourceAccount },
      }) === 'allow'
    );
  }

  private async safePolicy(fn: FunctionTarget): Promise<PolicyDocument | undefined> {
    try {
      return await this.resourcePolicy({ accountId: fn.accountId, region: fn.region }, fn.name, fn.qualifier);
    } catch {
      return undefined;
    }
  }
}
