/**
 * A CloudWatch Logs subset over Nimbus's function log store, so `aws logs tail`, `sam logs`,
 * boto3 and @aws-sdk/client-cloudwatch-logs read function logs as they do on AWS:
 * DescribeLogGroups, DescribeLogStreams, GetLogEvents, FilterLogEvents. The wire protocol is
 * AWS JSON 1.1 - `POST /` with `X-Amz-Target: Logs_20140328.<Operation>` (botocore's `logs`
 * model: protocol json, jsonVersion 1.1, targetPrefix Logs_20140328). Errors are
 * `{"__type", "message"}` with the type also in `x-amzn-ErrorType`. Read-only: writing
 * (PutLogEvents, CreateLogGroup, ...) is refused as an unknown operation. User notes: docs/logging.md.
 */
import { randomUUID } from 'node:crypto';
import type { Scope } from '../../core/model.js';
import type { LogsDeps } from './deps.js';
import { describeLogGroups, describeLogStreams } from './describe-ops.js';
import { internal, LogsError } from './errors.js';
import { LogGroups, type FunctionSource } from './groups.js';
import { isObject, type Params } from './params.js';
import { filterLogEvents, getLogEvents } from './read-ops.js';
import type { EntryReader } from './reader.js';

export const LOGS_TARGET_PREFIX = 'Logs_20140328.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface LogsRequest {
  method: string;
  path: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
  accountId: string;
  region: string;
}

export interface LogsResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

type Operation = (d: LogsDeps, scope: Scope, p: Params) => Promise<Params>;

const OPERATIONS: Readonly<Record<string, Operation>> = {
  DescribeLogGroups: describeLogGroups,
  DescribeLogStreams: describeLogStreams,
  GetLogEvents: getLogEvents,
  FilterLogEvents: filterLogEvents,
};

const header = (h: LogsRequest['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

export class CloudWatchLogsService {
  private readonly deps: LogsDeps;
  private readonly log: (line: string) => void;

  constructor(opts: { logs: EntryReader; functions: FunctionSource; now: () => number; log: (line: string) => void }) {
    this.deps = { logs: opts.logs, groups: new LogGroups(opts.functions, opts.now) };
    this.log = opts.log;
  }

  /** CloudWatch Logs' marker: a POST to `/` whose X-Amz-Target names Logs_20140328. */
  static isLogsRequest(req: { method: string; path: string; headers: LogsRequest['headers'] }): boolean {
    return req.method === 'POST' && req.path === '/' && (header(req.headers, 'x-amz-target') ?? '').startsWith(LOGS_TARGET_PREFIX);
  }

  /** Never throws: every failure is an answer in CloudWatch Logs' error shape. */
  async handle(req: LogsRequest): Promise<LogsResponse> {
    const requestId = randomUUID();
    const op = (header(req.headers, 'x-amz-target') ?? '').slice(LOGS_TARGET_PREFIX.length);
    try {
      const run = OPERATIONS[op];
      if (!run) throw new LogsError('UnknownOperationException', `The requested operation ${op} is not supported by Nimbus.`);
      let params: unknown;
      try {
        params = req.body.length === 0 ? {} : JSON.parse(req.body.toString('utf8'));
      } catch {
        throw new LogsError('SerializationException', 'Start of structure or map found where not expected.');
      }
      if (!isObject(params)) throw new LogsError('SerializationException', 'Start of structure or map found where not expected.');
      return reply(200, requestId, await run(this.deps, { accountId: req.accountId, region: req.region }, params));
    } catch (e) {
      let err: LogsError;
      if (e instanceof LogsError) err = e;
      else {
        this.log(`logs: ${op} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        err = internal();
      }
      return CloudWatchLogsService.errorResponse(err.status, err.type, err.message, requestId);
    }
  }

  static errorResponse(status: number, type: string, message: string, requestId: string = randomUUID()): LogsResponse {
    const r = reply(status, requestId, { __type: type, message });
    return { ...r, headers: { ...r.headers, 'x-amzn-ErrorType': type } };
  }
}

function reply(status: number, requestId: string, body: unknown): LogsResponse {
  return { status, headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId }, body: Buffer.from(JSON.stringify(body)) };
}
