/**
 * EventBridge names and ARNs (EventBridge API reference and ARN formats): buses
 * `arn:aws:events:<region>:<account>:event-bus/<name>`, rules `...:rule/<name>` on the default
 * bus and `...:rule/<bus>/<name>` on another. A bus may be named by its name or its ARN.
 */
import type { Scope } from '../core/model.js';
import { constraint } from './errors.js';

export const DEFAULT_BUS = 'default';

const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
const BUS_ARN = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/([/.\-_A-Za-z0-9]{1,256})$/;
export const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
export const TARGET_ID = /^[.\-_A-Za-z0-9]{1,64}$/;

export const busArn = (scope: Scope, name: string): string => `arn:aws:events:${scope.region}:${scope.accountId}:event-bus/${name}`;

export const ruleArn = (scope: Scope, bus: string, name: string): string =>
  `arn:aws:events:${scope.region}:${scope.accountId}:rule/${bus === DEFAULT_BUS ? '' : `${bus}/`}${name}`;

/** A bus by name or ARN (`EventBusName`, `Name`); absent means the default bus. */
export function busName(v: unknown, member = 'eventBusName'): string {
  if (v === undefined || v === null || v === '') return DEFAULT_BUS;
  if (typeof v !== 'string') throw constraint(v, member, 'Member must be a string');
  const arn = BUS_ARN.exec(v);
  if (arn) return arn[1]!;
  if (!BUS_NAME.test(v)) throw constraint(v, member, 'Member must satisfy regular expression pattern: (arn:aws[\\w-]*:events:[a-z]{2}-[a-z]+-[\\w-]+:[0-9]{12}:event-bus\\/)?[/\\.\\-_A-Za-z0-9]+');
  return v;
}

export function ruleName(v: unknown, member = 'name'): string {
  if (v === undefined || v === null) throw constraint(null, member, 'Member must not be null');
  if (typeof v !== 'string' || !RULE_NAME.test(v)) throw constraint(v, member, 'Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+');
  return v;
}
