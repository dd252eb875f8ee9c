/** What a route handler gets and returns: plain values, no sockets, so handlers stay small. */
import type http from 'node:http';
import type { Scope } from '../../core/model.js';
import type { Principal } from '../../auth/principal.js';

export interface RequestContext {
  req: http.IncomingMessage;
  method: string;
  params: Record<string, string | undefined>;
  query: URLSearchParams;
  /** Account and region the request speaks for (from its credential scope). */
  scope: Scope;
  /** Who signed the request (src/api/http/authn.ts); absent where no authentication runs (function URLs, HTTP routes). */
  principal?: Principal | undefined;
  /**
   * Authorises an action the route table cannot name (an SQS, SNS or EventBridge operation, read
   * from the request): throws AccessDeniedException when the caller's policies do not allow it.
   */
  authorize?: ((action: string, resource: string) => void) | undefined;
  /** `http://host:port` as the client addressed Nimbus, for URLs in responses. */
  baseUrl: string;
  /** The request body, read once, at most `limit` bytes (413 beyond). */
  body(limit?: number, operation?: string): Promise<Buffer>;
  /** The body parsed as JSON (an empty body is `{}`). */
  json(limit?: number, operation?: string): Promise<unknown>;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

export interface Reply {
  status: number;
  headers?: Record<string, string | number | string[]>;
  /** An object is sent as JSON; a Buffer or string as is; undefined sends no body. */
  body?: unknown;
  /**
   * A response written as it is produced (streamed invocations): the server calls this instead of
   * sending `status`, `headers` and `body`. What it throws before writing the head is answered
   * like any other error.
   */
  stream?: (res: http.ServerResponse) => Promise<void>;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

export const json = (status: number, body: unknown): Reply => ({ status, body });
