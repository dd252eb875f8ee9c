/**
 * AddPermission's request turned into the policy statement Lambda stores, member by member as AWS
 * shows it (the model's AddPermission examples; LS-SNAP `test_add_lambda_permission_fields`;
 * docs/reference/security.md §2.2): a service principal becomes `{"Service": ...}`, an account ID
 * its root ARN, `*` stays `*`; conditions come from SourceAccount, EventSourceToken,
 * FunctionUrlAuthType, PrincipalOrgID, SourceArn and InvokedViaFunctionUrl.
 */
import { invalidParameter, validationError } from '../../core/errors.js';
import type { PolicyStatement } from '../../store/records.js';
import { checkEnum, isObject, optionalBool } from '../http/validate.js';

const STATEMENT_ID = /^([a-zA-Z0-9-_]+)$/;
const ACTION = /^(lambda:[*]|lambda:[a-zA-Z]+|[*])$/;
const PRINCIPAL = /^[^\s]+$/;
const SOURCE_ACCOUNT = /^\d{12}$/;
const EVENT_SOURCE_TOKEN = /^[a-zA-Z0-9._-]+$/;
const ORG_ID = /^o-[a-z0-9]{10,32}$/;
const ARN = /^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)$/;

/** Principals Lambda accepts: `*`, an account, an IAM ARN, or a service (`*.amazonaws.com`, `*.amazon.com`). */
function principalOf(p: string): unknown {
  if (p === '*') return '*';
  if (/^\d{12}$/.test(p)) return { AWS: `arn:aws:iam::${p}:root` };
  if (/^arn:aws[a-zA-Z-]*:(iam|sts)::\d{12}:.+$/.test(p)) return { AWS: p };
  if (/^[a-z0-9][a-z0-9.-]*\.(amazonaws\.com|amazon\.com)(\.cn)?$/.test(p)) return { Service: p };
  throw invalidParameter('The provided principal was invalid. Please check the principal and try again.');
}

function member(body: Record<string, unknown>, key: string, name: string, pattern: RegExp, max: number, required: boolean): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw validationError(null, name, 'Member must not be null');
    return undefined;
  }
  if (typeof v !== 'string') throw validationError(v, name, 'Member must be a string');
  if (v.length > max) throw validationError(v, name, `Member must have length less than or equal to ${max}`);
  if (!pattern.test(v)) throw validationError(v, name, `Member must satisfy regular expression pattern: ${pattern.source.slice(1, -1)}`);
  return v;
}

/** The StatementId an AddPermission body names (checked first: a bad one is refused before anything is looked up). */
export function statementIdOf(body: unknown): string {
  return member(isObject(body) ? body : {}, 'StatementId', 'statementId', STATEMENT_ID, 100, true)!;
}

/** Builds the statement for `resourceArn` from an AddPermission body. */
export function statementOf(body: unknown, resourceArn: string): PolicyStatement {
  const b = isObject(body) ? body : {};
  const sid = statementIdOf(b);
  const action = member(b, 'Action', 'action', ACTION, 256, true)!;
  const principal = member(b, 'Principal', 'principal', PRINCIPAL, 256, true)!;
  const sourceArn = member(b, 'SourceArn', 'sourceArn', ARN, 1024, false);
  const sourceAccount = member(b, 'SourceAccount', 'sourceAccount', SOURCE_ACCOUNT, 12, false);
  const token = member(b, 'EventSourceToken', 'eventSourceToken', EVENT_SOURCE_TOKEN, 256, false);
  const org = member(b, 'PrincipalOrgID', 'principalOrgID', ORG_ID, 34, false);
  const authType = checkEnum(b['FunctionUrlAuthType'], 'functionUrlAuthType', ['NONE', 'AWS_IAM']);
  const viaUrl = optionalBool(b, 'InvokedViaFunctionUrl', 'invokedViaFunctionUrl');
  const equals: Record<string, string> = {
    ...(sourceAccount ? { 'AWS:SourceAccount': sourceAccount } : {}),
    ...(token ? { 'lambda:EventSourceToken': token } : {}),
    ...(authType ? { 'lambda:FunctionUrlAuthType': authType } : {}),
    ...(org ? { 'aws:PrincipalOrgID': org } : {}),
  };
  const condition: Record<string, unknown> = {
    ...(Object.keys(equals).length ? { StringEquals: equals } : {}),
    ...(sourceArn ? { ArnLike: { 'AWS:SourceArn': sourceArn } } : {}),
    // Since October 2025 a function URL needs InvokeFunction granted with this (security.md §2.3).
    ...(viaUrl ? { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } } : {}),
  };
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: principalOf(principal),
    Action: action,
    Resource: resourceArn,
    ...(Object.keys(condition).length ? { Condition: condition } : {}),
  };
}
