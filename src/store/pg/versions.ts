/**
 * Function version rows in PostgreSQL: a record split into the columns queries need and one JSON
 * document for the rest, with the environment sealed by the SecretSealer exactly as the SQLite
 * store seals it (same associated data), so a keyring moves between the two stores unchanged.
 */
import { kmsError } from '../../core/errors.js';
import type { FunctionVersion, Scope } from '../../core/model.js';
import type { SecretSealer } from '../types.js';

/** Configuration members stored as one JSON document (everything but code and environment). */
export type Config = Omit<
  FunctionVersion,
  keyof Scope | 'name' | 'version' | 'environment' | 'environmentError' | 'codeSha256' | 'codeSize' | 'lastModified' | 'revisionId'
>;

export interface VersionRow {
  account_id: string;
  region: string;
  name: string;
  version: string;
  config: string;
  environment: string;
  code_sha256: string;
  code_size: number;
  last_modified: number;
  revision_id: string;
}

/** The columns an upsert writes, in this order ($1..$10), beside `layer_shas` ($11). */
export const VERSION_COLUMNS = 'account_id, region, name, version, config, environment, code_sha256, code_size, last_modified, revision_id, layer_shas';

export const PUT_VERSION = `INSERT INTO function_versions (${VERSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
  ON CONFLICT (account_id, region, name, version) DO UPDATE SET config = excluded.config, environment = excluded.environment,
  code_sha256 = excluded.code_sha256, code_size = excluded.code_size, last_modified = excluded.last_modified,
  revision_id = excluded.revision_id, layer_shas = excluded.layer_shas`;

/** The associated data of a version's sealed environment: its place, so a ciphertext moved to another row does not open. */
export const envAad = (r: { account_id: string; region: string; name: string; version: string }): string =>
  `nimbus:env:${r.account_id}:${r.region}:${r.name}:${r.version}`;

const KMS_MESSAGES = {
  KMSNotFoundException: "Lambda couldn't decrypt the environment variables because the KMS key was not found. Check the function's KMS key settings.",
  KMSAccessDeniedException: "Lambda couldn't decrypt the environment variables because KMS access was denied. Check the Lambda function's KMS permissions.",
} as const;

export class VersionCodec {
  constructor(readonly sealer?: SecretSealer) {}

  /** The PUT_VERSION arguments of a record. */
  args(v: FunctionVersion): unknown[] {
    const { accountId, region, name, version, environment, environmentError, codeSha256, codeSize, lastModified, revisionId, ...config } = v;
    // A record whose environment did not decrypt has none to store: writing it would lose the real one.
    if (environmentError) throw kmsError(environmentError);
    const place = { account_id: accountId, region, name, version };
    const env = JSON.stringify(environment);
    return [
      accountId, region, name, version,
      JSON.stringify(config satisfies Config),
      this.sealer ? this.sealer.seal(env, envAad(place), v.kmsKeyArn) : env,
      codeSha256, codeSize, lastModified, revisionId,
      (v.layers ?? []).map((l) => l.codeSha256),
    ];
  }

  fromRow(r: VersionRow): FunctionVersion {
    const v: FunctionVersion = {
      ...(JSON.parse(r.config) as Config),
      accountId: r.account_id,
      region: r.region,
      name: r.name,
      version: r.version,
      environment: {},
      codeSha256: r.code_sha256,
      codeSize: r.code_size,
      lastModified: r.last_modified,
      revisionId: r.revision_id,
    };
    if (!this.sealer?.isSealed(r.environment)) v.environment = JSON.parse(r.environment) as Record<string, string>;
    else {
      const opened = this.sealer.open(r.environment, envAad(r));
      if (opened.ok) v.environment = JSON.parse(opened.plaintext) as Record<string, string>;
      else v.environmentError = { errorCode: opened.failure, message: KMS_MESSAGES[opened.failure] };
    }
    return v;
  }
}
