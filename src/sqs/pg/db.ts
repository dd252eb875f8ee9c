/**
 * The connection pool of the PostgreSQL SQS engine, migrated before the first query, and the
 * helpers every part uses: one-statement queries (autocommit) and short transactions.
 */
import pg from 'pg';
import { migrate } from '../../pg/migrate.js';
import { SQS_MIGRATIONS } from './schema.js';

/** Schema names go into SQL text (search_path): only plain identifiers. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface SqsPgOptions {
  /** postgres://user@host:port/db */
  url: string;
  /** A PostgreSQL schema for the tables (tests use one per case); created if missing. */
  schema?: string;
  poolSize?: number;
}

export class SqsPg {
  readonly pool: pg.Pool;
  /**
   * Delivery bookkeeping (receives, deletes, visibility changes) commits without waiting for the
   * WAL flush (synchronous_commit off), as the SQLite engine's `lazy` connection does: losing
   * one to a crash of PostgreSQL's host only delivers a message again, which SQS allows.
   */
  readonly lazy: pg.Pool;
  readonly url: string;
  readonly schema: string | undefined;
  private readonly ready: Promise<void>;

  constructor(opts: SqsPgOptions) {
    if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) throw new Error(`invalid schema name: ${opts.schema}`);
    this.url = opts.url;
    this.schema = opts.schema;
    const path = opts.schema ? ` -c search_path=${opts.schema}` : '';
    this.pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 4, ...(path ? { options: path.trim() } : {}) });
    this.lazy = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 4, options: `-c synchronous_commit=off${path}` });
    // An idle connection that breaks (the server restarted) must not crash the process.
    this.pool.on('error', () => undefined);
    this.lazy.on('error', () => undefined);
    this.ready = migrate(this.pool, 'sqs', SQS_MIGRATIONS, opts.schema).then(() => undefined);
    this.ready.catch(() => undefined);
  }

  /** Resolves once the tables are in place (or rejects with why they are not). */
  async open(): Promise<void> {
    await this.ready;
  }

  async q<R extends pg.QueryResultRow>(sql: string, args: unknown[] = []): Promise<pg.QueryResult<R>> {
    await this.ready;
    return this.pool.query<R>(sql, args);
  }

  /** One statement of delivery bookkeeping (see `lazy`). */
  async lq<R extends pg.QueryResultRow>(sql: string, args: unknown[] = []): Promise<pg.QueryResult<R>> {
    await this.ready;
    return this.lazy.query<R>(sql, args);
  }

  /** Runs `f` in one transaction on one connection (`lazy`: delivery bookkeeping). */
  async tx<T>(f: (c: pg.PoolClient) => Promise<T>, lazy = false): Promise<T> {
    await this.ready;
    const c = await (lazy ? this.lazy : this.pool).connect();
    try {
      await c.query('BEGIN');
      const out = await f(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await Promise.all([this.pool.end(), this.lazy.end()]);
  }
}

/** int8 columns arrive as strings. */
export const num = (v: string | number): number => Number(v);
export const optNum = (v: string | number | null): number | null => (v === null ? null : Number(v));
