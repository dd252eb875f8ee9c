/**
 * The connection pool of the PostgreSQL SQS engine, migrated before the first query, and the
 * helpers every part uses: one-statement queries (autocommit) and short transactions.
 */
import pg from 'pg';
import { migrate } from '../../pg/migrate.js';
import { createPool, transaction } from '../../pg/pool.js';
import { SQS_MIGRATIONS } from './schema.js';

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
    this.url = opts.url;
    this.schema = opts.schema;
    this.pool = createPool({ url: opts.url, max: opts.poolSize ?? 4, schema: opts.schema });
    this.lazy = createPool({ url: opts.url, max: opts.poolSize ?? 4, schema: opts.schema, unflushed: true });
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
    return transaction((lazy ? this.lazy : this.pool), f);
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await Promise.all([this.pool.end(), this.lazy.end()]);
  }
}

/** int8 columns arrive as strings. */
export const num = (v: string | number): number => Number(v);
export const optNum = (v: string | number | null): number | null => (v === null ? null : Number(v));
