/**
 * The connection plumbing every PostgreSQL-backed room repeats: a pool on one schema whose broken
 * idle connections do not crash the process, and a short transaction on one of its connections.
 * Kept in the `pg` leaf (node built-ins and the `pg` package only) so the store, the queue, SQS,
 * SNS and EventBridge open and use their pools the same way.
 */
import pg from 'pg';

/** Schema names go into SQL text (search_path): only plain identifiers. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Throws unless `schema` is absent or a plain identifier. */
export function checkSchemaName(schema: string | undefined): void {
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name: ${schema}`);
}

export interface PoolOptions {
  /** postgres://user@host:port/db */
  url: string;
  max: number;
  /** The search_path of every connection (the server's default when absent). */
  schema?: string | undefined;
  /** Commits skip the WAL flush (synchronous_commit off): crash-safe, the last commits may be lost. */
  unflushed?: boolean;
  /** Type parsers for the pool's results (pg's defaults when absent). */
  types?: pg.CustomTypesConfig;
}

/** A pool on `schema` (checked); an idle connection that breaks (the server restarted) is dropped, not thrown. */
export function createPool(opts: PoolOptions): pg.Pool {
  checkSchemaName(opts.schema);
  const parts = [...(opts.schema ? [`-c search_path=${opts.schema}`] : []), ...(opts.unflushed ? ['-c synchronous_commit=off'] : [])];
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max,
    ...(parts.length > 0 ? { options: parts.join(' ') } : {}),
    ...(opts.types ? { types: opts.types } : {}),
  });
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `f` in one transaction on one connection of `pool`: committed if it resolves, rolled back if it throws. */
export async function transaction<T>(pool: pg.Pool, f: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
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
