/**
 * Parameter Store's operations: PutParameter, GetParameter (with `:version` and `:label`
 * selectors), GetParameters, GetParametersByPath, GetParameterHistory, DescribeParameters,
 * DeleteParameter(s), LabelParameterVersion and the tag operations, with the SSM model's members,
 * limits and error names (`ParameterNotFound`, `ParameterAlreadyExists`, `ParameterVersionNotFound`,
 * `ParameterPatternMismatchException`, `ValidationException`, ...). Messages are AWS's where known;
 * the ones Nimbus words are marked.
 */
import { AwsJsonError, constraintMessage } from '../core/errors.js';
import type { Scope } from '../core/model.js';
import type { Sealer } from '../core/sealer.js';
import type { ParameterStore, ParameterType, ParameterVersion } from './store.js';

export class SsmError extends AwsJsonError {}

export type Params = Record<string, unknown>;


export interface ParameterDeps {
  store: ParameterStore;
  sealer: Sealer;
  now: () => number;
}

const TYPES: readonly ParameterType[] = ['String', 'StringList', 'SecureString'];
const NAME = /^[a-zA-Z0-9_.\-/]+$/;
const LABEL = /^[a-zA-Z0-9_.-]{1,100}$/;
const STANDARD_MAX = 4096;
const ADVANCED_MAX = 8192;

const validation = (message: string): SsmError => new SsmError('ValidationException', message);
const constraint = (value: unknown, member: string, rule: string): SsmError => validation(constraintMessage(value, member, rule));
// GetParameter's ParameterNotFound has no message on AWS.
const notFound = (): SsmError => new SsmError('ParameterNotFound', '');

function str(p: Params, key: string, member: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
  const v = p[key];
  if (v === undefined || v === null) {
    if (opts.required) throw constraint(null, member, 'Member must not be null');
    return undefined;
  }
  if (typeof v !== 'string') throw new SsmError('SerializationException', `Unexpected value for ${key}`);
  if (opts.max !== undefined && v.length > opts.max) throw constraint(v, member, `Member must have length less than or equal to ${opts.max}`);
  return v;
}

function strings(p: Params, key: string, member: string, max: number): string[] {
  const v = p[key];
  if (v === undefined || v === null) throw constraint(null, member, 'Member must not be null');
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new SsmError('SerializationException', `Unexpected value for ${key}`);
  if (v.length < 1 || v.length > max) throw constraint(v, member, `Member must have length less than or equal to ${max}`);
  return v as string[];
}

function bool(p: Params, key: string): boolean {
  const v = p[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new SsmError('SerializationException', `Unexpected value for ${key}`);
  return v;
}

function maxResults(p: Params, max: number): number {
  const v = p['MaxResults'];
  if (v === undefined || v === null) return max;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new SsmError('SerializationException', 'Unexpected value for MaxResults');
  if (v < 1 || v > max) throw constraint(v, 'maxResults', `Member must have value ${v < 1 ? 'greater than or equal to 1' : `less than or equal to ${max}`}`);
  return v;
}

/** NextToken: the position of the next item, opaque to clients. */
const tokenOf = (n: number): string => Buffer.from(JSON.stringify({ n })).toString('base64');
function positionOf(p: Params): number {
  const t = str(p, 'NextToken', 'nextToken');
  if (t === undefined) return 0;
  try {
    const n = (JSON.parse(Buffer.from(t, 'base64').toString('utf8')) as { n?: unknown }).n;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0) return n;
  } catch {
    // Falls through.
  }
  throw validation('The specified token is not valid.');
}

function page<T>(items: readonly T[], p: Params, max: number): { items: T[]; next: string | undefined } {
  const size = maxResults(p, max);
  const from = positionOf(p);
  const slice = items.slice(from, from + size);
  return { items: slice, next: from + size < items.length ? tokenOf(from + size) : undefined };
}

