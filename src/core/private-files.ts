/**
 * The data directory holds every function's environment (secrets included) and code: it is 0700
 * and what Nimbus writes in it is 0600, so that no other local user can read it. A data directory
 * made by an older Nimbus (0755 and 0644) is tightened at start.
 *
 * SQLite creates a database's -wal and -shm files with the database file's own permissions
 * (its unix VFS copies them), so a database created 0600 keeps all three private. The extracted
 * code trees stay readable inside the directory: sandbox users read them through bind mounts
 * (namespace isolation) or exported copies (process isolation), never through this path.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Creates (or tightens) a directory only its owner may enter. */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Creates an empty file 0600 if it is missing (an empty file is a valid empty SQLite database), or tightens it. */
export function privateFile(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
}

/** A SQLite database and its companions, private before the first open. */
export function privateDatabase(file: string): void {
  privateFile(file);
  for (const f of [`${file}-wal`, `${file}-shm`, `${file}-journal`]) if (existsSync(f)) chmodSync(f, 0o600);
}

/** Tightens every `package.zip` under `codeRoot` (a data directory from before files were private). */
export function privateCodeBlobs(codeRoot: string): void {
  if (!existsSync(codeRoot)) return;
  for (const name of readdirSync(codeRoot)) {
    const zip = join(codeRoot, name, 'package.zip');
    if (existsSync(zip)) chmodSync(zip, 0o600);
  }
}
