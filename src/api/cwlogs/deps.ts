/** What the CloudWatch Logs operations read: log entries, and the groups the functions name. */
import type { Scope } from '../../core/model.js';
import { invalidParameter } from './errors.js';
import type { LogGroup, LogGroups } from './groups.js';
import { GROUP_NAME, str, type Params } from './params.js';
import type { EntryReader } from './reader.js';

export interface LogsDeps {
  logs: EntryReader;
  groups: LogGroups;
}

/** The group a request names, by `logGroupName` or `logGroupIdentifier` (its name or ARN). */
export async function groupOf(d: LogsDeps, scope: Scope, p: Params): Promise<LogGroup> {
  return d.groups.get(scope, groupName(p));
}

export function groupName(p: Params): string {
  const name = str(p, 'logGroupName', { min: 1, max: 512, pattern: GROUP_NAME });
  const id = str(p, 'logGroupIdentifier', { min: 1, max: 2048 });
  if (name !== undefined && id !== undefined) throw invalidParameter('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  if (name !== undefined) return name;
  if (id === undefined) throw invalidParameter('Either logGroupName or logGroupIdentifier must be specified.');
  return nameFromIdentifier(id);
}

/** `arn:aws:logs:<region>:<account>:log-group:<name>[:*]` or a plain name. */
export function nameFromIdentifier(id: string): string {
  if (!id.startsWith('arn:')) return id;
  const at = id.indexOf(':log-group:');
  if (at < 0) throw invalidParameter(`Invalid log group identifier: ${id}`);
  const rest = id.slice(at + ':log-group:'.length);
  return rest.endsWith(':*') ? rest.slice(0, -2) : rest.split(':')[0]!;
}

export const groupArn = (scope: Scope, name: string): string => `arn:aws:logs:${scope.region}:${scope.accountId}:log-group:${name}`;