/** AWS's checks on a parameter name. */
function checkName(name: string): void {
  if (name.length < 1 || name.length > 2048) throw constraint(name, 'name', 'Member must have length less than or equal to 2048');
  if (!NAME.test(name)) {
    throw validation('Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_');
  }
  const bare = name.startsWith('/') ? name.slice(1) : name;
  if (/^(aws|ssm)/i.test(bare)) throw validation('Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).');
  if (name.includes('/') && !name.startsWith('/')) throw validation('Parameter name must be a fully qualified name.');
  if (name.endsWith('/') || name.includes('//')) throw validation('Parameter name must be a fully qualified name.');
  if (name.split('/').length - 1 > 15) throw validation('The parameter hierarchy depth exceeds the limit of 15 levels.');
}

export const parameterArn = (scope: Scope, name: string): string =>
  `arn:aws:ssm:${scope.region}:${scope.accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`;

const aadOf = (p: ParameterVersion): string => `${parameterArn(p, p.name)}:${p.version}`;

/** The value a reader sees: plaintext, or for an undecrypted SecureString the sealed text as an opaque base64 string. */
function shownValue(d: ParameterDeps, p: ParameterVersion, decrypt: boolean): string {
  if (p.type !== 'SecureString') return p.value;
  if (!decrypt) return Buffer.from(p.value).toString('base64');
  const plain = d.sealer.open(p.value, aadOf(p));
  // Nimbus's wording: the keyring no longer has the key that sealed it.
  if (plain === undefined) throw new SsmError('InvalidKeyId', `The value of ${p.name} cannot be decrypted with Nimbus's keyring.`);
  return plain;
}

const seconds = (ms: number): number => ms / 1000;

function getShape(d: ParameterDeps, p: ParameterVersion, decrypt: boolean, selector?: string): Params {
  return {
    Name: p.name,
    Type: p.type,
    Value: shownValue(d, p, decrypt),
    Version: p.version,
    ...(selector ? { Selector: selector } : {}),
    LastModifiedDate: seconds(p.modifiedAt),
    ARN: parameterArn(p, p.name),
    DataType: p.dataType,
  };
}

/** `name`, `name:3` or `name:label`. */
function resolve(d: ParameterDeps, scope: Scope, given: string): { p: ParameterVersion; selector: string | undefined } {
  const colon = given.lastIndexOf(':');
  const name = colon > 0 ? given.slice(0, colon) : given;
  const selector = colon > 0 ? given.slice(colon + 1) : undefined;
  checkName(name);
  if (selector === undefined) {
    const p = d.store.latest(scope, name);
    if (!p) throw notFound();
    return { p, selector: undefined };
  }
  if (/^\d+$/.test(selector)) {
    if (!d.store.latest(scope, name)) throw notFound();
    const p = d.store.version(scope, name, Number(selector));
    if (!p) throw new SsmError('ParameterVersionNotFound', `Systems Manager could not find version ${selector} of ${name}. Verify the version and try again.`);
    return { p, selector: `:${selector}` };
  }
  const p = d.store.history(scope, name).find((v) => v.labels.includes(selector));
  if (!p) throw notFound();
  return { p, selector: `:${selector}` };
}

