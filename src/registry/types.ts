/** The registry's records (src/registry): repositories, manifests and tags, per account and region as in ECR. */

export interface RepoRef {
  accountId: string;
  region: string;
  name: string;
}

export interface RepositoryRecord extends RepoRef {
  /** Epoch ms. */
  created: number;
  /** ECR's `imageTagMutability`: `MUTABLE` (default) or `IMMUTABLE`. */
  tagMutability: string;
}

export interface ManifestRecord {
  digest: string;
  mediaType: string;
  body: Buffer;
  /** Epoch ms of the push. */
  pushed: number;
  /** The sum of the blobs it names (ECR's imageSizeInBytes). */
  imageSize: number;
}

/** The registry's metadata (manifests, tags, repositories); blobs are files (blobs.ts). Promise-returning throughout. */
export interface RegistryStore {
  createRepository(r: RepositoryRecord): Promise<'created' | RepositoryRecord>;
  getRepository(ref: RepoRef): Promise<RepositoryRecord | undefined>;
  listRepositories(accountId: string, region: string): Promise<RepositoryRecord[]>;
  /** Deletes the repository with its manifests and tags; false when it has images and `force` is not set. */
  deleteRepository(ref: RepoRef, force: boolean): Promise<boolean>;
  putManifest(ref: RepoRef, m: ManifestRecord, tag: string | undefined): Promise<void>;
  getManifest(ref: RepoRef, digest: string): Promise<ManifestRecord | undefined>;
  /** The digest a tag points to. */
  resolveTag(ref: RepoRef, tag: string): Promise<string | undefined>;
  /** Every manifest with its tags, in push order. */
  listImages(ref: RepoRef): Promise<{ digest: string; mediaType: string; pushed: number; imageSize: number; tags: string[] }[]>;
  /** Removes a tag; the manifest stays. */
  deleteTag(ref: RepoRef, tag: string): Promise<string | undefined>;
  /** Records that a repository holds a blob (uploaded or mounted into it): only then may it be read there. */
  linkBlob(ref: RepoRef, digest: string): Promise<void>;
  hasBlob(ref: RepoRef, digest: string): Promise<boolean>;
  /** Removes a manifest and every tag on it; whether it was there. */
  deleteManifest(ref: RepoRef, digest: string): Promise<boolean>;
  close(): Promise<void>;
}
