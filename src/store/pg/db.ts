/**
 * The PostgreSQL store's connection: one pool, its schema in place before the first query, and a
 * transaction helper. Every part of the store (aliases.ts, layers.ts, ...) queries through one
 * `PgDb`, so that a cluster node holds one pool for its whole store.
 */
import pg from 'pg';
import { migrate } from '../../pg/migrate.js';
import { createPool, transaction } from '../../pg/pool.js';
import { STORE_MIGRATIONS } from './schema.js';

/** Something a query can run on: the pool, or a transaction's connection. */
export type Queryable = Pick<pg.PoolClient, 'query'>;

/** BIGINT columns hold epoch ms, sizes and ids, all below 2^53: read them as numbers. */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (v: string): number => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export class PgDb {
  readonly pool: pg.Pool;
  /** Migrations run once, before the first query (the constructor cannot wait). */
  private readonly ready: Promise<void>;

  constructor(
    readonly url: string,
    readonly schema: string,
    poolSize: number,
    /** Commits on this pool skip the WAL flush (crash-safe, the last commits may be lost): for observability data only. */
    opts: { unflushed?: boolean; migrated?: Promise<void> } = {},
  ) {
    // A schema is required here: the store's tables never go to the server's default path.
    if (!schema) throw new Error(`invalid schema name: ${schema}`);
    this.pool = createPool({ url, max: poolSize, schema, unflushed: opts.unflushed ?? false, types });
    this.ready = opts.migrated ?? migrate(this.pool, 'store', STORE_MIGRATIONS, schema).then(() => undefined);
    // Awaited by every query; a failure here is reported there.
    this.ready.catch(() => undefined);
  }

  async open(): Promise<void> {
    await this.ready;
  }

  /** A second pool on the same database and schema (already migrated by this one). */
  sibling(poolSize: number, opts: { unflushed?: boolean }): PgDb {
    return new PgDb(this.url, this.schema, poolSize, { ...opts, migrated: this.ready });
  }

  async q<R extends pg.QueryResultRow>(sql: string, args: unknown[] = []): Promise<pg.QueryResult<R>> {
    await this.ready;
    return this.pool.query<R>(sql, args);
  }

  /** The rows of a query. */
  async rows<R extends pg.QueryResultRow>(sql: string, args: unknown[] = []): Promise<R[]> {
    return (await this.q<R>(sql, args)).rows;
  }

  /** The first row of a query, if any. */
  async one<R extends pg.QueryResultRow>(sql: string, args: unknown[] = []): Promise<R | undefined> {
    return (await this.q<R>(sql, args)).rows[0];
  }

  /** How many rows a statement changed. */
  async run(sql: string, args: unknown[] = []): Promise<number> {
    return (await this.q(sql, args)).rowCount ?? 0;
  }

  /** Runs `f` in one transaction on one connection (READ COMMITTED: row locks order the writers). */
  async tx<T>(f: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.ready;
    return transaction(this.pool, f);
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ready.catch(() => undefined);
    await this.pool.end();
  }
}
