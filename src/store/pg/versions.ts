/**
 * Function version upserts in PostgreSQL: the column list and the arguments of one upsert. The row
 * shape and its sealing codec are shared with the SQLite store (../rows/versions.ts).
 */
import type { FunctionVersion } from '../../core/model.js';
import type { VersionCodec } from '../rows/versions.js';

/** The columns an upsert writes, in this order ($1..$10), beside `layer_shas` ($11). */
export const VERSION_COLUMNS = 'account_id, region, name, version, config, environment, code_sha256, code_size, last_modified, revision_id, layer_shas';

export const PUT_VERSION = `INSERT INTO function_versions (${VERSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
  ON CONFLICT (account_id, region, name, version) DO UPDATE SET config = excluded.config, environment = excluded.environment,
  code_sha256 = excluded.code_sha256, code_size = excluded.code_size, last_modified = excluded.last_modified,
  revision_id = excluded.revision_id, layer_shas = excluded.layer_shas`;

/** The PUT_VERSION arguments of a record. */
export function versionArgs(codec: VersionCodec, v: FunctionVersion): unknown[] {
  const r = codec.toRow(v);
  return [
    r.account_id, r.region, r.name, r.version, r.config, r.environment,
    r.code_sha256, r.code_size, r.last_modified, r.revision_id,
    (v.layers ?? []).map((l) => l.codeSha256),
  ];
}
