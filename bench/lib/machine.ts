/** A description of the machine a benchmark ran on, for bench/RESULTS.md. */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';

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
    `- Load average when written (1, 5, 15 min): ${loadavg().map((l) => l.toFixed(1)).join(', ')}; the 2 cores are shared with other work, so figures vary run to run`,
  ].join('\n');
}
