/**
 * The stack document's `Roles` (optional): each IAM role with its trust policy, inline policies
 * (documents as JSON text) and attached managed policy ARNs. Only the shape is checked here; the
 * role store checks names, documents and ARNs with IAM's messages (apply-roles.ts).
 */
import { validationError } from '../../core/errors.js';
import { isObject } from '../http/validate.js';
import { list, LOGICAL_ID, named } from './document-fields.js';

export interface RoleSpec {
  LogicalId: string;
  RoleName: string;
  Path: string;
  AssumeRolePolicyDocument: string;
  Policies: { PolicyName: string; PolicyDocument: string }[];
  ManagedPolicyArns: string[];
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const str = (v: unknown): v is string => typeof v === 'string';

export function parseRoles(body: Record<string, unknown>, once: (logicalId: string) => void): RoleSpec[] {
  return list(body['Roles'], 'roles').map((r, i): RoleSpec => {
    const m = `roles.${i}`;
    if (!isObject(r)) throw validationError(r, m, 'Member must be a structure');
    const logicalId = named(r['LogicalId'], 'LogicalId', LOGICAL_ID, m);
    once(logicalId);
    const trust = r['AssumeRolePolicyDocument'];
    if (!str(trust)) throw validationError(trust, `${m}.assumeRolePolicyDocument`, 'Member must be a string');
    const path = r['Path'] ?? '/';
    if (!str(path)) throw validationError(path, `${m}.path`, 'Member must be a string');
    const policies = list(r['Policies'], `${m}.policies`).map((p, k) => {
      if (!isObject(p) || !str(p['PolicyName']) || !str(p['PolicyDocument'])) throw validationError(p, `${m}.policies.${k}`, 'Member must have a PolicyName and a PolicyDocument (strings)');
      return { PolicyName: p['PolicyName'], PolicyDocument: p['PolicyDocument'] };
    });
    const arns = list(r['ManagedPolicyArns'], `${m}.managedPolicyArns`).map((a, k) => {
      if (!str(a)) throw validationError(a, `${m}.managedPolicyArns.${k}`, 'Member must be a string');
      return a;
    });
    return { LogicalId: logicalId, RoleName: named(r['RoleName'], 'RoleName', ROLE_NAME, m), Path: path, AssumeRolePolicyDocument: trust, Policies: policies, ManagedPolicyArns: arns };
  });
}
