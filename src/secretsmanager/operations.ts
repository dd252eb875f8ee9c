/**
 * Secrets Manager's operations: CreateSecret, GetSecretValue (by version id or staging label),
 * PutSecretValue and UpdateSecret (AWSCURRENT moves to the new version, AWSPREVIOUS to the one it
 * left), DescribeSecret, ListSecrets (filters, paging), ListSecretVersionIds, DeleteSecret (a
 * recovery window, or at once) and RestoreSecret, TagResource/UntagResource, GetRandomPassword.
 * Secrets are named by name, full ARN or the ARN without its random suffix, as on AWS. Messages
 * are AWS's where known; the ones Nimbus words are marked.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { AwsJsonError } from '../core/errors.js';
import type { Scope } from '../core/model.js';
import type { Sealer } from '../core/sealer.js';
import type { SecretRecord, SecretStore, SecretVersion } from './store.js';

export class SecretsError extends AwsJsonError {}
export type Params = Record<string, unknown>;


export interface SecretDeps {
  store: SecretStore;
  sealer: Sealer;
  now: () => number;
}

const NAME = /^[a-zA-Z0-9/_+=.@-]{1,512}$/;
const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const DAY_MS = 86_400_000;

const invalidParameter = (m: string): SecretsError => new SecretsError('InvalidParameterException', m);
const invalidRequest = (m: string): SecretsError => new SecretsError('InvalidRequestException', m);
const notFound = (m = "Secrets Manager can't find the specified secret."): SecretsError => new SecretsError('ResourceNotFoundException', m);
const markedForDeletion = (): SecretsError => invalidRequest("You can't perform this operation on the secret because it was marked for deletion.");

function str(p: Params, key: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
  const v = p[key];
  if (v === undefined || v === null) {
    if (opts.required) throw invalidParameter(`Invalid ${key}: must not be null.`);
    return undefined;
  }
  if (typeof v !== 'string') throw new SecretsError('SerializationException', `Unexpected value for ${key}`);
  if (opts.max !== undefined && v.length > opts.max) throw invalidParameter(`Invalid ${key}: must be at most ${opts.max} characters.`);
  return v;
}

const seconds = (ms: number): number => ms / 1000;
const suffix = (): string => {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from(randomBytes(6), (b) => chars[b % chars.length]).join('');
};

/** The secret a SecretId names: a name, a full ARN, or a partial ARN (without the `-xxxxxx` suffix). */
function find(d: SecretDeps, scope: Scope, id: string, opts: { deleted?: boolean } = {}): SecretRecord {
  let s: SecretRecord | undefined;
  if (id.startsWith('arn:')) {
    s = d.store.byArn(id);
    if (!s) {
      const name = id.split(':secret:')[1];
      const byName = name ? d.store.byName(scope, name) : undefined;
      if (byName && byName.arn.startsWith(`${id}-`)) s = byName;
    }
  } else s = d.store.byName(scope, id);
  if (!s || s.accountId !== scope.accountId || s.region !== scope.region) throw notFound();
  // A deletion whose window has passed takes effect when the secret is next looked at.
  if (s.deletionDate !== undefined && s.deletionDate <= d.now()) {
    d.store.delete(s.arn);
    throw notFound();
  }
  if (s.deletionDate !== undefined && !opts.deleted) throw markedForDeletion();
  return s;
}

function value(p: Params): { value: string; binary: boolean } | undefined {
  const text = str(p, 'SecretString', { max: 65_536 });
  const bin = p['SecretBinary'];
  if (text !== undefined && bin !== undefined && bin !== null) throw invalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.");
  if (text !== undefined) return { value: text, binary: false };
  if (bin === undefined || bin === null) return undefined;
  if (typeof bin !== 'string') throw new SecretsError('SerializationException', 'Unexpected value for SecretBinary');
  if (Buffer.from(bin, 'base64').length > 65_536) throw invalidParameter('Invalid SecretBinary: must be at most 65536 bytes.');
  return { value: bin, binary: true };
}

function versionToken(p: Params): string {
  const token = str(p, 'ClientRequestToken') ?? randomUUID();
  if (token.length < 32 || token.length > 64) throw invalidParameter('Invalid ClientRequestToken: must be between 32 and 64 characters.');
  return token;
}

const aadOf = (arn: string, versionId: string): string => `${arn}:${versionId}`;

