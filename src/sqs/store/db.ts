/**
 * The SQS database file and its two connections.
 *
 * `durable` (synchronous=FULL) carries everything a client is told is done and must survive a
 * power cut: sent messages, queue changes, purges. Its commits fsync the WAL.
 * `lazy` (synchronous=NORMAL) carries delivery bookkeeping: receives, deletes, visibility
 * changes. Those commits survive a process crash (they sit in the OS page cache) and become
 * durable with the next fsync of the WAL, which is append-only, so they never overtake an
 * acknowledged send. Losing one to a power cut only means a message is delivered again, which
 * SQS's at-least-once contract allows - and it saves an fsync per receive and per delete.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, openSync } from 'node:fs';
import { SQS_SCHEMA } from './schema.js';

export class SqsDb {
  readonly durable: Database.Database;
  readonly lazy: Database.Database;

  constructor(file: string) {
    // Create the file private before SQLite opens it; SQLite gives -wal and -shm the same mode.
    closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
    this.durable = new Database(file);
    this.durable.pragma('journal_mode = WAL');
    this.durable.pragma('synchronous = FULL');
    this.durable.pragma('busy_timeout = 5000');
    this.durable.exec(SQS_SCHEMA);
    this.lazy = new Database(file);
    this.lazy.pragma('synchronous = NORMAL');
    this.lazy.pragma('busy_timeout = 5000');
  }

  close(): void {
    if (this.lazy.open) this.lazy.close();
    if (this.durable.open) this.durable.close();
  }
}
