/**
 * The code blobs' tables (component `code`), as numbered migrations (src/pg/migrate.ts). Never edit
 * a released migration: add the next one.
 *
 * A package is split into chunks of CHUNK_BYTES so no single huge value is read or written at once;
 * `code_blobs` is written last, in the same transaction as the chunks, so a row there means the
 * package is whole (scale-out.md §5.4).
 */
export const CODE_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'code: content-addressed, chunked packages',
    sql: `
CREATE TABLE code_chunks (
  sha256 TEXT NOT NULL,
  idx INTEGER NOT NULL,
  bytes BYTEA NOT NULL,
  PRIMARY KEY (sha256, idx)
);
CREATE TABLE code_blobs (
  sha256 TEXT PRIMARY KEY,
  size BIGINT NOT NULL,
  chunks INTEGER NOT NULL,
  created_at BIGINT NOT NULL
);`,
  },
];
