/**
 * Code signing configs: the row shape of code_signing_configs and its mapper to a record, shared by the SQLite and PostgreSQL stores (same columns in both) so the two backends cannot drift apart.
 */
import type { CodeSigningConfigRecord } from '../records.js';

export interface Row {
  account_id: string;
  region: string;
  id: string;
  description: string;
  profiles: string;
  policy: string;
  last_modified: number;
  tags: string;
}

export const fromRow = (r: Row): CodeSigningConfigRecord => ({
  accountId: r.account_id,
  region: r.region,
  id: r.id,
  description: r.description,
  signingProfileVersionArns: JSON.parse(r.profiles) as string[],
  policy: r.policy === 'Enforce' ? 'Enforce' : 'Warn',
  lastModified: r.last_modified,
  tags: JSON.parse(r.tags) as Record<string, string>,
});
