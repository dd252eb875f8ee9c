/**
 * A ledger for async tests: the function appends one JSON line per execution to a file named in
 * its environment (sandboxes are plain processes, so they can write there), and the test reads
 * what ran. When the tests run as root, process isolation runs each sandbox as a uid of its own:
 * the ledger lives in a directory anyone may write (`ledgerDir`), and the file is created 0666 so
 * that every sandbox of a function can append to it.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary directory that functions may write into, whichever user they run as. */
export function ledgerDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(d, 0o777);
  return d;
}

/** Handler source: records `{id, event}` for each execution; `{"fail":true}` throws, `{"ms":n}` sleeps. */
export const LEDGER_HANDLER = `const fs = require('fs');
process.umask(0);
exports.handler = async (event, context) => {
  fs.appendFileSync(process.env.LEDGER, JSON.stringify({ id: context.awsRequestId, event }) + '\\n');
  if (event && event.ms) await new Promise((r) => setTimeout(r, event.ms));
  if (event && event.fail) throw new Error('asked to fail');
  return { ok: true, n: event && event.n };
};`;

export interface LedgerLine {
  id: string;
  event: Record<string, unknown>;
}

export function readLedger(file: string): LedgerLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as LedgerLine];
      } catch {
        // A line torn by a SIGKILL mid-write: not an execution record.
        return [];
      }
    });
}

/** Polls `cond` every 50 ms for up to `ms`; returns its last value. */
export async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

/** Like `waitFor`, for an async condition; returns its last value. */
export async function waitForAsync<T>(get: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let v = await get();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    v = await get();
  }
  return v;
}
