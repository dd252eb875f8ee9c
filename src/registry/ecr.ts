/**
 * A subset of ECR's API (JSON 1.1, `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Op>`)
 * over the registry: repositories, image listings and deletions, and GetAuthorizationToken, whose
 * password the registry's `/v2/` front end accepts. Enough for `aws ecr create-repository`,
 * `aws ecr get-login-password | docker login`, SAM's image repositories and the SDK's ECR client.
 */
import { randomUUID } from 'node:crypto';
import { isDigest } from './digest.js';
import { REPO_NAME, type RegistryService } from './service.js';
import type { RegistryTokens } from './tokens.js';
import type { RepoRef, RepositoryRecord } from './types.js';

export const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';

export interface EcrCall {
  operation: string;
  body: Buffer;
  accountId: string;
  region: string;
  /** `http://<host the client used>`: the proxy endpoint a client logs in to. */
  baseUrl: string;
  /** The access key that asked (absent: local mode, or a function's credentials). */
  accessKeyId?: string;
}

export interface EcrResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

class EcrError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export function ecrErrorResponse(status: number, type: string, message: string): EcrResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-ErrorType': type, 'x-amzn-RequestId': randomUUID() },
    body: Buffer.from(JSON.stringify({ __type: type, message })),
  };
}

/** The registry host ECR names for an account and region. */
export const ecrHost = (accountId: string, region: string): string => `${accountId}.dkr.ecr.${region}.amazonaws.com`;

export function repositoryShape(r: RepositoryRecord): Record<string, unknown> {
  return {
    repositoryArn: `arn:aws:ecr:${r.region}:${r.accountId}:repository/${r.name}`,
    registryId: r.accountId,
    repositoryName: r.name,
    repositoryUri: `${ecrHost(r.accountId, r.region)}/${r.name}`,
    createdAt: r.created / 1000,
    imageTagMutability: r.tagMutability,
    imageScanningConfiguration: { scanOnPush: false },
    encryptionConfiguration: { encryptionType: 'AES256' },
  };
}

function obj(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new EcrError('SerializationException', 'Could not parse the request body as JSON');
}

function repoName(b: Record<string, unknown>): string {
  const n = b['repositoryName'];
  if (typeof n !== 'string' || n.length < 2 || n.length > 256 || !REPO_NAME.test(n)) {
    throw new EcrError(
      'InvalidParameterException',
      `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''`,
    );
  }
  return n;
}

interface ImageId {
  imageDigest?: string;
  imageTag?: string;
}

function imageIds(b: Record<string, unknown>): ImageId[] {
  const ids = b['imageIds'];
  if (!Array.isArray(ids)) throw new EcrError('InvalidParameterException', "Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must not be null'");
  return ids.map((x) => {
    const o = (typeof x === 'object' && x !== null ? x : {}) as Record<string, unknown>;
    return {
      ...(typeof o['imageDigest'] === 'string' ? { imageDigest: o['imageDigest'] } : {}),
      ...(typeof o['imageTag'] === 'string' ? { imageTag: o['imageTag'] } : {}),
    };
  });
}

export class EcrApi {
  constructor(
    private readonly registry: RegistryService,
    private readonly tokens: RegistryTokens,
    private readonly now: () => number = Date.now,
  ) {}

