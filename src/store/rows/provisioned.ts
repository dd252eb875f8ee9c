/**
 * Provisioned concurrency: the row shape of provisioned_concurrency and its mapper to a record, shared by the SQLite and PostgreSQL stores (same columns in both) so the two backends cannot drift apart.
 */
import type { ProvisionedConfig } from '../records.js';

export interface Row {
  account_id: string;
  region: string;
  function_name: string;
  qualifier: string;
  requested: number;
  last_modified: number;
}

export const fromRow = (r: Row): ProvisionedConfig => ({
  accountId: r.account_id,
  region: r.region,
  functionName: r.function_name,
  qualifier: r.qualifier,
  requested: r.requested,
  lastModified: r.last_modified,
});
