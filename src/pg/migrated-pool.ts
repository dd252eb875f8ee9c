/**
 * A pool whose component's migrations are applied before the first query: what the small
 * PostgreSQL-backed service stores (SNS, EventBridge) each wrote out in full, kept once here.
 */
import type pg from 'pg';
import { migrate, type Migration } from './migrate.js';
import { createPool, transaction } from './pool.js';

export interface MigratedPoolOptions {
  /** postgres://user@host:port/db */
  url: string;
  /** A PostgreSQL schema for the tables (tests use one per case); created if missing. */
  schema?: string;
  poolSize?: number;
}

export class MigratedPool {
  readonly pool: pg.Pool;
  /** Migrations run once, before the first query (a constructor cannot wait). */
  private readonly ready: Promise<void>;

  private constructor(opts: MigratedPoolOptions, component: string, migrations: readonly Migration[], defaultSize: number) {
    this.pool = createPool({ url: opts.url, max: opts.poolSize ?? defaultSize, schema: opts.schema });
    this.ready = migrate(this.pool, component, migrations, opts.schema).then(() => undefined);
    this.ready.catch(() => undefined);
  }

  /** Opens the pool and applies `component`'s migrations; closes the pool again if they fail. */
  static async open(opts: MigratedPoolOptions, component: string, migrations: readonly Migration[], defaultSize = 2): Promise<MigratedPool> {
    const p = new MigratedPool(opts, component, migrations, defaultSize);
    try {
      await p.ready;
    } catch (e) {
      await p.close();
      throw e;
    }
    return p;
  }

  async q<R extends pg.QueryResultRow>(sql: string, args: unknown[] = []): Promise<pg.QueryResult<R>> {
    await this.ready;
    return this.pool.query<R>(sql, args);
  }

  /** Runs `f` in one transaction on one connection. */
  async tx<T>(f: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.ready;
    return transaction(this.pool, f);
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.pool.end();
  }
}
