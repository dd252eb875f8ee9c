/**
 * Console output as AWS's Node.js runtime writes it (docs/reference/lambda-logging.md §2.1).
 * Text (the default): `<ISO time>\t<request id>\t<LEVEL>\t<message>`. JSON (LoggingConfig
 * LogFormat JSON sets AWS_LAMBDA_LOG_FORMAT=JSON): one object per line,
 * `{"timestamp","level","requestId"[,"tenantId"],"message"}`; a single argument is the message as it
 * is (an object stays an object, an Error becomes {errorType, errorMessage, stackTrace}), several
 * are formatted like console.log and the first Error among them adds errorType, errorMessage and
 * stackTrace. AWS_LAMBDA_LOG_LEVEL (ApplicationLogLevel) silences the levels below it; console.fatal
 * exists, as in AWS's runtime.
 *
 * Writes go straight to the stdout pipe, which Node writes synchronously on Linux, so every
 * line is in the pipe before the runtime posts the invocation's result.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';

let requestId: string | undefined;
let tenantId: string | undefined;

/**
 * A multi-concurrent runtime (AWS_LAMBDA_MAX_CONCURRENCY > 1) runs each invocation inside this
 * scope, so that every line is tagged with the request id of the invocation that wrote it, as
 * AWS's Node.js runtime for Lambda Managed Instances does; one at a time the global id is used.
 */
export const invocationScope = new AsyncLocalStorage<{ requestId: string; tenantId: string | undefined }>();

function ids(): { requestId: string | undefined; tenantId: string | undefined } {
  return invocationScope.getStore() ?? { requestId, tenantId };
}

const LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 } as const;
type Level = keyof typeof LEVELS;

let json = false;

export function setRequestId(id: string, tenant?: string): void {
  requestId = id;
  tenantId = tenant;
}

/** What AWS's runtime makes of an Error inside a JSON record. */
function errorRecord(e: Error): Record<string, unknown> {
  return {
    errorType: e.constructor?.name ?? 'UnknownError',
    errorMessage: e.message,
    stackTrace: typeof e.stack === 'string' ? e.stack.split('\n') : e.stack,
    ...e,
  };
}

const replacer = (_key: string, value: unknown): unknown => (value instanceof Error ? errorRecord(value) : value);

function jsonLine(level: Level, args: unknown[]): string {
  const now = ids();
  const record: Record<string, unknown> = { timestamp: new Date().toISOString(), level, requestId: now.requestId };
  if (now.tenantId !== undefined) record['tenantId'] = now.tenantId;
  if (args.length === 1) {
    record['message'] = args[0];
    try {
      return JSON.stringify(record, replacer);
    } catch {
      // A message that cannot be JSON (a cycle, a BigInt) is written formatted.
      record['message'] = format(args[0]);
      return JSON.stringify(record);
    }
  }
  record['message'] = format(...args);
  const err = args.find((a): a is Error => a instanceof Error);
  if (err) {
    record['errorType'] = err.constructor?.name ?? 'UnknownError';
    record['errorMessage'] = err.message;
    record['stackTrace'] = typeof err.stack === 'string' ? err.stack.split('\n') : [];
  }
  return JSON.stringify(record);
}

function writer(level: Level): (...args: unknown[]) => void {
  if (json) return (...args: unknown[]) => void process.stdout.write(`${jsonLine(level, args).replace(/\n/g, '\r')}\n`);
  return (...args: unknown[]) => {
    process.stdout.write(`${new Date().toISOString()}\t${ids().requestId}\t${level}\t${format(...args)}\n`);
  };
}

function traceWriter(): (...args: unknown[]) => void {
  if (json) return writer('TRACE');
  return (...args: unknown[]) => {
    const err = new Error(format(...args));
    err.name = 'Trace';
    writer('TRACE')(err.stack ?? err.message);
  };
}

const silent = (): void => undefined;

/** Installs the writers for the environment's format and level (again after a stem cell's assignment). */
export function patchConsole(): void {
  json = (process.env['AWS_LAMBDA_LOG_FORMAT'] ?? '').toUpperCase() === 'JSON';
  const min = LEVELS[(process.env['AWS_LAMBDA_LOG_LEVEL'] ?? '').toUpperCase() as Level] ?? LEVELS.TRACE;
  const at = (level: Level, fn: (...args: unknown[]) => void) => (LEVELS[level] >= min ? fn : silent);
  console.trace = at('TRACE', traceWriter());
  console.debug = at('DEBUG', writer('DEBUG'));
  console.info = at('INFO', writer('INFO'));
  console.log = console.info;
  console.warn = at('WARN', writer('WARN'));
  console.error = at('ERROR', writer('ERROR'));
  (console as unknown as { fatal: (...args: unknown[]) => void }).fatal = writer('FATAL');
}

/** Logs an invocation's failure: `Invoke Error <document>` in text, the error as a record in JSON. */
export function logInvokeError(err: unknown, document: unknown): void {
  if (json) console.error(err instanceof Error ? err : new Error(String(err)));
  else console.error('Invoke Error', JSON.stringify(document));
}
