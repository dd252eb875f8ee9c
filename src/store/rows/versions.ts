/**
 * Function version rows: a record split into the columns queries need and one JSON document for
 * the rest, with the environment sealed by the SecretSealer. Shared by the SQLite and PostgreSQL
 * stores so both seal with the same associated data and a keyring moves between them unchanged.
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

/** The associated data of a version's sealed environment: its place, so a ciphertext moved to another row does not open. */
export const envAad = (r: { account_id: string; region: string; name: string; version: string }): string =>
  `nimbus:env:${r.account_id}:${r.region}:${r.name}:${r.version}`;

const KMS_MESSAGES = {
  KMSNotFoundException: "Lambda couldn't decrypt the environment variables because the KMS key was not found. Check the function's KMS key settings.",
  KMSAccessDeniedException: "Lambda couldn't decrypt the environment variables because KMS access was denied. Check the Lambda function's KMS permissions.",
} as const;

/** Turns version records into rows and back, sealing and opening the environment. */
export class VersionCodec {
  constructor(readonly sealer?: SecretSealer) {}

  toRow(v: FunctionVersion): VersionRow {
    const { accountId, region, name, version, environment, environmentError, codeSha256, codeSize, lastModified, revisionId, ...config } = v;
    // A record whose environment did not decrypt has none to store: writing it would lose the real one.
    if (environmentError) throw kmsError(environmentError);
    const place = { account_id: accountId, region, name, version };
    const env = JSON.stringify(environment);
    return {
      ...place,
      config: JSON.stringify(config satisfies Config),
      environment: this.sealer ? this.sealer.seal(env, envAad(place), v.kmsKeyArn) : env,
      code_sha256: codeSha256,
      code_size: codeSize,
      last_modified: lastModified,
      revision_id: revisionId,
    };
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
