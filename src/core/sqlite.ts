/**
 * A service's own SQLite file as Nimbus opens every acknowledged-state database: private before
 * the first open (private-files.ts), WAL, synchronous=FULL (a commit that returned survives a power
 * cut) and a busy timeout for the checkpointer's moments.
 */
import Database from 'better-sqlite3';
import { privateDatabase } from './private-files.js';

export function openDurableDatabase(file: string): Database.Database {
  privateDatabase(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  return db;
}
