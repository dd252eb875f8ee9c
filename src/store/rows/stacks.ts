/**
 * Stacks: the row shape of stacks and its mapper to a record, shared by the SQLite and PostgreSQL stores (same columns in both) so the two backends cannot drift apart.
 */
import type { StackRecord, StackResource, StackTemplate } from '../records.js';

export interface Row {
  account_id: string;
  region: string;
  name: string;
  stack_id: string;
  status: string;
  status_reason: string;
  description: string;
  parameters: string;
  outputs: string;
  resources: string;
  created_at: number;
  updated_at: number;
  /** JSON of StackRecord.deployedWith; NULL when the last deployment was not through CloudFormation. */
  deployed_with: string | null;
}

/** The row's `deployed_with` column. */
export const deployedWithColumn = (s: StackRecord): string | null => (s.deployedWith === undefined ? null : JSON.stringify(s.deployedWith));

export const fromRow = (r: Row): StackRecord => ({
  accountId: r.account_id,
  region: r.region,
  name: r.name,
  stackId: r.stack_id,
  status: r.status,
  statusReason: r.status_reason,
  description: r.description,
  parameters: JSON.parse(r.parameters) as Record<string, string>,
  outputs: JSON.parse(r.outputs) as Record<string, string>,
  resources: JSON.parse(r.resources) as StackResource[],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  ...(r.deployed_with ? { deployedWith: JSON.parse(r.deployed_with) as StackTemplate } : {}),
});