/** Stores a new version with `stages`; AWSCURRENT moving off a version leaves AWSPREVIOUS on it. */
function addVersion(d: SecretDeps, s: SecretRecord, token: string, v: { value: string; binary: boolean }, stages: string[]): SecretVersion {
  const existing = d.store.versions(s.arn);
  const same = existing.find((x) => x.versionId === token);
  if (same) {
    // The same request again (an SDK retry) is answered as before; a different value under a used token is refused.
    if (d.sealer.open(same.value, aadOf(s.arn, token)) === v.value && same.binary === v.binary) return same;
    throw new SecretsError('ResourceExistsException', "You can't modify an existing version, you can only create new versions.");
  }
  const moves: { versionId: string; stages: string[] }[] = [];
  const movingCurrent = stages.includes(CURRENT);
  for (const x of existing) {
    let next = x.stages.filter((l) => !stages.includes(l));
    if (movingCurrent) {
      next = next.filter((l) => l !== PREVIOUS);
      if (x.stages.includes(CURRENT)) next.push(PREVIOUS);
    }
    if (next.join() !== x.stages.join()) moves.push({ versionId: x.versionId, stages: next });
  }
  const now = d.now();
  const version: SecretVersion = { arn: s.arn, versionId: token, value: d.sealer.seal(v.value, aadOf(s.arn, token)), binary: v.binary, stages, createdAt: now };
  d.store.addVersion(version, moves, { ...s, changedAt: now });
  return version;
}

function tagsOf(v: unknown): { Key: string; Value: string }[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new SecretsError('SerializationException', 'Unexpected value for Tags');
  return (v as { Key?: unknown; Value?: unknown }[]).map((t) => {
    if (typeof t?.Key !== 'string' || typeof t.Value !== 'string') throw invalidParameter('Invalid tag: a tag needs a Key and a Value.');
    return { Key: t.Key, Value: t.Value };
  });
}

function stagesMap(d: SecretDeps, s: SecretRecord): Record<string, string[]> {
  return Object.fromEntries(d.store.versions(s.arn).filter((v) => v.stages.length > 0).map((v) => [v.versionId, v.stages]));
}

function describe(d: SecretDeps, s: SecretRecord, listing: boolean): Params {
  return {
    ARN: s.arn,
    Name: s.name,
    ...(s.description !== undefined ? { Description: s.description } : {}),
    ...(s.kmsKeyId !== undefined ? { KmsKeyId: s.kmsKeyId } : {}),
    LastChangedDate: seconds(s.changedAt),
    ...(s.accessedAt !== undefined ? { LastAccessedDate: seconds(Math.floor(s.accessedAt / DAY_MS) * DAY_MS) } : {}),
    ...(s.deletionDate !== undefined ? { DeletedDate: seconds(s.deletionDate) } : {}),
    ...(s.tags.length ? { Tags: s.tags } : {}),
    [listing ? 'SecretVersionsToStages' : 'VersionIdsToStages']: stagesMap(d, s),
    CreatedDate: seconds(s.createdAt),
  };
}

function getSecretValue(d: SecretDeps, scope: Scope, p: Params): Params {
  const s = find(d, scope, str(p, 'SecretId', { required: true, max: 2048 })!);
  const versionId = str(p, 'VersionId');
  const stage = str(p, 'VersionStage') ?? (versionId === undefined ? CURRENT : undefined);
  const versions = d.store.versions(s.arn);
  const v = versions.find((x) => (versionId === undefined || x.versionId === versionId) && (stage === undefined || x.stages.includes(stage)));
  if (!v) {
    throw notFound(versionId !== undefined ? `Secrets Manager can't find the specified secret value for VersionId: ${versionId}` : `Secrets Manager can't find the specified secret value for staging label: ${stage}`);
  }
  const plain = d.sealer.open(v.value, aadOf(s.arn, v.versionId));
  // Nimbus's wording: the keyring no longer has the key that sealed it.
  if (plain === undefined) throw new SecretsError('DecryptionFailure', "Secrets Manager can't decrypt the protected secret text using Nimbus's keyring.");
  d.store.put({ ...s, accessedAt: d.now() });
  return {
    ARN: s.arn,
    Name: s.name,
    VersionId: v.versionId,
    ...(v.binary ? { SecretBinary: plain } : { SecretString: plain }),
    VersionStages: v.stages,
    CreatedDate: seconds(v.createdAt),
  };
}

