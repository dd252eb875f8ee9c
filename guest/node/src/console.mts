/**
 * Console output in the Node.js runtime's text format: `<ISO time>\t<request id>\t<LEVEL>\t<message>`.
 * Writes go straight to the stdout pipe, which Node writes synchronously on Linux, so every
 * line is in the pipe before the runtime posts the invocation's result.
 */
import util from 'node:util';

let requestId = 'undefined';

export function setRequestId(id: string): void {
  requestId = id;
}

function writer(level: string): (...args: unknown[]) => void {
  return (...args: unknown[]) => {
    process.stdout.write(`${new Date().toISOString()}\t${requestId}\t${level}\t${util.format(...args)}\n`);
  };
}

export function patchConsole(): void {
  console.log = writer('INFO');
  console.info = writer('INFO');
  console.warn = writer('WARN');
  console.error = writer('ERROR');
  console.debug = writer('DEBUG');
  console.trace = (...args: unknown[]) => {
    const err = new Error(util.format(...args));
    err.name = 'Trace';
    writer('TRACE')(err.stack ?? err.message);
  };
}
