/**
 * Aliases: the row shape of aliases and its mapper to a record, shared by the SQLite and PostgreSQL stores (same columns in both) so the two backends cannot drift apart.
 */
import type { AliasRecord } from '../records.js';

export interface Row {
  account_id: string;
  region: string;
  function_name: string;
  name: string;
  function_version: string;
  description: string;
  weights: string;
  revision_id: string;
}

export const fromRow = (r: Row): AliasRecord => ({
  accountId: r.account_id,
  region: r.region,
  functionName: r.function_name,
  name: r.name,
  functionVersion: r.function_version,
  description: r.description,
  weights: JSON.parse(r.weights) as Record<string, number>,
  revisionId: r.revision_id,
});