function randomPassword(p: Params): string {
  const length = p['PasswordLength'] === undefined ? 32 : p['PasswordLength'];
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 1 || length > 4096) throw invalidParameter('Invalid PasswordLength: must be between 1 and 4096.');
  const exclude = new Set(str(p, 'ExcludeCharacters') ?? '');
  const sets = [
    p['ExcludeLowercase'] === true ? '' : 'abcdefghijklmnopqrstuvwxyz',
    p['ExcludeUppercase'] === true ? '' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    p['ExcludeNumbers'] === true ? '' : '0123456789',
    p['ExcludePunctuation'] === true ? '' : '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
    p['IncludeSpace'] === true ? ' ' : '',
  ]
    .map((set) => [...set].filter((c) => !exclude.has(c)).join(''))
    .filter((set) => set.length > 0);
  if (sets.length === 0) throw invalidParameter('The password cannot be generated: every character is excluded.');
  const all = sets.join('');
  const pick = (set: string): string => set[randomInt(set.length)]!;
  for (;;) {
    const out = Array.from({ length }, () => pick(all)).join('');
    // RequireEachIncludedType (default true): one of each kind, when the length allows.
    if (p['RequireEachIncludedType'] === false || length < sets.length || sets.every((set) => [...out].some((c) => set.includes(c)))) return out;
  }
}

