/**
 * Event (asynchronous) invocations: check the payload against the async limit, fix the request
 * id, and hand the event to the queue's group commit. Resolves only once the event is on disk.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { NimbusError } from '../core/errors.js';
import type { Acceptor } from '../queue/acceptor.js';
import type { Scope } from '../core/model.js';

/**
 * Lambda's async payload limit: 1 MB since AWS raised it from 256 KB (the Invoke API reference:
 * "The maximum payload size is 6 MB for synchronous invocations and 1 MB for asynchronous
 * invocations"; docs/reference/peers-2026.md §1.2). The operator may lower it, not raise it.
 */
export const ASYNC_PAYLOAD_LIMIT = 1_048_576;
export const MAX_ASYNC_PAYLOAD_LIMIT = 1_048_576;
/** The deprecated InvokeAsync keeps the old 256 KB limit (docs/reference/lambda-api.md §2.1). */
export const INVOKE_ASYNC_PAYLOAD_LIMIT = 262_144;

export interface AsyncRequest {
  scope: Scope;
  functionName: string;
  qualifier: string | undefined;
  payload: Buffer;
  source?: string;
  /** The tenant of a tenant-isolated function (X-Amz-Tenant-Id): every attempt runs on its sandboxes. */
  tenantId?: string | undefined;
}

export class AsyncInvoker {
  readonly payloadLimit: number;

  constructor(
    private readonly deps: { acceptor: Acceptor; clock: Clock; payloadLimit?: number | undefined },
  ) {
    const limit = deps.payloadLimit ?? ASYNC_PAYLOAD_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ASYNC_PAYLOAD_LIMIT) {
      throw new NimbusError('ERR_CONFIG', `the async payload limit must be between 1 and ${MAX_ASYNC_PAYLOAD_LIMIT} bytes, got ${limit}`);
    }
    this.payloadLimit = limit;
  }

  /** Throws Lambda's 413 for a payload over the async limit (or a smaller one an operation keeps). */
  checkSize(bytes: number, operationLimit = Infinity): void {
    const limit = Math.min(this.payloadLimit, operationLimit);
    if (bytes > limit) {
      throw new NimbusError('ERR_REQUEST_TOO_LARGE', `${bytes} byte payload is too large for the Event invocation type (limit ${limit} bytes)`);
    }
  }

  /** Accepts an event durably; returns its request id. */
  async enqueue(req: AsyncRequest): Promise<string> {
    this.checkSize(req.payload.length);
    const id = randomUUID();
    await this.deps.acceptor.accept({
      id,
      accountId: req.scope.accountId,
      region: req.scope.region,
      functionName: req.functionName,
      qualifier: req.qualifier,
      payload: req.payload,
      source: req.source ?? 'invoke',
      enqueuedAt: this.deps.clock.now(),
      tenantId: req.tenantId,
    });
    return id;
  }
}
