/**
 * The registry's metadata in SQLite (`<data-dir>/registry.db`): repositories, manifests (their
 * exact bytes: a manifest's digest is the hash of those bytes) and tags.
 */
import Database from 'better-sqlite3';
import type { ManifestRecord, RegistryStore, RepoRef, RepositoryRecord } from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS repositories (account_id TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, created INTEGER NOT NULL, tag_mutability TEXT NOT NULL, PRIMARY KEY (account_id, region, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS manifests (account_id TEXT NOT NULL, region TEXT NOT NULL, repo TEXT NOT NULL, digest TEXT NOT NULL, media_type TEXT NOT NULL, body BLOB NOT NULL, pushed INTEGER NOT NULL, image_size INTEGER NOT NULL, PRIMARY KEY (account_id, region, repo, digest)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS repo_blobs (account_id TEXT NOT NULL, region TEXT NOT NULL, repo TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (account_id, region, repo, digest)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tags (account_id TEXT NOT NULL, region TEXT NOT NULL, repo TEXT NOT NULL, tag TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (account_id, region, repo, tag)) WITHOUT ROWID;
`;

interface RepoRow {
  account_id: string;
  region: string;
  name: string;
  created: number;
  tag_mutability: string;
}

interface ManifestRow {
  digest: string;
  media_type: string;
  body: Buffer;
  pushed: number;
  image_size: number;
}

const repoOf = (r: RepoRow): RepositoryRecord => ({ accountId: r.account_id, region: r.region, name: r.name, created: r.created, tagMutability: r.tag_mutability });
const manifestOf = (r: ManifestRow): ManifestRecord => ({ digest: r.digest, mediaType: r.media_type, body: r.body, pushed: r.pushed, imageSize: r.image_size });

export class SqliteRegistryStore implements RegistryStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
  }

  async createRepository(r: RepositoryRecord): Promise<'created' | RepositoryRecord> {
    return this.db.transaction(() => {
      const had = this.db.prepare('SELECT * FROM repositories WHERE account_id = ? AND region = ? AND name = ?').get(r.accountId, r.region, r.name) as RepoRow | undefined;
      if (had) return repoOf(had);
      this.db.prepare('INSERT INTO repositories VALUES (?, ?, ?, ?, ?)').run(r.accountId, r.region, r.name, r.created, r.tagMutability);
      return 'created' as const;
    })();
  }

  async getRepository(ref: RepoRef): Promise<RepositoryRecord | undefined> {
    const r = this.db.prepare('SELECT * FROM repositories WHERE account_id = ? AND region = ? AND name = ?').get(ref.accountId, ref.region, ref.name) as RepoRow | undefined;
    return r && repoOf(r);
  }

  async listRepositories(accountId: string, region: string): Promise<RepositoryRecord[]> {
    return (this.db.prepare('SELECT * FROM repositories WHERE account_id = ? AND region = ? ORDER BY name').all(accountId, region) as RepoRow[]).map(repoOf);
  }

  async deleteRepository(ref: RepoRef, force: boolean): Promise<boolean> {
    const k = [ref.accountId, ref.region, ref.name] as const;
    return this.db.transaction(() => {
      if (!force && this.db.prepare('SELECT 1 FROM manifests WHERE account_id = ? AND region = ? AND repo = ? LIMIT 1').get(...k)) return false;
      this.db.prepare('DELETE FROM tags WHERE account_id = ? AND region = ? AND repo = ?').run(...k);
      this.db.prepare('DELETE FROM manifests WHERE account_id = ? AND region = ? AND repo = ?').run(...k);
      this.db.prepare('DELETE FROM repo_blobs WHERE account_id = ? AND region = ? AND repo = ?').run(...k);
      this.db.prepare('DELETE FROM repositories WHERE account_id = ? AND region = ? AND name = ?').run(...k);
      return true;
    })();
  }

  async putManifest(ref: RepoRef, m: ManifestRecord, tag: string | undefined): Promise<void> {
    const k = [ref.accountId, ref.region, ref.name] as const;
    this.db.transaction(() => {
      this.db
        .prepare('INSERT OR IGNORE INTO manifests VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(...k, m.digest, m.mediaType, m.body, m.pushed, m.imageSize);
      if (tag !== undefined) this.db.prepare('INSERT OR REPLACE INTO tags VALUES (?, ?, ?, ?, ?)').run(...k, tag, m.digest);
    })();
  }

  async getManifest(ref: RepoRef, digest: string): Promise<ManifestRecord | undefined> {
    const r = this.db
      .prepare('SELECT digest, media_type, body, pushed, image_size FROM manifests WHERE account_id = ? AND region = ? AND repo = ? AND digest = ?')
      .get(ref.accountId, ref.region, ref.name, digest) as ManifestRow | undefined;
    return r && manifestOf(r);
  }

  async resolveTag(ref: RepoRef, tag: string): Promise<string | undefined> {
    const r = this.db.prepare('SELECT digest FROM tags WHERE account_id = ? AND region = ? AND repo = ? AND tag = ?').get(ref.accountId, ref.region, ref.name, tag) as
      | { digest: string }
      | undefined;
    return r?.digest;
  }

  async listImages(ref: RepoRef): Promise<{ digest: string; mediaType: string; pushed: number; imageSize: number; tags: string[] }[]> {
    const k = [ref.accountId, ref.region, ref.name] as const;
    const rows = this.db
      .prepare('SELECT digest, media_type, pushed, image_size FROM manifests WHERE account_id = ? AND region = ? AND repo = ? ORDER BY pushed, digest')
      .all(...k) as Omit<ManifestRow, 'body'>[];
    const tags = this.db.prepare('SELECT tag, digest FROM tags WHERE account_id = ? AND region = ? AND repo = ? ORDER BY tag').all(...k) as { tag: string; digest: string }[];
    return rows.map((r) => ({ digest: r.digest, mediaType: r.media_type, pushed: r.pushed, imageSize: r.image_size, tags: tags.filter((t) => t.digest === r.digest).map((t) => t.tag) }));
  }

  async deleteTag(ref: RepoRef, tag: string): Promise<string | undefined> {
    const k = [ref.accountId, ref.region, ref.name] as const;
    return this.db.transaction(() => {
      const r = this.db.prepare('SELECT digest FROM tags WHERE account_id = ? AND region = ? AND repo = ? AND tag = ?').get(...k, tag) as { digest: string } | undefined;
      if (r) this.db.prepare('DELETE FROM tags WHERE account_id = ? AND region = ? AND repo = ? AND tag = ?').run(...k, tag);
      return r?.digest;
    })();
  }

  async linkBlob(ref: RepoRef, digest: string): Promise<void> {
    this.db.prepare('INSERT OR IGNORE INTO repo_blobs VALUES (?, ?, ?, ?)').run(ref.accountId, ref.region, ref.name, digest);
  }

  async hasBlob(ref: RepoRef, digest: string): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM repo_blobs WHERE account_id = ? AND region = ? AND repo = ? AND digest = ?').get(ref.accountId, ref.region, ref.name, digest) !== undefined;
  }

  async deleteManifest(ref: RepoRef, digest: string): Promise<boolean> {
    const k = [ref.accountId, ref.region, ref.name] as const;
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM tags WHERE account_id = ? AND region = ? AND repo = ? AND digest = ?').run(...k, digest);
      return this.db.prepare('DELETE FROM manifests WHERE account_id = ? AND region = ? AND repo = ? AND digest = ?').run(...k, digest).changes > 0;
    })();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
