/**
 * Packages in PostgreSQL for cluster mode: content-addressed (the SHA-256 is the key, so identical
 * packages are stored once, whichever node received them) and chunked (CHUNK_BYTES per row). The
 * chunks and then the `code_blobs` row are written in one transaction: a package is visible whole
 * or not at all. A reader checks the size and the SHA-256 of what it reassembled before using it.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../pg/migrate.js';
import type { BlobSource } from './blob-source.js';
import { CODE_MIGRATIONS } from './pg-blob-schema.js';

/** 1 MiB: a row PostgreSQL and the driver handle without strain (scale-out.md §5.4). */
export const CHUNK_BYTES = 1 << 20;

const HASH = /^[0-9a-f]{64}$/;

export interface PgBlobSourceOptions {
  /** postgres://user@host:port/db */
  url: string;
  /** A PostgreSQL schema for the tables (tests use one per case); created if missing. */
  schema?: string;
  poolSize?: number;
  now?: () => number;
}

export class PgBlobSource implements BlobSource {
  private readonly pool: pg.Pool;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly o: PgBlobSourceOptions,
  ) {
    const schema = o.schema;
    this.pool = new pg.Pool({
      connectionString: o.url,
      max: o.poolSize ?? 4,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // An idle connection that drops (PostgreSQL restarted) must not crash the node; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  /** Connects and applies the migrations this database lacks. */
  static async open(o: PgBlobSourceOptions): Promise<PgBlobSource> {
    if (o.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(o.schema)) throw new Error(`bad schema name ${o.schema}`);
    const s = new PgBlobSource(o);
    try {
      await migrate(s.pool, 'code', CODE_MIGRATIONS, o.schema);
    } catch (e) {
      await s.pool.end();
      throw e;
    }
    return s;
  }

  async put(sha256Hex: string, zip: Buffer): Promise<void> {
    if (!HASH.test(sha256Hex)) throw new Error(`not a SHA-256: ${sha256Hex}`);
    if ((await this.pool.query('SELECT 1 FROM code_blobs WHERE sha256 = $1', [sha256Hex])).rowCount) return;
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      try {
        const chunks = Math.max(1, Math.ceil(zip.length / CHUNK_BYTES));
        // Two nodes storing the same package at once: the second waits on the first's rows, then skips them.
        for (let i = 0; i < chunks; i++) {
          await c.query('INSERT INTO code_chunks (sha256, idx, bytes) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
            sha256Hex,
            i,
            zip.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES),
          ]);
        }
        await c.query('INSERT INTO code_blobs (sha256, size, chunks, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
          sha256Hex,
          zip.length,
          chunks,
          (this.o.now ?? Date.now)(),
        ]);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK');
        throw e;
      }
    } finally {
      c.release();
    }
  }

  async get(sha256Hex: string): Promise<Buffer | undefined> {
    if (!HASH.test(sha256Hex)) return undefined;
    const c = await this.pool.connect();
    try {
      // One snapshot: a package deleted meanwhile reads whole or not at all.
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const head = await c.query<{ size: string; chunks: number }>('SELECT size, chunks FROM code_blobs WHERE sha256 = $1', [sha256Hex]);
        const row = head.rows[0];
        if (!row) return undefined;
        const parts: Buffer[] = [];
        // One chunk per query: no result holds more than CHUNK_BYTES.
        for (let i = 0; i < row.chunks; i++) {
          const r = await c.query<{ bytes: Buffer }>('SELECT bytes FROM code_chunks WHERE sha256 = $1 AND idx = $2', [sha256Hex, i]);
          const part = r.rows[0];
          if (!part) throw new Error(`package ${sha256Hex} is missing chunk ${i} of ${row.chunks} in PostgreSQL`);
          parts.push(part.bytes);
        }
        const zip = Buffer.concat(parts);
        if (zip.length !== Number(row.size)) throw new Error(`package ${sha256Hex} read from PostgreSQL has ${zip.length} bytes, not ${row.size}`);
        const actual = createHash('sha256').update(zip).digest('hex');
        if (actual !== sha256Hex) throw new Error(`package ${sha256Hex} read from PostgreSQL hashes to ${actual}`);
        return zip;
      } finally {
        await c.query('COMMIT');
      }
    } finally {
      c.release();
    }
  }

  async remove(sha256Hex: string): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      try {
        // The marker first: from here on no reader sees a partly deleted package as whole.
        await c.query('DELETE FROM code_blobs WHERE sha256 = $1', [sha256Hex]);
        await c.query('DELETE FROM code_chunks WHERE sha256 = $1', [sha256Hex]);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK');
        throw e;
      }
    } finally {
      c.release();
    }
  }

  close(): Promise<void> {
    return (this.closing ??= this.pool.end());
  }
}
