/**
 * Applies numbered migrations to a PostgreSQL database at start. An advisory lock serialises
 * nodes that start together; each migration commits with its row in `nimbus_migrations`, so a
 * crash mid-way leaves the database at the last whole version.
 */
import type pg from 'pg';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Any fixed 64-bit number; it only has to differ from other users' advisory locks. */
const LOCK_KEY = 0x4e696d627573; // "Nimbus"

/** `schema`, when given, is created first (under the lock: CREATE SCHEMA IF NOT EXISTS races otherwise). */
export async function migrate(pool: pg.Pool, component: string, migrations: readonly Migration[], schema?: string): Promise<number> {
  const c = await pool.connect();
  try {
    await c.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      if (schema) await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await c.query(`CREATE TABLE IF NOT EXISTS nimbus_migrations (
        component TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (component, version))`);
      const done = new Set(
        (await c.query<{ version: number }>('SELECT version FROM nimbus_migrations WHERE component = $1', [component])).rows.map((r) => r.version),
      );
      let applied = 0;
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        await c.query('BEGIN');
        try {
          await c.query(m.sql);
          await c.query('INSERT INTO nimbus_migrations (component, version, name) VALUES ($1, $2, $3)', [component, m.version, m.name]);
          await c.query('COMMIT');
          applied++;
        } catch (e) {
          await c.query('ROLLBACK');
          throw e;
        }
      }
      return applied;
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
    }
  } finally {
    c.release();
  }
}