/** CreateSecret; `arnSuffix` is given by a stack (its references name the ARN before the secret exists), else random. */
export function createSecret(d: SecretDeps, scope: Scope, p: Params, arnSuffix: string = suffix()): Params {
  const name = str(p, 'Name', { required: true })!;
  if (!NAME.test(name)) throw invalidParameter('Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
  const existing = d.store.byName(scope, name);
  if (existing && existing.deletionDate !== undefined && existing.deletionDate > d.now()) {
    throw invalidRequest(`You can't create this secret because a secret with this name is already scheduled for deletion.`);
  }
  if (existing && existing.deletionDate === undefined) throw new SecretsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
  if (existing) d.store.delete(existing.arn);
  const v = value(p);
  const token = versionToken(p);
  const now = d.now();
  const secret: SecretRecord = {
    ...scope,
    name,
    arn: `arn:aws:secretsmanager:${scope.region}:${scope.accountId}:secret:${name}-${arnSuffix}`,
    description: str(p, 'Description', { max: 2048 }),
    kmsKeyId: str(p, 'KmsKeyId'),
    tags: tagsOf(p['Tags']),
    createdAt: now,
    changedAt: now,
    accessedAt: undefined,
    deletionDate: undefined,
  };
  d.store.put(secret);
  const version = v ? addVersion(d, secret, token, v, [CURRENT]) : undefined;
  return { ARN: secret.arn, Name: name, ...(version ? { VersionId: version.versionId } : {}) };
}

export function secretOperations(d: SecretDeps): Record<string, (scope: Scope, p: Params) => Params> {
  return {
    CreateSecret: (scope, p) => createSecret(d, scope, p),
    GetSecretValue: (scope, p) => getSecretValue(d, scope, p),
    PutSecretValue: (scope, p) => {
      const s = find(d, scope, str(p, 'SecretId', { required: true, max: 2048 })!);
      const v = value(p);
      if (!v) throw invalidParameter('You must provide either SecretString or SecretBinary.');
      const stagesGiven = p['VersionStages'];
      const stages = Array.isArray(stagesGiven) && stagesGiven.every((x) => typeof x === 'string') ? (stagesGiven as string[]) : [CURRENT];
      const version = addVersion(d, s, versionToken(p), v, stages);
      return { ARN: s.arn, Name: s.name, VersionId: version.versionId, VersionStages: version.stages };
    },
    UpdateSecret: (scope, p) => {
      const s = find(d, scope, str(p, 'SecretId', { required: true, max: 2048 })!);
      const description = str(p, 'Description', { max: 2048 });
      const kmsKeyId = str(p, 'KmsKeyId');
      const updated = { ...s, description: description ?? s.description, kmsKeyId: kmsKeyId ?? s.kmsKeyId, changedAt: d.now() };
      d.store.put(updated);
      const v = value(p);
      const version = v ? addVersion(d, updated, versionToken(p), v, [CURRENT]) : undefined;
      return { ARN: s.arn, Name: s.name, ...(version ? { VersionId: version.versionId } : {}) };
    },
    DescribeSecret: (scope, p) => describe(d, find(d, scope, str(p, 'SecretId', { required: true, max: 2048 })!, { deleted: true }), false),
    ListSecretVersionIds: (scope, p) => {
      const s = find(d, scope, str(p, 'SecretId', { required: true, max: 2048 })!, { deleted: true });
      const include = p['IncludeDeprecated'] === true;
      const versions = d.store.versions(s.arn).filter((v) => include || v.stages.length > 0);
      return { ARN: s.arn, Name: s.name, Versions: versions.map((v) => ({ VersionId: v.versionId, VersionStages: v.stages, CreatedDate: seconds(v.createdAt) })) };
    },
    ListSecrets: (scope, p) => {
      const max = p['MaxResults'] === undefined ? 100 : p['MaxResults'];
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 100) throw invalidParameter('Invalid MaxResults: must be between 1 and 100.');
      const filters = Array.isArray(p['Filters']) ? (p['Filters'] as { Key?: unknown; Values?: unknown }[]) : [];
      const now = d.now();
      let all = d.store.list(scope).filter((s) => s.deletionDate === undefined || (p['IncludePlannedDeletion'] === true && s.deletionDate > now));
      for (const f of filters) {
        const values = Array.isArray(f.Values) ? f.Values.filter((x): x is string => typeof x === 'string') : [];
        const has = (text: string | undefined): boolean => values.some((v) => (v.startsWith('!') ? !(text ?? '').startsWith(v.slice(1)) : (text ?? '').startsWith(v)));
        if (f.Key === 'name') all = all.filter((s) => has(s.name));
        else if (f.Key === 'description') all = all.filter((s) => has(s.description));
        else if (f.Key === 'tag-key') all = all.filter((s) => s.tags.some((t) => has(t.Key)));
        else if (f.Key === 'tag-value') all = all.filter((s) => s.tags.some((t) => has(t.Value)));
        else if (f.Key === 'all') all = all.filter((s) => has(s.name) || has(s.description) || s.tags.some((t) => has(t.Key) || has(t.Value)));
        else throw invalidParameter(`Invalid filter key: ${String(f.Key)}.`);
      }
      if (p['SortOrder'] === 'desc') all.reverse();
      const token = str(p, 'NextToken');
      const from = token === undefined ? 0 : Number(Buffer.from(token, 'base64').toString('utf8'));
      if (!Number.isInteger(from) || from < 0) throw invalidParameter('Invalid NextToken.');
      const items = all.slice(from, from + max);
      return { SecretList: items.map((s) => describe(d, s, true)), ...(from + max < all.length ? { NextToken: Buffer.from(String(from + max)).toString('base64') } : {}) };
    },
    DeleteSecret: (scope, p) => {
      const s = find(d, scope, str(p, 'SecretId', { required: true, max: 2048 })!);
      const force = p['ForceDeleteWithoutRecovery'] === true;
      const window = p['RecoveryWindowInDays'];
      if (force && window !== undefined && window !== null) throw invalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
      const days = window === undefined || window === null ? 30 : window;
      if (typeof days !== 'number' || !Number.isInteger(days) || days < 7 || days > 30) {
        throw invalidParameter('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
      }
      const now = d.now();
      if (force) {
        d.store.delete(s.arn);
        return { ARN: s.arn, Name: s.name, DeletionDate: seconds(now) };
      }
      const deletionDate = now + days * DAY_MS;
      d.store.put({ ...s, deletionDate });
      return { ARN: s.arn, Name: s.name, DeletionDate: seconds(deletionDate) };
    },
    RestoreSecret: (scope, p) => {
      const s = find(d, scope, str(p, 'SecretId', { required: true, max: 2048 })!, { deleted: true });
      d.store.put({ ...s, deletionDate: undefined });
      return { ARN: s.arn, Name: s.name };
    },
    TagResource: (scope, p) => {
      const s = find(d, scope, str(p, 'SecretId', { required: true, max: 2048 })!);
      const added = tagsOf(p['Tags']);
      d.store.put({ ...s, tags: [...s.tags.filter((t) => !added.some((a) => a.Key === t.Key)), ...added] });
      return {};
    },
    UntagResource: (scope, p) => {
      const s = find(d, scope, str(p, 'SecretId', { required: true, max: 2048 })!);
      const keys = Array.isArray(p['TagKeys']) ? (p['TagKeys'] as unknown[]) : [];
      d.store.put({ ...s, tags: s.tags.filter((t) => !keys.includes(t.Key)) });
      return {};
    },
    GetRandomPassword: (_scope, p) => ({ RandomPassword: randomPassword(p) }),
  };
}