  async handle(c: EcrCall): Promise<EcrResponse> {
    try {
      const out = await this.dispatch(c);
      return { status: 200, headers: { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': randomUUID() }, body: Buffer.from(JSON.stringify(out)) };
    } catch (e) {
      if (e instanceof EcrError) return ecrErrorResponse(e.status, e.type, e.message);
      throw e;
    }
  }

  private async repo(c: EcrCall, name: string): Promise<RepositoryRecord> {
    const r = await this.registry.store.getRepository({ accountId: c.accountId, region: c.region, name });
    if (!r) throw new EcrError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${c.accountId}'`);
    return r;
  }

  private async dispatch(c: EcrCall): Promise<unknown> {
    const b = obj(c.body);
    const store = this.registry.store;
    switch (c.operation) {
      case 'GetAuthorizationToken': {
        const t = this.tokens.issue(c.accountId, c.region, this.now(), c.accessKeyId);
        return {
          authorizationData: [{ authorizationToken: Buffer.from(`AWS:${t.password}`).toString('base64'), expiresAt: t.expiresAt / 1000, proxyEndpoint: c.baseUrl }],
        };
      }
      case 'CreateRepository': {
        const name = repoName(b);
        const mut = b['imageTagMutability'] ?? 'MUTABLE';
        if (mut !== 'MUTABLE' && mut !== 'IMMUTABLE') throw new EcrError('InvalidParameterException', "Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [MUTABLE, IMMUTABLE]'");
        const rec: RepositoryRecord = { accountId: c.accountId, region: c.region, name, created: this.now(), tagMutability: mut };
        if ((await store.createRepository(rec)) !== 'created') {
          throw new EcrError('RepositoryAlreadyExistsException', `The repository with name '${name}' already exists in the registry with id '${c.accountId}'`);
        }
        return { repository: repositoryShape(rec) };
      }
      case 'DescribeRepositories': {
        const names = b['repositoryNames'];
        if (Array.isArray(names)) {
          const out = [];
          for (const n of names) out.push(repositoryShape(await this.repo(c, String(n))));
          return { repositories: out };
        }
        return { repositories: (await store.listRepositories(c.accountId, c.region)).map(repositoryShape) };
      }
      case 'DeleteRepository': {
        const r = await this.repo(c, repoName(b));
        if (!(await store.deleteRepository(r, b['force'] === true))) {
          throw new EcrError('RepositoryNotEmptyException', `The repository with name '${r.name}' in registry with id '${c.accountId}' cannot be deleted because it still contains images`);
        }
        return { repository: repositoryShape(r) };
      }
      case 'ListImages': {
        const r = await this.repo(c, repoName(b));
        const ids: ImageId[] = [];
        for (const i of await store.listImages(r)) {
          if (i.tags.length === 0) ids.push({ imageDigest: i.digest });
          for (const t of i.tags) ids.push({ imageDigest: i.digest, imageTag: t });
        }
        return { imageIds: ids };
      }
      case 'DescribeImages': {
        const r = await this.repo(c, repoName(b));
        const all = await store.listImages(r);
        const wanted = Array.isArray(b['imageIds']) ? imageIds(b) : undefined;
        const picked = wanted ? all.filter((i) => wanted.some((w) => (w.imageDigest ? w.imageDigest === i.digest : true) && (w.imageTag ? i.tags.includes(w.imageTag) : true))) : all;
        if (wanted && picked.length === 0) {
          const w = wanted[0];
          throw new EcrError('ImageNotFoundException', `The image with imageId {imageDigest:'${w?.imageDigest ?? 'null'}', imageTag:'${w?.imageTag ?? 'null'}'} does not exist within the repository with name '${r.name}' in the registry with id '${c.accountId}'`);
        }
        return {
          imageDetails: picked.map((i) => ({
            registryId: c.accountId,
            repositoryName: r.name,
            imageDigest: i.digest,
            ...(i.tags.length ? { imageTags: i.tags } : {}),
            imageSizeInBytes: i.imageSize,
            imagePushedAt: i.pushed / 1000,
            imageManifestMediaType: i.mediaType,
          })),
        };
      }
      case 'BatchGetImage': {
        const r = await this.repo(c, repoName(b));
        const images = [];
        const failures = [];
        for (const id of imageIds(b)) {
          const found = await this.find(r, id);
          if ('failureCode' in found) failures.push({ imageId: id, ...found });
          else images.push({ registryId: c.accountId, repositoryName: r.name, imageId: { imageDigest: found.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) }, imageManifest: found.body.toString('utf8'), imageManifestMediaType: found.mediaType });
        }
        return { images, failures };
      }
      case 'BatchDeleteImage': {
        const r = await this.repo(c, repoName(b));
        const deleted = [];
        const failures = [];
        for (const id of imageIds(b)) {
          const found = await this.find(r, id);
          if ('failureCode' in found) {
            failures.push({ imageId: id, ...found });
            continue;
          }
          if (id.imageTag && !id.imageDigest) await store.deleteTag(r, id.imageTag);
          else await store.deleteManifest(r, found.digest);
          deleted.push({ imageDigest: found.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) });
        }
        return { imageIds: deleted, failures };
      }
      default:
        throw new EcrError('UnknownOperationException', `Nimbus's ECR does not support ${c.operation}`);
    }
  }

  private async find(r: RepoRef, id: ImageId): Promise<{ digest: string; body: Buffer; mediaType: string } | { failureCode: string; failureReason: string }> {
    if (id.imageDigest !== undefined && !isDigest(id.imageDigest)) return { failureCode: 'InvalidImageDigest', failureReason: 'Invalid image digest' };
    const byTag = id.imageTag !== undefined ? await this.registry.store.resolveTag(r, id.imageTag) : undefined;
    if (id.imageTag !== undefined && id.imageDigest !== undefined && byTag !== id.imageDigest) return { failureCode: 'ImageTagDoesNotMatchDigest', failureReason: 'Requested image tag does not match digest' };
    const digest = id.imageDigest ?? byTag;
    const m = digest && (await this.registry.store.getManifest(r, digest));
    if (!m) return { failureCode: id.imageTag ? 'ImageNotFound' : 'ImageNotFound', failureReason: 'Requested image not found' };
    return { digest: m.digest, body: m.body, mediaType: m.mediaType };
  }
}
