/**
 * The stack's IAM roles (the document's `Roles`: SAM's generated `<Function>Role` for a
 * function's `Policies`, and `AWS::IAM::Role` resources), brought to the state the document asks
 * for before its functions, whose credentials then carry them (docs/auth.md): created when new;
 * when the stack already has the role, its inline and attached policies made exactly the
 * document's. Every change is journaled with its inverse. Names, documents and managed policy
 * ARNs are checked by the role store, with IAM's messages.
 */
import { invalidParameter } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import { RoleError, type RoleStore } from '../../auth/roles.js';
import type { StackResource } from '../../store/records.js';
import type { RoleSpec } from './document-roles.js';
import type { Journal } from './journal.js';

/** The role store's refusal as a NimbusError keeping IAM's code and message ("IAM NoSuchEntity: ..."). */
async function iam<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof RoleError) throw invalidParameter(`IAM ${e.code}: ${e.message}`);
    throw e;
  }
}

interface RoleState {
  inline: Map<string, string>;
  attached: string[];
}

async function stateOf(roles: RoleStore, accountId: string, name: string): Promise<RoleState> {
  const inline = new Map<string, string>();
  for (const p of await roles.listRolePolicies(accountId, name)) inline.set(p, (await roles.getRolePolicy(accountId, name, p)) ?? '');
  return { inline, attached: await roles.listAttachedRolePolicies(accountId, name) };
}

/** Makes the role's policies exactly `want`'s. */
async function setPolicies(roles: RoleStore, accountId: string, name: string, have: RoleState, want: RoleState): Promise<void> {
  for (const [p, doc] of want.inline) if (have.inline.get(p) !== doc) await roles.putRolePolicy(accountId, name, p, doc);
  for (const p of have.inline.keys()) if (!want.inline.has(p)) await roles.deleteRolePolicy(accountId, name, p);
  for (const arn of want.attached) if (!have.attached.includes(arn)) await roles.attachRolePolicy(accountId, name, arn);
  for (const arn of have.attached) if (!want.attached.includes(arn)) await roles.detachRolePolicy(accountId, name, arn);
}

/** Removes a role with whatever policies it has (a stack's cleanup and rollback). */
export async function deleteRoleWithPolicies(roles: RoleStore, accountId: string, name: string): Promise<void> {
  const state = await stateOf(roles, accountId, name);
  await setPolicies(roles, accountId, name, state, { inline: new Map(), attached: [] });
  await roles.deleteRole(accountId, name);
}

async function applyRole(scope: Scope, r: RoleSpec, j: Journal, roles: RoleStore): Promise<void> {
  const a = scope.accountId;
  const want: RoleState = { inline: new Map(r.Policies.map((p) => [p.PolicyName, p.PolicyDocument])), attached: r.ManagedPolicyArns };
  const existing = await roles.getRole(a, r.RoleName);
  if (!existing) {
    await iam(() => roles.createRole(a, { name: r.RoleName, path: r.Path, trustPolicy: r.AssumeRolePolicyDocument }));
    j.push(`delete role ${r.RoleName}`, () => deleteRoleWithPolicies(roles, a, r.RoleName));
    await iam(() => setPolicies(roles, a, r.RoleName, { inline: new Map(), attached: [] }, want));
    return;
  }
  const before = await stateOf(roles, a, r.RoleName);
  j.push(`restore the policies of role ${r.RoleName}`, async () => await setPolicies(roles, a, r.RoleName, await stateOf(roles, a, r.RoleName), before));
  await iam(() => setPolicies(roles, a, r.RoleName, before, want));
}

/** Applies the document's roles; `within` names the resource in errors. Answers their resources. */
export async function applyRoles(
  scope: Scope,
  specs: readonly RoleSpec[],
  j: Journal,
  roles: RoleStore,
  within: <T>(logicalId: string, step: () => Promise<T>) => Promise<T>,
): Promise<StackResource[]> {
  const out: StackResource[] = [];
  for (const r of specs) {
    await within(r.LogicalId, () => applyRole(scope, r, j, roles));
    out.push({ logicalId: r.LogicalId, type: 'AWS::IAM::Role', physicalId: r.RoleName });
  }
  return out;
}
