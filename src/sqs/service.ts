/**
 * The entry point for the integrator: `SqsService` answers SQS requests in both wire protocols
 * (`handle`), tells SQS requests apart from the rest (`SqsService.classify`/`isSqsRequest`), and
 * offers the queue API Nimbus's own components use (`send`, `receive`, `delete`,
 * `changeVisibility`, `subscribe`, `createQueue`).
 *
 * Nothing throws out of `handle`: SQS errors become AWS's error shapes, anything else a 500
 * InternalError (logged).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { SqsBackend } from './backend.js';
import { SqliteSqsBackend } from './sqlite-backend.js';
import { FIFO_DEFAULTS, QUEUE_DEFAULTS } from './limits.js';
import { internalError, invalidAction, serviceUnavailable, SqsError, unknownOperation, unsupportedOperation } from './errors.js';
import { MessageMoveTasks } from './move-tasks.js';
import { OPERATION_HANDLERS } from './ops/index.js';
import type { OpContext } from './ops/context.js';
import { classify, header, isSqsRequest, protocolOf, queryParams, SQS_TARGET_PREFIX, type WireRequest } from './protocol/detect.js';
import { decodeJsonParams, encodeJsonError, encodeJsonResult, JSON_CONTENT_TYPE } from './protocol/json.js';
import { decodeQueryParams } from './protocol/query.js';
import { OPERATIONS, type Params, REFUSED_OPERATIONS } from './protocol/shapes.js';
import { encodeXmlError, encodeXmlResult } from './protocol/xml.js';
import type { InspectedMessage, MessageAttributes, QueueOverview, QueueRecord, ReceivedMessage, ReceiveOptions, Scope, SentMessage } from './types.js';
import { parseQueuePath, queueUrl } from './url.js';
import { serviceSendRefusal, type Caller } from './policy.js';

export interface SqsServiceOptions {
  /** The SQLite database file (created mode 0600); or: */
  file?: string;
  /** An engine opened elsewhere (a cluster's PostgreSQL engine, src/sqs/pg). */
  backend?: SqsBackend;
  clock?: Clock;
  log?: (line: string) => void;
}

export interface SqsHttpRequest extends WireRequest {
  body: Buffer;
  /** The caller, as Nimbus authenticated it. */
  accountId: string;
  region: string;
  /** The origin queue URLs are minted with, e.g. `http://127.0.0.1:9000`. */
  baseUrl: string;
  /** Abort when the client disconnects: a long poll then ends at once. */
  signal?: AbortSignal;
  /** The authenticated caller; queue policies are checked against it (policy.ts). */
  caller?: Caller | undefined;
}

export interface SqsHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Options for `SqsService.send`. */
export interface SendOptions {
  attributes?: MessageAttributes;
  delaySeconds?: number;
  groupId?: string;
  deduplicationId?: string;
  /** Shown as the SenderId system attribute; default the queue's account. */
  senderId?: string;
  /** A second send with the same key (within a day) enqueues nothing and answers the first message's id. */
  idempotencyKey?: string;
}

export class SqsService {
  readonly engine: SqsBackend;
  private readonly log: (line: string) => void;
  /** Dead-letter redrives (StartMessageMoveTask), run on this node. */
  private readonly moves: MessageMoveTasks;

  constructor(opts: SqsServiceOptions) {
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    if (opts.backend) this.engine = opts.backend;
    else if (opts.file !== undefined) this.engine = new SqliteSqsBackend({ file: opts.file, log: this.log, ...(opts.clock ? { clock: opts.clock } : {}) });
    else throw new Error('SqsService needs a file or a backend');
    const clock = opts.clock;
    this.moves = new MessageMoveTasks(this.engine, () => (clock ? clock.now() : Date.now()), this.log);
  }

  /** See protocol/detect.ts: `body` means "form POST; decide with `isSqsRequest` once the body is read". */
  static classify(req: WireRequest): 'sqs' | 'not-sqs' | 'body' {
    return classify(req);
  }

  static isSqsRequest(req: WireRequest & { body?: Buffer }): boolean {
    return isSqsRequest(req);
  }

  /**
   * The host's own refusal of an SQS request (a browser/Host guard, a body over the limit) as an
   * SQS error in the request's protocol: `AccessDenied` is SQS's Query code for a refused caller.
   */
  static refusal(req: WireRequest, status: number, code: string, message: string): SqsHttpResponse {
    const type = code === 'AccessDenied' ? 'AccessDeniedException' : code === 'RequestTooLarge' ? 'RequestEntityTooLarge' : code;
    return errorReply(new SqsError(type, code, status, message, message, status < 500), protocolOf(req), randomUUID());
  }

