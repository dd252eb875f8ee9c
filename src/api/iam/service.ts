/**
 * The IAM API subset Nimbus serves (docs/auth.md, "Roles"): roles and their inline and attached
 * policies, over the account store's roles (src/auth/roles.ts), so that `aws iam create-role`,
 * `put-role-policy`, `attach-role-policy` and the rest work unmodified and a function's
 * credentials then carry what its role allows. One account per request (the caller's).
 */
import { randomUUID } from 'node:crypto';
import { managedPolicyName } from '../../auth/managed-policies.js';
import { checkRoleName, RoleError, type RoleStore } from '../../auth/roles.js';
import type { ServiceRequest, ServiceResponse } from '../services/types.js';
import { encodedPolicy, errorResponse, escapeXml, members, ok, roleXml } from './shapes.js';

type Params = (name: string) => string | undefined;
type Operation = (accountId: string, p: Params) => Promise<string | undefined>;

/** IAM's Query API version, in every request's `Version`. */
export const IAM_VERSION = '2010-05-08';

/** The request's parameters: the query string overlaid by a form body. */
export function iamParams(req: { query: URLSearchParams; body: Buffer }): URLSearchParams {
  const out = new URLSearchParams(req.query);
  for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) out.set(k, v);
  return out;
}

const required = (p: Params, name: string, field: string): string => {
  const v = p(name);
  if (v === undefined || v === '') throw new RoleError('ValidationError', `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  return v;
};

/** A role name given to an operation: checked as IAM does before it looks. */
const roleName = (p: Params): string => {
  const n = required(p, 'RoleName', 'roleName');
  checkRoleName(n);
  return n;
};

/** ListRoles' and the other lists' paging: `MaxItems` (default 100) and an opaque `Marker`. */
function page<T>(items: readonly T[], p: Params, render: (x: T) => string, listName: string): string {
  const max = Math.min(Math.max(Number(p('MaxItems') ?? 100) || 100, 1), 1000);
  const start = p('Marker') !== undefined ? Number(Buffer.from(p('Marker')!, 'base64url').toString()) || 0 : 0;
  const slice = items.slice(start, start + max);
  const truncated = start + max < items.length;
  return `<${listName}>${members(slice.map(render))}</${listName}><IsTruncated>${truncated}</IsTruncated>${truncated ? `<Marker>${Buffer.from(String(start + max)).toString('base64url')}</Marker>` : ''}`;
}

export class IamService {
  private readonly ops: Readonly<Record<string, Operation>>;

  constructor(private readonly roles: RoleStore) {
    const r = this.roles;
    this.ops = {
      CreateRole: async (a, p) => {
        const max = p('MaxSessionDuration');
        const role = await r.createRole(a, {
          name: roleName(p),
          path: p('Path'),
          trustPolicy: required(p, 'AssumeRolePolicyDocument', 'assumeRolePolicyDocument'),
          description: p('Description'),
          maxSessionDuration: max === undefined ? undefined : Number(max),
        });
        return `<Role>${roleXml(role)}</Role>`;
      },
      GetRole: async (a, p) => `<Role>${roleXml(await this.need(a, roleName(p)))}</Role>`,
      ListRoles: async (a, p) => {
        const prefix = p('PathPrefix') ?? '/';
        const roles = (await r.listRoles(a)).filter((x) => x.path.startsWith(prefix));
        return page(roles, p, roleXml, 'Roles');
      },
      DeleteRole: async (a, p) => {
        await r.deleteRole(a, roleName(p));
        return undefined;
      },
      PutRolePolicy: async (a, p) => {
        await r.putRolePolicy(a, roleName(p), required(p, 'PolicyName', 'policyName'), required(p, 'PolicyDocument', 'policyDocument'));
        return undefined;
      },
      GetRolePolicy: async (a, p) => {
        const name = roleName(p);
        const policy = required(p, 'PolicyName', 'policyName');
        const doc = await r.getRolePolicy(a, name, policy);
        if (doc === undefined) throw new RoleError('NoSuchEntity', `The role policy with name ${policy} cannot be found.`);
        const role = await this.need(a, name);
        return `<RoleName>${escapeXml(role.name)}</RoleName><PolicyName>${escapeXml(policy)}</PolicyName><PolicyDocument>${encodedPolicy(doc)}</PolicyDocument>`;
      },
      ListRolePolicies: async (a, p) => page(await r.listRolePolicies(a, roleName(p)), p, escapeXml, 'PolicyNames'),
      DeleteRolePolicy: async (a, p) => {
        await r.deleteRolePolicy(a, roleName(p), required(p, 'PolicyName', 'policyName'));
        return undefined;
      },
      AttachRolePolicy: async (a, p) => {
        await r.attachRolePolicy(a, roleName(p), required(p, 'PolicyArn', 'policyArn'));
        return undefined;
      },
      DetachRolePolicy: async (a, p) => {
        await r.detachRolePolicy(a, roleName(p), required(p, 'PolicyArn', 'policyArn'));
        return undefined;
      },
      ListAttachedRolePolicies: async (a, p) => {
        const prefix = p('PathPrefix') ?? '/';
        const arns = (await r.listAttachedRolePolicies(a, roleName(p))).filter((arn) => `/${arn.slice('arn:aws:iam::aws:policy/'.length)}`.startsWith(prefix));
        return page(arns, p, (arn) => `<PolicyName>${escapeXml(managedPolicyName(arn))}</PolicyName><PolicyArn>${escapeXml(arn)}</PolicyArn>`, 'AttachedPolicies');
      },
    };
  }

  private async need(accountId: string, name: string): Promise<import('../../auth/roles.js').Role> {
    const role = await this.roles.getRole(accountId, name);
    if (!role) throw new RoleError('NoSuchEntity', `The role with name ${name} cannot be found.`);
    return role;
  }

  /** Never throws: every failure is an answer in IAM's error shape. */
  async handle(req: ServiceRequest): Promise<ServiceResponse> {
    const requestId = randomUUID();
    const params = iamParams(req);
    const action = params.get('Action') ?? '';
    const op = this.ops[action];
    if (!op) return errorResponse(400, 'InvalidAction', `Could not find operation ${action} for version ${params.get('Version') ?? ''}`, requestId);
    try {
      return ok(action, requestId, await op(req.accountId, (n) => params.get(n) ?? undefined));
    } catch (e) {
      if (e instanceof RoleError) return errorResponse(e.status, e.code, e.message, requestId);
      return errorResponse(500, 'ServiceFailure', 'The request processing has failed because of an unknown error, exception or failure.', requestId);
    }
  }
}
