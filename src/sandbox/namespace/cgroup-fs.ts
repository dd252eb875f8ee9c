/** Small file helpers shared by the cgroup v1 and v2 managers. */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Reads a cgroup file, or null when it does not exist (an older kernel, a missing controller). */
export function readOptional(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Reads a counter like `memory.peak`; 0 when absent or unparsable. */
export function readNumber(file: string): number {
  const s = readOptional(file);
  const n = s === null ? NaN : Number(s.trim());
  return Number.isFinite(n) ? n : 0;
}

/**
 * A counter file read after every invocation (the memory peak): kept open and re-read with
 * pread(2) at offset 0, which saves the open and close of `readNumber` on the hot path.
 */
export class CounterFile {
  private fd: number | null = null;
  private readonly buf = Buffer.alloc(32);

  constructor(private readonly file: string) {}

  /** The value; 0 when the file is gone or unreadable. */
  read(): number {
    try {
      this.fd ??= openSync(this.file, 'r');
      const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
      const v = Number(this.buf.toString('latin1', 0, n).trim());
      return Number.isFinite(v) ? v : 0;
    } catch {
      this.close();
      return 0;
    }
  }

  close(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // Already closed.
    }
    this.fd = null;
  }
}

/** Reads `key N` from a flat-keyed file like `memory.events` or `memory.oom_control`. */
export function readKey(file: string, key: string): number {
  const s = readOptional(file);
  const m = s === null ? null : new RegExp(`^${key} (\\d+)$`, 'm').exec(s);
  return m ? Number(m[1]) : 0;
}

export function write(file: string, value: string): void {
  writeFileSync(file, value);
}

/** Writes a file only if the kernel offers it (memsw needs swap accounting; memory.swap.max needs swap). */
export function writeIfPresent(file: string, value: string): boolean {
  if (!existsSync(file)) return false;
  writeFileSync(file, value);
  return true;
}

export function mkdirs(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/** The pids listed in a `cgroup.procs` file. */
export function readPids(procsFile: string): number[] {
  const s = readOptional(procsFile);
  if (!s) return [];
  return s.split('\n').filter(Boolean).map(Number).filter((n) => n > 0);
}

/**
 * SIGKILLs what `cgroup.procs` lists until it lists nothing: a process may fork between the read
 * and the kill, so sweep again (the pid namespace's teardown usually ends this after one pass).
 */
export function sweep(procsFile: string, rounds = 50): void {
  for (let i = 0; i < rounds; i++) {
    const pids = readPids(procsFile);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}

/**
 * Removes cgroup directories once their processes are gone. SIGKILLed processes take a moment to
 * leave (exit runs asynchronously, and a dying pid namespace reaps its members), and rmdir of a
 * populated cgroup fails with EBUSY, so poll.
 */
export async function removeWhenEmpty(dirs: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const dir of dirs) {
    for (;;) {
      if (!existsSync(dir)) break;
      if (readPids(`${dir}/cgroup.procs`).length > 0) {
        sweep(`${dir}/cgroup.procs`, 1);
      } else {
        try {
          rmdirSync(dir);
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') break;
          if ((e as NodeJS.ErrnoException).code !== 'EBUSY') throw e;
        }
      }
      if (Date.now() > deadline) throw new Error(`cgroup ${dir} still busy after ${timeoutMs} ms`);
      await sleep(10);
    }
  }
}

/** Child directory names of a cgroup directory (its child cgroups). */
export function childCgroups(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

/** rmdir that ignores a directory that is gone or still in use. */
export function rmdirQuiet(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (another sandbox), busy, or already removed: all fine here.
  }
}
