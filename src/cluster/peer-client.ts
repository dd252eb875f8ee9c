/**
 * Sends an invocation to the peer that runs it, over HTTP/1.1 keep-alive (one pooled agent per
 * process, so a warm hop costs a request on an open socket, no handshake).
 *
 * Failures are split by whether the invocation can have run:
 *  - `NotDelivered`: the connection was never established (refused, unreachable, connect timed
 *    out), or the peer's gateway refused the request because it is stopping. Nothing ran; the
 *    router retries on the next node at once.
 *  - anything after the request went out on a connected socket (reset, timeout, a peer killed
 *    mid-run) is Lambda's `ServiceException` (ERR_NODE_UNAVAILABLE, 502) and is NOT retried: the
 *    function may have run, and Lambda does not retry synchronous invokes either.
 * Errors the peer raised (throttles, unknown function, ...) come back as the same NimbusError.
 */
import http from 'node:http';
import https from 'node:https';
import { NimbusError, type ErrorCode } from '../core/errors.js';
import type { InvokeResult, ResponseSink } from '../invoke/invoker.js';
import { bodyDigest, encodeMeta, FrameReader, HOP_AUTH, HOP_ERROR, HOP_FROM, HOP_LOAD, HOP_META, HOP_PATH, HOP_RESULT, signHop, type HopMeta } from './hop.js';

/** The peer was never reached: nothing ran, another node may take the invocation. */
export class NotDelivered extends Error {
  constructor(
    readonly peer: string,
    why: string,
  ) {
    super(`node ${peer} not reached: ${why}`);
  }
}

/** What a peer says of itself on every reply: in-flight invocations, idle warm sandboxes of the key. */
export interface PeerReport {
  load: number;
  idle: number;
  /** How long the peer spent on the request, ms (the rest of the round trip is the hop). */
  serverMs: number;
}

export interface PeerClientOptions {
  /** This node's id (the hop's sender). */
  self: string;
  /** The cluster's hop key (see hop.ts). */
  key: Buffer;
  /** How long a TCP connect may take before the peer counts as unreachable; default 500 ms. */
  connectTimeoutMs?: number;
  /** Sockets per peer at most; default 512. */
  maxSockets?: number;
}

/** Result fields that travel in HOP_RESULT (the payload is the body). */
type ResultHead = Omit<InvokeResult, 'payload'>;

export class PeerClient {
  private readonly agent: http.Agent;
  private readonly tlsAgent: https.Agent;
  private readonly connectTimeoutMs: number;

