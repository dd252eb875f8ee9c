/**
 * The names a deployment gives the things a template declares. Kept in one place because the
 * stack design (issue 14, item 2) will replace the rule: CloudFormation names a resource
 * `<stack>-<LogicalId>-<suffix>` unless the template sets a name, while Nimbus today uses the
 * logical id, as it always has for functions.
 */
import { createHash } from 'node:crypto';

/** A resource's physical name: the name the template gives it, else its logical id. */
export function physicalName(logicalId: string, explicit: string | undefined): string {
  return explicit ?? logicalId;
}

/**
 * An API's id: ten lower-case letters and digits like API Gateway's, derived from the stack
 * and the API's logical id so that a redeployment keeps it.
 */
export function apiId(stack: string, logicalId: string): string {
  const digest = createHash('sha256').update(`${stack}\0${logicalId}`).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (let i = 0; i < 10; i++) id += alphabet[digest[i]! % alphabet.length];
  return id;
}
