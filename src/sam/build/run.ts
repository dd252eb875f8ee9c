/**
 * Running a build tool (npm, pip, mvn) for a SAM build: output is captured and, when the tool
 * fails, its last lines become the SamError the user sees, so that "build failed" always says why.
 */
import { execFile } from 'node:child_process';
import { SamError } from '../errors.js';

/** A build that takes longer than this is stuck (a prompt, a dead mirror). */
const TIMEOUT_MS = 15 * 60_000;
const TAIL_LINES = 25;

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Who is building, for the error message (`HelloWorldFunction`). */
  who: string;
}

/** Runs `cmd args` and resolves with its stdout; rejects with a SamError carrying the tail of its output. */
export function runTool(cmd: string, args: string[], o: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (e, stdout, stderr) => {
      if (!e) return resolve(stdout);
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return reject(new SamError(`${o.who}: building needs ${cmd}, which is not on PATH`));
      const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-TAIL_LINES).join('\n');
      reject(new SamError(`${o.who}: ${cmd} ${args.join(' ')} failed${e.killed ? ' (timed out)' : ''}:\n${tail}`));
    });
  });
}
