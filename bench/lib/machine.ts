/** A description of the machine a benchmark ran on, for bench/RESULTS.md. */
import { execFileSync } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';

export function describeMachine(): string {
  const cpu = cpus();
  const wrk = (() => {
    try {
      return execFileSync('wrk', ['--version'], { encoding: 'utf8' }).split('\n')[0];
    } catch (e) {
      return String((e as { stdout?: string }).stdout ?? 'wrk: not installed').split('\n')[0];
    }
  })();
  return [
    `- CPU: ${cpu.length} x ${cpu[0]?.model ?? 'unknown'}`,
    `- Memory: ${Math.round(totalmem() / 2 ** 30)} GiB`,
    `- Kernel: Linux ${release()}`,
    `- Node.js: ${process.version}`,
    `- Load generator: ${wrk}`,
    '- Each section notes the load average of its run: the cores may be shared with other work, so figures vary from run to run',
  ].join('\n');
}
