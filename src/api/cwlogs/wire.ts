/**
 * CloudWatch Logs on Nimbus's endpoint: the wire-service face of `CloudWatchLogsService`
 * (JSON 1.1, `X-Amz-Target: Logs_20140328.*`, signed for service `logs`). Identity policies see
 * the group's ARN (`arn:aws:logs:<region>:<account>:log-group:<name>:*`; a stream's for
 * GetLogEvents), as IAM names CloudWatch Logs' resources.
 */
import { JSON_AUTH_ERRORS, type WireRequest, type WireService } from '../services/types.js';
import { groupArn, nameFromIdentifier } from './deps.js';
import { CloudWatchLogsService } from './service.js';

/** Requests are small (names, times, a filter pattern). */
const BODY_LIMIT = 64 * 1024;

type Request = WireRequest & { body: Buffer };

export function logsWireService(logs: CloudWatchLogsService): WireService {
  return {
    name: 'logs',
    bodyLimit: BODY_LIMIT,
    classify: (req) => (CloudWatchLogsService.isLogsRequest(req) ? 'yes' : 'no'),
    claims: () => false,
    resources: logsResources,
    handle: (req) => logs.handle(req),
    refuse: (_req, status, code, message) =>
      CloudWatchLogsService.errorResponse(
        status,
        code === 'AccessDenied' ? 'AccessDeniedException' : code === 'RequestTooLarge' ? 'InvalidParameterException' : (JSON_AUTH_ERRORS[code] ?? 'ServiceUnavailableException'),
        message,
      ),
  };
}

export function logsResources(req: Request, scope: { accountId: string; region: string }, operation: string): string[] {
  let j: Record<string, unknown> = {};
  try {
    const v: unknown = JSON.parse(req.body.toString('utf8'));
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) j = v as Record<string, unknown>;
  } catch {
    // the service answers the bad body; the policy is checked against `*`
  }
  const s = (k: string): string | undefined => (typeof j[k] === 'string' ? (j[k] as string) : undefined);
  if (operation === 'DescribeLogGroups') return [`arn:aws:logs:${scope.region}:${scope.accountId}:log-group:*`];
  const id = s('logGroupName') ?? s('logGroupIdentifier');
  if (id === undefined) return ['*'];
  const group = groupArn(scope, id.startsWith('arn:') ? safeName(id) : id);
  const stream = s('logStreamName');
  return [operation === 'GetLogEvents' && stream !== undefined ? `${group}:log-stream:${stream}` : `${group}:*`];
}

function safeName(id: string): string {
  try {
    return nameFromIdentifier(id);
  } catch {
    return '*';
  }
}