  async handle(req: SqsHttpRequest): Promise<SqsHttpResponse> {
    const requestId = randomUUID();
    let protocol: 'json' | 'query' = 'query';
    let action = '';
    try {
      protocol = protocolOf(req);
      if (this.engine.isClosed) throw serviceUnavailable();
      const decoded = protocol === 'json' ? decodeJson(req) : decodeQuery(req);
      action = decoded.action;
      const handler = OPERATION_HANDLERS[action];
      if (!handler) throw internalError();
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v[0] : v;
      const ctx: OpContext = {
        engine: this.engine,
        scope: { accountId: req.accountId, region: req.region },
        baseUrl: req.baseUrl,
        headers,
        ...(req.signal ? { signal: req.signal } : {}),
        caller: req.caller,
        operation: action,
        moves: this.moves,
      };
      const result = await handler(ctx, decoded.params);
      return protocol === 'json'
        ? reply(200, JSON_CONTENT_TYPE, requestId, encodeJsonResult(result))
        : reply(200, 'text/xml', requestId, encodeXmlResult(action, result, requestId));
    } catch (e) {
      let err: SqsError;
      if (e instanceof SqsError) err = e;
      else {
        this.log(`sqs: ${action || 'request'} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        err = internalError();
      }
      return errorReply(err, protocol, requestId);
    }
  }

  // The programmatic API. `queue` is a queue name (in `scope`), ARN or URL; errors are SqsErrors.

  async createQueue(scope: Scope, name: string, attributes: Record<string, string> = {}, tags: Record<string, string> = {}): Promise<{ arn: string; url: (baseUrl: string) => string }> {
    const q = await this.engine.createQueue(scope, name, attributes, tags);
    return { arn: this.engine.arn(q), url: (baseUrl) => queueUrl(baseUrl, q.accountId, q.name) };
  }

  async queue(scope: Scope, queue: string): Promise<QueueRecord> {
    return await this.engine.queue(scope, queue);
  }

  /** DeleteQueue: the queue and its messages go, and its name is blocked for 60 s, as on AWS. */
  async deleteQueue(scope: Scope, queue: string): Promise<void> {
    await this.engine.deleteQueue(await this.engine.queue(scope, queue));
  }

  /**
   * Makes a queue's settable attributes exactly `attributes`, those left out back to their
   * defaults, as a CloudFormation update of an AWS::SQS::Queue does. Answers the attributes the
   * queue was given before, which undo the change when passed back.
   */
  async replaceAttributes(scope: Scope, queue: string, attributes: Record<string, string>): Promise<Record<string, string>> {
    const q = await this.engine.queue(scope, queue);
    const before = { ...q.attributes };
    const reset: Record<string, string> = {};
    for (const k of Object.keys(before)) {
      // '' removes the policies and the KMS key (mergeAttributes); a key's reuse period goes with its key.
      if (k in attributes || k === 'FifoQueue' || k === 'KmsDataKeyReusePeriodSeconds') continue;
      // A KMS key turns SQS-managed encryption off by itself.
      if (k === 'SqsManagedSseEnabled' && attributes['KmsMasterKeyId']) continue;
      reset[k] = QUEUE_DEFAULTS[k] ?? FIFO_DEFAULTS[k] ?? '';
    }
    await this.engine.setAttributes(q, { ...reset, ...attributes });
    return before;
  }

  /** Makes a queue's tags exactly `tags`; answers the tags it had. */
  async replaceTags(scope: Scope, queue: string, tags: Record<string, string>): Promise<Record<string, string>> {
    const q = await this.engine.queue(scope, queue);
    const before = { ...q.tags };
    const gone = Object.keys(before).filter((k) => !(k in tags));
    if (gone.length > 0) await this.engine.untag(q, gone);
    if (Object.keys(tags).length > 0) await this.engine.tag(q, tags);
    return before;
  }

  /**
   * Why `service` (`sns.amazonaws.com`, `events.amazonaws.com`) may not send to the queue
   * `queue` (name or ARN) of `scope` on behalf of `sourceArn`, by the queue's policy
   * (policy.ts); undefined when it may, or when there is no such queue (send says so).
   */
  async serviceSendRefusal(scope: Scope, queue: string, service: string, sourceArn: string): Promise<string | undefined> {
    let q: QueueRecord;
    try {
      q = await this.engine.queue(scope, queue);
    } catch {
      return undefined;
    }
    return serviceSendRefusal(q, service, sourceArn);
  }

  /** Enqueues one message; it is on disk when this returns. */
  async send(scope: Scope, queue: string, body: string, opts: SendOptions = {}): Promise<SentMessage> {
    const q = await this.engine.queue(scope, queue);
    const [r] = await this.engine.send(q, [{ body, ...opts }], false);
    if (!r) throw new Error('send produced no result');
    return r;
  }

  /** Receives up to `opts.max` (1-10) messages, waiting up to `opts.waitMs` for the first. */
  async receive(scope: Scope, queue: string, opts: ReceiveOptions = {}): Promise<ReceivedMessage[]> {
    return await this.engine.receive(await this.engine.queue(scope, queue), opts);
  }

  async delete(scope: Scope, queue: string, receiptHandle: string): Promise<void> {
    await this.engine.deleteMessage(await this.engine.queue(scope, queue), receiptHandle);
  }

  async changeVisibility(scope: Scope, queue: string, receiptHandle: string, seconds: number): Promise<void> {
    await this.engine.changeVisibility(await this.engine.queue(scope, queue), receiptHandle, seconds);
  }

  /** `fn` runs (in a microtask or timer) whenever the queue may have gained visible messages. */
  async subscribe(scope: Scope, queue: string, fn: () => void): Promise<() => void> {
    return this.engine.subscribe(await this.engine.queue(scope, queue), fn);
  }

  /** Every queue of a scope with its counts (Nimbus's own listing). */
  async overview(scope: Scope): Promise<QueueOverview[]> {
    return await this.engine.overview(scope);
  }

  /** One queue's counts and the send time of its oldest visible message (a consumer's lag). */
  async backlog(scope: Scope, queue: string): Promise<QueueOverview> {
    return await this.engine.backlog(await this.engine.queue(scope, queue));
  }

  /** Messages of a queue after `afterSeq`, in send order, without receiving them. */
  async inspect(scope: Scope, queue: string, afterSeq: number, limit: number): Promise<InspectedMessage[]> {
    return await this.engine.inspect(await this.engine.queue(scope, queue), afterSeq, limit);
  }

  /** Deletes messages by their `seq` (from `inspect`); returns how many were deleted. */
  async discard(scope: Scope, queue: string, seqs: readonly number[]): Promise<number> {
    return await this.engine.discard(await this.engine.queue(scope, queue), seqs);
  }

  /** Ends the long polls waiting now (they answer with no messages); the service stays open. */
  endLongPolls(): void {
    this.engine.endLongPolls();
  }

  /** Ends pending long polls (they answer with no messages) and closes the database. Idempotent. */
  async close(): Promise<void> {
    await this.moves.close();
    await this.engine.close();
  }
}

function decodeJson(req: SqsHttpRequest): { action: string; params: Params } {
  const target = header(req.headers, 'x-amz-target') ?? '';
  const action = target.startsWith(SQS_TARGET_PREFIX) ? target.slice(SQS_TARGET_PREFIX.length) : '';
  if (REFUSED_OPERATIONS.has(action)) throw unsupportedOperation(`${action} is not supported by Nimbus.`);
  const shape = OPERATIONS[action];
  if (!shape) throw unknownOperation();
  return { action, params: decodeJsonParams(req.body, shape) };
}

function decodeQuery(req: SqsHttpRequest): { action: string; params: Params } {
  const all = queryParams(req);
  const action = all.get('Action') ?? '';
  const queuePath = parseQueuePath(req.path);
  if (REFUSED_OPERATIONS.has(action)) throw unsupportedOperation(`${action} is not supported by Nimbus.`);
  const shape = OPERATIONS[action];
  // Recorded: an unknown action, or CreateQueue/ListQueues sent to a queue URL, is InvalidAction.
  if (!shape || (queuePath && (action === 'CreateQueue' || action === 'ListQueues'))) throw invalidAction(action);
  const params = decodeQueryParams(all, shape);
  // POSTed to the queue URL itself: the path names the queue, unless QueueUrl overrides it (recorded).
  if (queuePath && 'QueueUrl' in shape && params['QueueUrl'] === undefined) params['QueueUrl'] = req.path;
  return { action, params };
}

const reply = (status: number, contentType: string, requestId: string, body: Buffer): SqsHttpResponse => ({
  status,
  headers: { 'content-type': contentType, 'x-amzn-requestid': requestId, 'content-length': String(body.length) },
  body,
});

function errorReply(err: SqsError, protocol: 'json' | 'query', requestId: string): SqsHttpResponse {
  if (protocol === 'json') {
    const { headers, body } = encodeJsonError(err);
    const r = reply(err.status, JSON_CONTENT_TYPE, requestId, body);
    return { ...r, headers: { ...r.headers, ...headers } };
  }
  return reply(err.status, 'text/xml', requestId, encodeXmlError(err, requestId));
}
