/**
 * HTTP API service integrations (API Gateway's "integration subtype reference"), answered by
 * Nimbus's own services: the route's mapped parameters become one call of SQS (SendMessage,
 * ReceiveMessage, DeleteMessage, PurgeQueue) or EventBridge (PutEvents) in the API's account and
 * region, with the services' own checks and errors. The answer is the service's, as API Gateway
 * passes it through: SQS's JSON of its query API (`{"SendMessageResponse": {...}}`, the shape
 * API Gateway's SQS integrations return), EventBridge's PutEvents result
 * (`{"Entries": [...], "FailedEntryCount": 0}`); a service error keeps its status.
 */
import { randomUUID } from 'node:crypto';
import type { EventBridgeService } from '../../eventbridge/service.js';
import type { SqsService } from '../../sqs/service.js';
import type { ApiRecord, ServiceIntegration } from '../../store/records.js';
import type { Reply } from '../http/context.js';

/** What the stack API accepts (sam/openapi.ts checks the parameters at deploy time). */
export const SUBTYPES = ['SQS-SendMessage', 'SQS-ReceiveMessage', 'SQS-DeleteMessage', 'SQS-PurgeQueue', 'EventBridge-PutEvents'];

export interface IntegrationDeps {
  sqs?: SqsService | undefined;
  eventBridge?: EventBridgeService | undefined;
}

const NUMBERS = new Set(['DelaySeconds', 'MaxNumberOfMessages', 'VisibilityTimeout', 'WaitTimeSeconds']);
const LISTS = new Set(['AttributeNames', 'MessageAttributeNames', 'Resources']);
const OBJECTS = new Set(['MessageAttributes', 'MessageSystemAttributes']);

/** A mapped text as the member type the service takes: numbers, lists (JSON or comma-separated), maps (JSON). */
function typed(k: string, v: string): unknown {
  if (NUMBERS.has(k)) return /^-?\d+$/.test(v) ? Number(v) : v;
  if (LISTS.has(k)) {
    try {
      const parsed: unknown = JSON.parse(v);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // not JSON: a comma-separated list
    }
    return v.split(',').map((s) => s.trim()).filter(Boolean);
  }
  if (OBJECTS.has(k)) {
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }
  return v;
}

const json = (status: number, body: unknown, extra: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'Content-Type': 'application/json', ...extra },
  body: Buffer.from(JSON.stringify(body)),
});

export async function serveIntegration(deps: IntegrationDeps, api: ApiRecord, integration: ServiceIntegration, values: Record<string, string>, baseUrl: string): Promise<Reply> {
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) if (k !== 'Region') params[k] = typed(k, v);
  if (integration.subtype.startsWith('SQS-')) return await sqsCall(deps, api, integration.subtype.slice(4), params, baseUrl);
  if (integration.subtype === 'EventBridge-PutEvents') return await putEvents(deps, api, params);
  return json(500, { message: 'Internal Server Error' });
}

async function sqsCall(deps: IntegrationDeps, api: ApiRecord, action: string, params: Record<string, unknown>, baseUrl: string): Promise<Reply> {
  if (!deps.sqs) return json(500, { message: 'Internal Server Error' });
  const r = await deps.sqs.handle({
    method: 'POST',
    path: '/',
    query: new URLSearchParams(),
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}` },
    body: Buffer.from(JSON.stringify(params)),
    accountId: api.accountId,
    region: api.region,
    baseUrl,
  });
  const requestId = r.headers['x-amzn-requestid'] ?? randomUUID();
  let result: Record<string, unknown> = {};
  try {
    result = JSON.parse(r.body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    // an empty answer
  }
  if (r.status !== 200) {
    // The query API's error in JSON: its code from x-amzn-query-error (`AWS.SimpleQueueService.NonExistentQueue;Sender`).
    const [code, type] = (r.headers['x-amzn-query-error'] ?? '').split(';');
    const fallback = typeof result['__type'] === 'string' ? result['__type'].replace(/^.*#/, '') : 'InternalError';
    return json(r.status, { Error: { Code: code || fallback, Message: result['message'] ?? null, Type: type || (r.status < 500 ? 'Sender' : 'Receiver') }, RequestId: requestId });
  }
  const meta = { ResponseMetadata: { RequestId: requestId } };
  switch (action) {
    case 'SendMessage':
      return json(200, {
        SendMessageResponse: {
          ...meta,
          SendMessageResult: {
            MD5OfMessageAttributes: result['MD5OfMessageAttributes'] ?? null,
            MD5OfMessageBody: result['MD5OfMessageBody'] ?? null,
            MD5OfMessageSystemAttributes: result['MD5OfMessageSystemAttributes'] ?? null,
            MessageId: result['MessageId'] ?? null,
            SequenceNumber: result['SequenceNumber'] ?? null,
          },
        },
      });
    case 'ReceiveMessage': {
      const messages = Array.isArray(result['Messages']) ? (result['Messages'] as Record<string, unknown>[]) : [];
      return json(200, {
        ReceiveMessageResponse: {
          ReceiveMessageResult: {
            messages: messages.map((m) => ({
              Attributes: m['Attributes'] ?? null,
              Body: m['Body'] ?? null,
              MD5OfBody: m['MD5OfBody'] ?? null,
              MD5OfMessageAttributes: m['MD5OfMessageAttributes'] ?? null,
              MessageAttributes: m['MessageAttributes'] ?? null,
              MessageId: m['MessageId'] ?? null,
              ReceiptHandle: m['ReceiptHandle'] ?? null,
            })),
          },
          ...meta,
        },
      });
    }
    default:
      return json(200, { [`${action}Response`]: meta });
  }
}

async function putEvents(deps: IntegrationDeps, api: ApiRecord, p: Record<string, unknown>): Promise<Reply> {
  if (!deps.eventBridge) return json(500, { message: 'Internal Server Error' });
  const entry: Record<string, unknown> = {};
  for (const k of ['Source', 'DetailType', 'Detail', 'EventBusName', 'Resources', 'TraceHeader']) if (p[k] !== undefined) entry[k] = p[k];
  if (typeof p['Time'] === 'string') {
    // PutEvents takes a timestamp: ISO text or epoch seconds.
    const t = /^\d+(\.\d+)?$/.test(p['Time']) ? Number(p['Time']) : Date.parse(p['Time']) / 1000;
    if (Number.isFinite(t)) entry['Time'] = t;
  }
  const r = await deps.eventBridge.handle({
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
    body: Buffer.from(JSON.stringify({ Entries: [entry] })),
    accountId: api.accountId,
    region: api.region,
  });
  return { status: r.status, headers: { 'Content-Type': 'application/json', ...(r.headers['x-amzn-errortype'] ? { 'x-amzn-ErrorType': r.headers['x-amzn-errortype'] } : {}) }, body: r.body };
}
