/**
 * Tags (TagResource, UntagResource, ListTags, CreateFunction's and CreateCodeSigningConfig's
 * `Tags`, GetFunction's `Tags`) on the resources Lambda tags: functions (never a version or
 * alias), code signing configs, and, once they exist, event-source mappings and capacity
 * providers. Tagging a function moves its RevisionId, as on AWS. Messages are AWS's (LS-SNAP
 * `TestLambdaTag`, `TestLambdaTags`).
 */
import { randomUUID } from 'node:crypto';
import { invalidParameter, notFound, validationError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import type { Store } from '../../store/types.js';
import type { FunctionTags } from '../functions/extensions.js';
import { isObject } from '../http/validate.js';

/** Lambda's limit of tags per resource. */
export const MAX_TAGS = 50;

/** MODEL `TaggableResource`, as the message prints it. */
const TAGGABLE =
  /^arn:(aws[a-zA-Z-]*):lambda:([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}):(\d{12}):(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)$/;

/** A kind of resource whose tags another area keeps (event-source mappings, when they exist). */
export interface TaggableKind {
  /** The resource's tags, or undefined when it does not exist. */
  get(scope: Scope, id: string): Promise<Record<string, string> | undefined>;
  put(scope: Scope, id: string, tags: Record<string, string>): Promise<void>;
}

/** What AWS says when a resource of each kind is missing. */
const MISSING: Record<string, string> = {
  function: 'Function not found',
  'event-source-mapping': 'Event source mapping not found',
  'capacity-provider': 'Capacity provider not found',
  'code-signing-config': 'Code signing config not found',
};

export class TagService implements FunctionTags {
  private readonly kinds: Record<string, TaggableKind>;

  constructor(
    private readonly store: Store,
    /** Kinds kept elsewhere, by ARN resource type (`event-source-mapping`). */
    others: Record<string, TaggableKind> = {},
  ) {
    this.kinds = { ...others, function: this.functions(), 'code-signing-config': this.codeSigningConfigs() };
  }

  /** CreateFunction's (and CreateCodeSigningConfig's) `Tags`: a map of strings, at most 50. */
  check(raw: unknown): Record<string, string> | undefined {
    if (raw === undefined || raw === null) return undefined;
    const tags = tagMap(raw);
    if (Object.keys(tags).length > MAX_TAGS) throw invalidParameter('Number of tags exceeds resource tag limit.');
    return tags;
  }

  async put(scope: Scope, functionName: string, tags: Record<string, string>): Promise<void> {
    if (Object.keys(tags).length > 0) await this.store.settings.put(scope, functionName, '', 'tags', tags);
  }

  /** GetFunction's `Tags`: undefined when the function has none (AWS then omits the member). */
  async forFunction(scope: Scope, functionName: string): Promise<Record<string, string> | undefined> {
    const tags = (await this.store.settings.get(scope, functionName, '', 'tags')) as Record<string, string> | undefined;
    return tags && Object.keys(tags).length > 0 ? tags : undefined;
  }

  async tag(scope: Scope, arn: string, body: unknown): Promise<void> {
    const raw = isObject(body) ? body['Tags'] : undefined;
    if (raw === undefined || raw === null || (isObject(raw) && Object.keys(raw).length === 0)) {
      throw invalidParameter('An error occurred and the request cannot be processed.');
    }
    const { kind, id } = this.resolve(scope, arn);
    const merged = { ...await this.current(kind, scope, id, arn), ...tagMap(raw) };
    if (Object.keys(merged).length > MAX_TAGS) throw invalidParameter('Number of tags exceeds resource tag limit.');
    await kind.put(scope, id, merged);
  }

  async untag(scope: Scope, arn: string, keys: string[]): Promise<void> {
    const { kind, id } = this.resolve(scope, arn);
    if (keys.length === 0) throw validationError(null, 'tagKeys', 'Member must not be null');
    const tags = await this.current(kind, scope, id, arn);
    for (const k of keys) delete tags[k];
    await kind.put(scope, id, tags);
  }

  list(scope: Scope, arn: string): Promise<Record<string, string>> {
    const { kind, id } = this.resolve(scope, arn);
    return this.current(kind, scope, id, arn);
  }

  private async current(kind: TaggableKind, scope: Scope, id: string, arn: string): Promise<Record<string, string>> {
    const tags = await kind.get(scope, id);
    if (!tags) throw notFound(`${MISSING[arnType(arn)] ?? 'Resource not found'}: ${arn}`);
    return { ...tags };
  }

  private resolve(scope: Scope, arn: string): { kind: TaggableKind; id: string } {
    // Groups: 2 the region, 7 the account, 8 the resource (`function:name[:qualifier]`, ...).
    const m = TAGGABLE.exec(arn);
    if (!m) throw validationError(arn, 'resource', `Member must satisfy regular expression pattern: ${TAGGABLE.source.slice(1, -1)}`);
    const resource = m[8]!;
    const type = arnType(arn);
    const [, id = '', qualifier] = resource.split(':');
    // The qualifier is refused before the function is looked up (LS-SNAP `test_tag_exceptions`).
    if (qualifier !== undefined) throw invalidParameter('Tags on function aliases and versions are not supported. Please specify a function ARN.');
    const kind = this.kinds[type];
    // Another account's or region's resources are not this endpoint's; a kind Nimbus lacks has none.
    if (!kind || m[2] !== scope.region || m[7] !== scope.accountId) throw notFound(`${MISSING[type] ?? 'Resource not found'}: ${arn}`);
    return { kind, id };
  }

  private functions(): TaggableKind {
    return {
      get: async (scope, name) => (await this.store.getVersion(scope, name, '$LATEST') ? (((await this.store.settings.get(scope, name, '', 'tags')) as Record<string, string> | undefined) ?? {}) : undefined),
      put: async (scope, name, tags) => {
        if (Object.keys(tags).length > 0) await this.store.settings.put(scope, name, '', 'tags', tags);
        else await this.store.settings.delete(scope, name, '', 'tags');
        // AWS gives $LATEST a new RevisionId when its tags change (LS `tag_resource`).
        const latest = await this.store.getVersion(scope, name, '$LATEST');
        if (latest) await this.store.putVersion({ ...latest, revisionId: randomUUID() });
      },
    };
  }

  private codeSigningConfigs(): TaggableKind {
    return {
      get: async (scope, id) => (await this.store.codeSigning.get(scope, id))?.tags,
      put: async (scope, id, tags) => {
        const c = await this.store.codeSigning.get(scope, id);
        if (c) await this.store.codeSigning.put({ ...c, tags });
      },
    };
  }
}

/** The resource type of a taggable ARN: `function`, `code-signing-config`, ... */
function arnType(arn: string): string {
  return arn.split(':')[5] ?? '';
}

function tagMap(raw: unknown): Record<string, string> {
  if (!isObject(raw)) throw validationError(raw, 'tags', 'Member must be a map');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw validationError(v, `tags.${k}`, 'Member must be a string');
    out[k] = v;
  }
  return out;
}
