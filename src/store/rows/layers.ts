/**
 * Layer versions: the row shape of layer_versions and its mapper to a record, shared by the SQLite and PostgreSQL stores (same columns in both) so the two backends cannot drift apart.
 */
import type { LayerVersionRecord } from '../records.js';
import { list } from './json.js';

export interface Row {
  account_id: string;
  region: string;
  layer_name: string;
  version: number;
  description: string;
  compatible_runtimes: string | null;
  compatible_architectures: string | null;
  license_info: string | null;
  code_sha256: string;
  code_size: number;
  created_at: number;
  policy: string | null;
}


export const fromRow = (r: Row): LayerVersionRecord => ({
  accountId: r.account_id,
  region: r.region,
  layerName: r.layer_name,
  version: r.version,
  description: r.description,
  compatibleRuntimes: list(r.compatible_runtimes),
  compatibleArchitectures: list(r.compatible_architectures),
  licenseInfo: r.license_info ?? undefined,
  codeSha256: r.code_sha256,
  codeSize: r.code_size,
  createdAt: r.created_at,
  policy: r.policy === null ? undefined : (JSON.parse(r.policy) as LayerVersionRecord['policy']),
});