function putParameter(d: ParameterDeps, scope: Scope, p: Params, user: string): Params {
  const name = str(p, 'Name', 'name', { required: true })!;
  checkName(name);
  const value = str(p, 'Value', 'value', { required: true })!;
  const typeGiven = str(p, 'Type', 'type');
  if (typeGiven !== undefined && !TYPES.includes(typeGiven as ParameterType)) {
    throw constraint(typeGiven, 'type', 'Member must satisfy enum value set: [SecureString, StringList, String]');
  }
  const tierGiven = str(p, 'Tier', 'tier');
  if (tierGiven !== undefined && !['Standard', 'Advanced', 'Intelligent-Tiering'].includes(tierGiven)) {
    throw constraint(tierGiven, 'tier', 'Member must satisfy enum value set: [Advanced, Intelligent-Tiering, Standard]');
  }
  const overwrite = bool(p, 'Overwrite');
  const tags = p['Tags'];
  if (tags !== undefined && overwrite) throw validation('Invalid request: tags and overwrite can\'t be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.');
  const current = d.store.latest(scope, name);
  if (current && !overwrite) throw new SsmError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
  const type = (typeGiven ?? current?.type) as ParameterType | undefined;
  if (!type) throw validation('A parameter type is required when you create a parameter.');
  const tier = tierGiven === 'Advanced' || current?.tier === 'Advanced' || (tierGiven === 'Intelligent-Tiering' && value.length > STANDARD_MAX) ? 'Advanced' : 'Standard';
  if (value.length < 1) throw constraint(value, 'value', 'Member must have length greater than or equal to 1');
  if (value.length > (tier === 'Advanced' ? ADVANCED_MAX : STANDARD_MAX)) {
    throw validation(
      tier === 'Advanced'
        ? `Advanced tier parameters support a maximum parameter value of ${ADVANCED_MAX} characters.`
        : `Standard tier parameters support a maximum parameter value of ${STANDARD_MAX} characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html`,
    );
  }
  const allowedPattern = str(p, 'AllowedPattern', 'allowedPattern', { max: 1024 }) ?? (typeGiven === undefined ? current?.allowedPattern : undefined);
  if (allowedPattern !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${allowedPattern})$`, 'u');
    } catch {
      throw validation(`Parameter value, cannot be validated against allowedPattern: ${allowedPattern}`);
    }
    if (!re.test(value)) throw new SsmError('ParameterPatternMismatchException', `Parameter value, cannot be validated against allowedPattern: ${allowedPattern}`);
  }
  const dataType = str(p, 'DataType', 'dataType') ?? current?.dataType ?? 'text';
  if (!['text', 'aws:ec2:image', 'aws:ssm:integration'].includes(dataType)) {
    throw validation(`The following data type is not supported: ${dataType} (Data type names are all lowercase.)`);
  }
  const version = (current?.version ?? 0) + 1;
  const record: ParameterVersion = {
    ...scope,
    name,
    version,
    type,
    value,
    description: str(p, 'Description', 'description', { max: 1024 }) ?? current?.description,
    dataType,
    tier,
    allowedPattern,
    keyId: type === 'SecureString' ? (str(p, 'KeyId', 'keyId') ?? 'alias/aws/ssm') : undefined,
    labels: [],
    modifiedAt: d.now(),
    modifiedUser: user,
  };
  if (type === 'SecureString') record.value = d.sealer.seal(value, aadOf(record));
  d.store.put(record, tags === undefined ? undefined : tagMap(tags));
  return { Version: version, Tier: tier };
}

function tagMap(v: unknown): Record<string, string> {
  if (!Array.isArray(v)) throw new SsmError('SerializationException', 'Unexpected value for Tags');
  const out: Record<string, string> = {};
  for (const t of v as { Key?: unknown; Value?: unknown }[]) {
    if (typeof t?.Key !== 'string' || typeof t.Value !== 'string') throw constraint(null, 'tags.member.key', 'Member must not be null');
    out[t.Key] = t.Value;
  }
  if (Object.keys(out).length > 50) throw validation('The number of tags exceeds the limit of 50.');
  return out;
}

const describeShape = (p: ParameterVersion): Params => ({
  Name: p.name,
  ARN: parameterArn(p, p.name),
  Type: p.type,
  ...(p.keyId ? { KeyId: p.keyId } : {}),
  LastModifiedDate: seconds(p.modifiedAt),
  LastModifiedUser: p.modifiedUser,
  ...(p.description !== undefined ? { Description: p.description } : {}),
  ...(p.allowedPattern !== undefined ? { AllowedPattern: p.allowedPattern } : {}),
  Version: p.version,
  Tier: p.tier,
  Policies: [],
  DataType: p.dataType,
});

/** ParameterFilters Name/Type/Path/Label/KeyId/Tier/DataType with Equals, BeginsWith, OneLevel, Recursive. */
function filterOf(v: unknown, forPath: boolean): (p: ParameterVersion) => boolean {
  if (v === undefined || v === null) return () => true;
  if (!Array.isArray(v)) throw new SsmError('SerializationException', 'Unexpected value for ParameterFilters');
  const tests = (v as { Key?: unknown; Option?: unknown; Values?: unknown }[]).map((f) => {
    const key = typeof f?.Key === 'string' ? f.Key : '';
    const option = typeof f.Option === 'string' ? f.Option : 'Equals';
    const values = Array.isArray(f.Values) ? f.Values.filter((x): x is string => typeof x === 'string') : [];
    const allowed = forPath ? ['Type', 'KeyId', 'Label', 'Tier', 'DataType'] : ['Name', 'Type', 'KeyId', 'Path', 'Tier', 'DataType', 'Label'];
    if (!allowed.includes(key) && !key.startsWith('tag:')) throw new SsmError('InvalidFilterKey', `The following filter key is not valid: ${key}. Valid filter keys include: [${allowed.join(', ')}].`);
    return (p: ParameterVersion): boolean => {
      const field = key === 'Name' ? p.name : key === 'Type' ? p.type : key === 'KeyId' ? (p.keyId ?? '') : key === 'Tier' ? p.tier : key === 'DataType' ? p.dataType : '';
      if (key === 'Label') return values.some((l) => p.labels.includes(l));
      if (key === 'Path') {
        return values.some((path) => {
          const prefix = path.endsWith('/') ? path : `${path}/`;
          if (!p.name.startsWith(prefix)) return false;
          return option === 'Recursive' || !p.name.slice(prefix.length).includes('/');
        });
      }
      if (key === 'Name' && option === 'BeginsWith') return values.some((x) => p.name.startsWith(x) || p.name.startsWith(`/${x}`));
      if (key === 'Name' && option === 'Contains') return values.some((x) => p.name.includes(x));
      return values.includes(field) || (key === 'Name' && values.some((x) => `/${x}` === p.name || x === `/${p.name}`));
    };
  });
  return (p) => tests.every((t) => t(p));
}

export function parameterOperations(d: ParameterDeps): Record<string, (scope: Scope, p: Params, user: string) => Params> {
  return {
    PutParameter: (scope, p, user) => putParameter(d, scope, p, user),
    GetParameter: (scope, p) => {
      const { p: v, selector } = resolve(d, scope, str(p, 'Name', 'name', { required: true })!);
      return { Parameter: getShape(d, v, bool(p, 'WithDecryption'), selector) };
    },
    GetParameters: (scope, p) => {
      const names = strings(p, 'Names', 'names', 10);
      const decrypt = bool(p, 'WithDecryption');
      const found: Params[] = [];
      const invalid: string[] = [];
      for (const n of [...new Set(names)]) {
        try {
          const { p: v, selector } = resolve(d, scope, n);
          found.push(getShape(d, v, decrypt, selector));
        } catch (e) {
          if (!(e instanceof SsmError) || !['ParameterNotFound', 'ParameterVersionNotFound', 'ValidationException'].includes(e.type)) throw e;
          invalid.push(n);
        }
      }
      return { Parameters: found, InvalidParameters: invalid };
    },
    GetParametersByPath: (scope, p) => {
      const path = str(p, 'Path', 'path', { required: true, max: 2048 })!;
      if (!path.startsWith('/')) throw validation('The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".');
      const recursive = bool(p, 'Recursive');
      const decrypt = bool(p, 'WithDecryption');
      const prefix = path.endsWith('/') ? path : `${path}/`;
      const keep = filterOf(p['ParameterFilters'], true);
      const under = d.store.all(scope).filter((v) => v.name.startsWith(prefix) && (recursive || !v.name.slice(prefix.length).includes('/')) && keep(v));
      const { items, next } = page(under, p, 10);
      return { Parameters: items.map((v) => getShape(d, v, decrypt)), ...(next ? { NextToken: next } : {}) };
    },
    GetParameterHistory: (scope, p) => {
      const name = str(p, 'Name', 'name', { required: true })!;
      checkName(name);
      const all = d.store.history(scope, name);
      if (all.length === 0) throw notFound();
      const decrypt = bool(p, 'WithDecryption');
      const { items, next } = page(all, p, 50);
      return {
        // History entries are DescribeParameters' without the ARN, with the value and labels.
        Parameters: items.map((v) => {
          const { ARN: _arn, ...shape } = describeShape(v);
          return { ...shape, Value: shownValue(d, v, decrypt), Labels: v.labels };
        }),
        ...(next ? { NextToken: next } : {}),
      };
    },
    DescribeParameters: (scope, p) => {
      const keep = filterOf(p['ParameterFilters'], false);
      const { items, next } = page(d.store.all(scope).filter(keep), p, 50);
      return { Parameters: items.map(describeShape), ...(next ? { NextToken: next } : {}) };
    },
    DeleteParameter: (scope, p) => {
      const name = str(p, 'Name', 'name', { required: true })!;
      checkName(name);
      if (!d.store.delete(scope, name)) throw notFound();
      return {};
    },
    DeleteParameters: (scope, p) => {
      const names = strings(p, 'Names', 'names', 10);
      const deleted: string[] = [];
      const invalid: string[] = [];
      for (const n of [...new Set(names)]) (NAME.test(n) && d.store.delete(scope, n) ? deleted : invalid).push(n);
      return { DeletedParameters: deleted, InvalidParameters: invalid };
    },
    LabelParameterVersion: (scope, p) => {
      const name = str(p, 'Name', 'name', { required: true })!;
      checkName(name);
      const labels = strings(p, 'Labels', 'labels', 10);
      const history = d.store.history(scope, name);
      if (history.length === 0) throw notFound();
      const v = p['ParameterVersion'];
      const target = typeof v === 'number' ? history.find((h) => h.version === v) : history.at(-1);
      if (!target) throw new SsmError('ParameterVersionNotFound', `Systems Manager could not find version ${String(v)} of ${name}. Verify the version and try again.`);
      const invalid = labels.filter((l) => !LABEL.test(l) || /^\d/.test(l) || /^(aws|ssm)/i.test(l));
      const good = labels.filter((l) => !invalid.includes(l));
      // A label names one version: moving it takes it off the version that had it.
      for (const h of history) {
        if (h.version !== target.version && h.labels.some((l) => good.includes(l))) d.store.setLabels(scope, name, h.version, h.labels.filter((l) => !good.includes(l)));
      }
      const merged = [...new Set([...target.labels, ...good])];
      if (merged.length > 10) throw new SsmError('ParameterVersionLabelLimitExceeded', 'A parameter version can have maximum 10 labels.');
      d.store.setLabels(scope, name, target.version, merged);
      return { InvalidLabels: invalid, ParameterVersion: target.version };
    },
    AddTagsToResource: (scope, p) => {
      const name = taggedParameter(d, scope, p);
      d.store.setTags(scope, name, { ...d.store.tags(scope, name), ...tagMap(p['Tags']) });
      return {};
    },
    RemoveTagsFromResource: (scope, p) => {
      const name = taggedParameter(d, scope, p);
      const keys = strings(p, 'TagKeys', 'tagKeys', 50);
      const tags = d.store.tags(scope, name);
      for (const k of keys) delete tags[k];
      d.store.setTags(scope, name, tags);
      return {};
    },
    ListTagsForResource: (scope, p) => {
      const name = taggedParameter(d, scope, p);
      return { TagList: Object.entries(d.store.tags(scope, name)).map(([Key, Value]) => ({ Key, Value })) };
    },
  };
}

/** The parameter a tag operation names (ResourceType Parameter only). */
function taggedParameter(d: ParameterDeps, scope: Scope, p: Params): string {
  const type = str(p, 'ResourceType', 'resourceType', { required: true })!;
  if (type !== 'Parameter') throw new SsmError('InvalidResourceType', 'The resource type is not valid. Nimbus keeps tags for parameters only.');
  const id = str(p, 'ResourceId', 'resourceId', { required: true })!;
  if (!d.store.latest(scope, id)) throw new SsmError('InvalidResourceId', 'The resource ID is not valid. Verify that you entered the correct ID and try again.');
  return id;
}