  constructor(private readonly opts: PeerClientOptions) {
    // Idle sockets close after 4 s, before the server's 5 s keep-alive timeout closes them under us.
    const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets ?? 512, maxFreeSockets: 64, timeout: 4_000, scheduling: 'lifo' as const };
    this.agent = new http.Agent(agentOpts);
    this.tlsAgent = new https.Agent(agentOpts);
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 500;
  }

  /**
   * Runs `meta` on the peer at `addr` (http://host:port). `deadlineMs`: how long to wait for the
   * whole reply (the function's timeout plus init and margins). A `sink` gets the streamed body.
   */
  invoke(peer: string, addr: string, meta: HopMeta, payload: Buffer, deadlineMs: number, sink?: ResponseSink, report?: (r: PeerReport) => void): Promise<InvokeResult> {
    const metaText = encodeMeta(meta);
    const url = new URL(HOP_PATH, addr);
    const tls = url.protocol === 'https:';
    const headers = {
      'content-type': 'application/octet-stream',
      'content-length': payload.length,
      [HOP_FROM]: this.opts.self,
      [HOP_META]: metaText,
      [HOP_AUTH]: signHop(this.opts.key, this.opts.self, metaText, bodyDigest(payload), Date.now()),
    };
    return new Promise<InvokeResult>((resolve, reject) => {
      let connected = false;
      let settled = false;
      const fail = (e: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(overall);
        req.destroy();
        reject(e);
      };
      const lost = (why: string): Error =>
        connected
          ? new NimbusError('ERR_NODE_UNAVAILABLE', `The node running the invocation (${peer}) failed before it answered: ${why}. The function may have run.`)
          : new NotDelivered(peer, why);
      const req = (tls ? https : http).request(url, { method: 'POST', headers, agent: tls ? this.tlsAgent : this.agent });
      const overall = setTimeout(() => fail(lost(`no reply within ${deadlineMs} ms`)), deadlineMs);
      req.on('socket', (socket) => {
        // A reused keep-alive socket is connected already.
        if (!socket.connecting) {
          connected = true;
          return;
        }
        const t = setTimeout(() => fail(new NotDelivered(peer, `connect timed out after ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
        socket.once(tls ? 'secureConnect' : 'connect', () => {
          connected = true;
          clearTimeout(t);
        });
        socket.once('close', () => clearTimeout(t));
      });
      req.on('error', (e: NodeJS.ErrnoException) => fail(lost(e.code ?? e.message)));
      req.on('response', (res) => {
        const loadHeader = res.headers[HOP_LOAD];
        if (typeof loadHeader === 'string' && report) {
          const [load, idle, serverMs] = loadHeader.split('/').map(Number);
          report({ load: load ?? 0, idle: idle ?? 0, serverMs: serverMs ?? 0 });
        }
        const done = (v: InvokeResult): void => {
          if (settled) return;
          settled = true;
          clearTimeout(overall);
          resolve(v);
        };
        const failed = (e: Error): void => {
          clearTimeout(overall);
          fail(e);
        };
        res.on('error', (e) => failed(lost(e.message)));
        res.on('aborted', () => failed(lost('the reply was cut off')));
        if (res.headers[HOP_ERROR] !== undefined || res.statusCode !== 200) {
          readAll(res, (body) => failed(peerError(peer, res, body)));
          return;
        }
        if (meta.stream && sink) {
          streamInto(res, sink, done, failed, (why) => lost(why));
          return;
        }
        const head = decodeHead(res.headers[HOP_RESULT]);
        readAll(res, (body) => (head ? done({ ...head, payload: body }) : failed(lost('the reply had no result'))));
      });
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
    this.tlsAgent.destroy();
  }
}

function readAll(res: http.IncomingMessage, then: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => then(Buffer.concat(chunks)));
}

function decodeHead(h: string | string[] | undefined): ResultHead | undefined {
  if (typeof h !== 'string') return undefined;
  try {
    return JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as ResultHead;
  } catch {
    return undefined;
  }
}

/** The error a peer answered with: its NimbusError as it was, or (its gateway refusing) what that means here. */
function peerError(peer: string, res: http.IncomingMessage, body: Buffer): Error {
  if (res.headers[HOP_ERROR] !== undefined) {
    try {
      const e = JSON.parse(body.toString('utf8')) as { code: ErrorCode; message: string; extra?: Record<string, unknown> };
      return new NimbusError(e.code, e.message, e.extra ?? {});
    } catch {
      /* fall through */
    }
  }
  // The peer's gateway answered before the hop handler ran: it is stopping (nothing ran), or it refused the hop.
  if (res.statusCode === 503) return new NotDelivered(peer, 'it is shutting down');
  return new NimbusError('ERR_NODE_UNAVAILABLE', `Node ${peer} refused a forwarded invocation (HTTP ${res.statusCode ?? 0}): ${body.toString('utf8').slice(0, 300)}`);
}

/** Streamed replies: frames into the sink, with the sink's backpressure pausing the socket. */
function streamInto(res: http.IncomingMessage, sink: ResponseSink, done: (r: InvokeResult) => void, failed: (e: Error) => void, lost: (why: string) => Error): void {
  const reader = new FrameReader();
  let finished = false;
  res.on('data', (chunk: Buffer) => {
    for (const f of reader.push(chunk)) {
      if (f.type === 'B') sink.begin(f.data.toString('utf8'));
      else if (f.type === 'D') {
        if (!sink.write(Buffer.from(f.data))) {
          res.pause();
          sink.onDrain(() => res.resume());
        }
      } else if (f.type === 'R') {
        finished = true;
        const r = JSON.parse(f.data.toString('utf8')) as ResultHead & { payload: string };
        done({ ...r, payload: Buffer.from(r.payload, 'base64') });
      } else if (f.type === 'E') {
        finished = true;
        const e = JSON.parse(f.data.toString('utf8')) as { code: ErrorCode; message: string; extra?: Record<string, unknown> };
        failed(new NimbusError(e.code, e.message, e.extra ?? {}));
      }
    }
  });
  res.on('end', () => {
    if (!finished) failed(lost('the streamed reply ended without a result'));
  });
}
