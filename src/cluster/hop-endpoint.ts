/**
 * The receiving end of the forwarding hop (hop.ts): checks the hop token, resolves the version the
 * gateway chose, runs the invocation here (never forwards again) and answers with the result, an
 * error as the NimbusError it was, or, for streamed responses, frames as the runtime produces them.
 * Mounted by the composition root as a `before` hook of the gateway, so the SigV4 check and the
 * browser guard, which are for clients, do not apply; the hop token takes their place.
 */
import type http from 'node:http';
import { NimbusError } from '../core/errors.js';
import { versionKey, type FunctionVersion, type Scope } from '../core/model.js';
import type { InvokeRequest, InvokeResult, ResponseSink } from '../invoke/invoker.js';
import { bodyDigest, decodeMeta, frame, HOP_AUTH, HOP_ERROR, HOP_FROM, HOP_LOAD, HOP_META, HOP_PATH, HOP_RESULT, verifyHop } from './hop.js';

/** The sync payload limit (6 MB) with room to spare: the gateway checked the real limit already. */
const HOP_BODY_LIMIT = 7 * 1024 * 1024;

/** The parts of the gateway's request context the endpoint uses (src/api/http/context.ts). */
interface HopContext {
  req: http.IncomingMessage;
  body(limit?: number, operation?: string): Promise<Buffer>;
}

interface HopReply {
  status: number;
  headers?: Record<string, string | number>;
  body?: unknown;
  stream?: (res: http.ServerResponse) => Promise<void>;
}

export interface HopEndpointDeps {
  /** The cluster's hop key. */
  key: () => Buffer | undefined;
  resolve(scope: Scope, name: string, version: string): Promise<FunctionVersion>;
  /** Runs an invocation on this node. */
  invoke(req: InvokeRequest): Promise<InvokeResult>;
  /** This node's in-flight invocations and idle warm sandboxes of a version key. */
  report(key: string): { load: number; idle: number };
  streamLimitBytes: number;
}

const header = (v: string | string[] | undefined): string => (typeof v === 'string' ? v : '');

const errorJson = (e: NimbusError): Buffer => Buffer.from(JSON.stringify({ code: e.code, message: e.message, extra: e.extra }));

/** A route hook (src/api/http/server.ts RouteHook) claiming POST HOP_PATH. */
export function hopHook(deps: HopEndpointDeps): (req: http.IncomingMessage, path: string) => { handler: (ctx: HopContext) => Promise<HopReply>; params: Record<string, string> } | undefined {
  const handler = async (ctx: HopContext): Promise<HopReply> => {
    const h = ctx.req.headers;
    const body = await ctx.body(HOP_BODY_LIMIT, 'Invoke');
    const from = header(h[HOP_FROM]);
    const metaText = header(h[HOP_META]);
    const key = deps.key();
    if (!key || !from || !verifyHop(key, from, metaText, bodyDigest(body), header(h[HOP_AUTH]), Date.now())) {
      throw new NimbusError('ERR_ACCESS_DENIED', 'This path takes invocations forwarded by the nodes of this cluster only.');
    }
    const meta = decodeMeta(metaText);
    if (!meta) throw new NimbusError('ERR_INVALID_REQUEST_CONTENT', 'The forwarded invocation has no valid description.');
    const scope = { accountId: meta.accountId, region: meta.region };
    const started = performance.now();
    // `load/idle/ms`: the last is how long the invocation took here, so the gateway can tell the hop's own cost.
    const loadOf = (fn: FunctionVersion): string => {
      const r = deps.report(versionKey(fn));
      return `${r.load}/${r.idle}/${(performance.now() - started).toFixed(3)}`;
    };
    let fn: FunctionVersion;
    try {
      fn = await deps.resolve(scope, meta.name, meta.version);
    } catch (e) {
      if (e instanceof NimbusError) return { status: 500, headers: { [HOP_ERROR]: '1', 'content-type': 'application/json' }, body: errorJson(e) };
      throw e;
    }
    const request: InvokeRequest = {
      fn,
      qualifier: meta.qualifier,
      payload: body,
      tailLogs: meta.tailLogs,
      clientContext: meta.clientContext,
      traceId: meta.traceId,
      requestId: meta.requestId,
      tenantId: meta.tenantId,
    };
    if (meta.stream) return { status: 200, stream: (res) => streamed(res, request, deps, () => loadOf(fn)) };
    try {
      const result = await deps.invoke(request);
      const { payload, ...head } = result;
      return {
        status: 200,
        headers: { [HOP_RESULT]: Buffer.from(JSON.stringify(head)).toString('base64url'), [HOP_LOAD]: loadOf(fn), 'content-type': 'application/octet-stream' },
        body: payload,
      };
    } catch (e) {
      if (e instanceof NimbusError) return { status: 500, headers: { [HOP_ERROR]: '1', [HOP_LOAD]: loadOf(fn), 'content-type': 'application/json' }, body: errorJson(e) };
      throw e;
    }
  };
  return (req, path) => (path === HOP_PATH && req.method === 'POST' ? { handler, params: {} } : undefined);
}

/** Runs a streamed invocation, writing frames; the head goes out with the first frame. */
async function streamed(res: http.ServerResponse, request: InvokeRequest, deps: HopEndpointDeps, load: () => string): Promise<void> {
  const head = (): void => {
    if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/x-nimbus-frames', [HOP_LOAD]: load() });
  };
  const sink: ResponseSink = {
    limitBytes: deps.streamLimitBytes,
    begin(contentType) {
      head();
      res.write(frame('B', Buffer.from(contentType)));
    },
    write(chunk) {
      head();
      return res.write(frame('D', chunk));
    },
    onDrain(resume) {
      res.once('drain', resume);
    },
  };
  try {
    const result = await deps.invoke({ ...request, sink });
    head();
    res.end(frame('R', Buffer.from(JSON.stringify({ ...result, payload: result.payload.toString('base64') }))));
  } catch (e) {
    const err = e instanceof NimbusError ? e : new NimbusError('ERR_INTERNAL', e instanceof Error ? e.message : String(e));
    if (!res.headersSent) {
      res.writeHead(500, { [HOP_ERROR]: '1', 'content-type': 'application/json' });
      res.end(errorJson(err));
    } else res.end(frame('E', errorJson(err)));
  }
}
