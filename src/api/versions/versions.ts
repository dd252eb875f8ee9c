/**
 * Published versions (docs/reference/lambda-api.md §1.4.3): immutable snapshots of `$LATEST`'s code and
 * configuration, numbered 1, 2, ... per function and never reused.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { invalidParameter, NimbusError, notFound } from '../../core/errors.js';
import type { Store } from '../../store/types.js';
import type { FunctionVersion, Scope } from '../../core/model.js';
import { functionArn, parseFunctionName } from '../../core/names.js';
import { decodeMarker, encodeMarker, pageSize } from '../http/paging.js';
import { isObject, optionalString } from '../http/validate.js';

/** AWS returns at most 50 versions per page. */
const PAGE_CAP = 50;

export interface VersionPage {
  versions: FunctionVersion[];
  nextMarker: string | undefined;
}

/** What makes two versions the same for PublishVersion's idempotence: code and configuration. */
function fingerprint(v: FunctionVersion): string {
  const { version: _v, lastModified: _l, revisionId: _r, description: _d, ...rest } = v;
  return JSON.stringify(rest, Object.keys(rest).sort());
}

/**
 * Publishes `latest` unless the newest published version already has the same code and
 * configuration, in which case that version is returned (AWS's idempotent publish).
 */
export async function publishFrom(store: Store, clock: Clock, latest: FunctionVersion, description?: string): Promise<FunctionVersion> {
  const newest = await store.latestPublished(latest, latest.name);
  if (newest && fingerprint(newest) === fingerprint(latest)) return newest;
  return store.publishVersion(latest, latest.name, (version) => ({
    ...latest,
    version,
    description: description ?? latest.description,
    lastModified: clock.now(),
    revisionId: randomUUID(),
  }));
}

export class VersionService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  /** PublishVersion: `{CodeSha256?, Description?, RevisionId?}` checked against `$LATEST`. */
  async publish(scope: Scope, rawName: string, body: unknown): Promise<FunctionVersion> {
    if (!isObject(body)) throw new NimbusError('ERR_INVALID_REQUEST_CONTENT', 'Could not parse request body into json: expected an object');
    const ref = parseFunctionName(rawName);
    if (ref.qualifier !== undefined) {
      throw invalidParameter('Version or Alias qualifiers are not permitted in the function name for this operation.');
    }
    const latest = await this.deps.store.getVersion(scope, ref.name, '$LATEST');
    if (!latest) throw notFound(`Function not found: ${functionArn(scope, ref.name)}`);
    const sha = optionalString(body, 'CodeSha256', 'codeSha256', 256);
    const current = Buffer.from(latest.codeSha256, 'hex').toString('base64');
    if (sha !== undefined && sha !== current) {
      throw invalidParameter(
        `CodeSHA256 (${sha}) is different from current CodeSHA256 in $LATEST (${current}). Please try again with the CodeSHA256 in $LATEST.`,
      );
    }
    const rev = optionalString(body, 'RevisionId', 'revisionId', 1024);
    if (rev !== undefined && rev !== latest.revisionId) {
      throw new NimbusError(
        'ERR_PRECONDITION_FAILED',
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      );
    }
    const description = optionalString(body, 'Description', 'description', 256);
    return publishFrom(this.deps.store, this.deps.clock, latest, description);
  }

  /** ListVersionsByFunction: `$LATEST` first, then 1, 2, ... */
  async list(scope: Scope, rawName: string, marker: string | undefined, maxItems: string | undefined): Promise<VersionPage> {
    const ref = parseFunctionName(rawName);
    if (!await this.deps.store.getVersion(scope, ref.name, '$LATEST')) throw notFound(`Function not found: ${functionArn(scope, ref.name)}`);
    const limit = pageSize(maxItems, PAGE_CAP);
    const after = decodeMarker(marker, /^(\$LATEST|\d+)$/);
    const rows = await this.deps.store.listVersions(scope, ref.name, after, limit + 1);
    const page = rows.slice(0, limit);
    return { versions: page, nextMarker: rows.length > limit ? encodeMarker(page[page.length - 1]!.version) : undefined };
  }
}
