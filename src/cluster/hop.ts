/**
 * The forwarding hop between cluster nodes (docs/cluster.md, "Sync routing"): what a gateway sends
 * to the node that runs an invocation, and how that node knows the request came from a peer.
 *
 * A forwarded invocation is not re-signed with SigV4: the gateway already authenticated and
 * authorised the caller and resolved the alias. It goes to `HOP_PATH`, a path the SigV4 check does
 * not cover, and carries an HMAC-SHA256 over the invocation's description, the body's SHA-256 and
 * a timestamp, under a key every node of the cluster shares (created once in etcd, or given by the
 * operator). A client that does not hold the key cannot make a valid token, so it cannot reach
 * the hop path, and the hop header on ordinary API paths means nothing: they always route. A hop
 * request always runs where it lands, so nothing is forwarded twice.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Where peers send invocations. Outside the Lambda API's paths; the gateway's SigV4 check does not apply to it. */
export const HOP_PATH = '/nimbus/v1/internal/invoke';
/** The forwarding node's id. */
export const HOP_FROM = 'x-nimbus-hop';
/** `<ms timestamp>.<hex HMAC>` */
export const HOP_AUTH = 'x-nimbus-hop-auth';
/** The invocation's description (HopMeta), base64url JSON. */
export const HOP_META = 'x-nimbus-invoke';
/** On replies: the result's description (everything but the payload), base64url JSON. */
export const HOP_RESULT = 'x-nimbus-result';
/** On replies: set when the body is a NimbusError ({code, message, extra}) rather than a result. */
export const HOP_ERROR = 'x-nimbus-error';
/** On replies: the node's in-flight invocations and its idle warm sandboxes of the key, `load/idle`. */
export const HOP_LOAD = 'x-nimbus-load';

/** How far apart two nodes' clocks and a request's age may be before a token is refused. */
export const HOP_SKEW_MS = 5 * 60_000;

/** What the running node needs to run a forwarded invocation (the gateway resolved the alias). */
export interface HopMeta {
  accountId: string;
  region: string;
  name: string;
  /** The resolved version (`$LATEST` or a number). */
  version: string;
  /** The qualifier the caller used (an alias name), which the invoked ARN carries. */
  qualifier?: string | undefined;
  tailLogs: boolean;
  clientContext?: string | undefined;
  traceId?: string | undefined;
  requestId?: string | undefined;
  tenantId?: string | undefined;
  /** The response is streamed (InvokeWithResponseStream, RESPONSE_STREAM URLs): the reply is framed. */
  stream?: boolean | undefined;
}

export const encodeMeta = (m: HopMeta): string => Buffer.from(JSON.stringify(m)).toString('base64url');

export function decodeMeta(s: string): HopMeta | undefined {
  try {
    const m = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as HopMeta;
    return typeof m.accountId === 'string' && typeof m.region === 'string' && typeof m.name === 'string' && typeof m.version === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

export const bodyDigest = (body: Buffer): string => createHash('sha256').update(body).digest('hex');

function mac(key: Buffer, at: number, from: string, meta: string, digest: string): string {
  return createHmac('sha256', key).update(`${at}\n${from}\n${meta}\n${digest}`).digest('hex');
}

/** The token for a hop sent at `now`. */
export function signHop(key: Buffer, from: string, meta: string, digest: string, now: number): string {
  return `${now}.${mac(key, now, from, meta, digest)}`;
}

/** True when `token` was made with `key` for exactly this hop, within HOP_SKEW_MS of `now`. */
export function verifyHop(key: Buffer, from: string, meta: string, digest: string, token: string, now: number): boolean {
  const dot = token.indexOf('.');
  if (dot <= 0) return false;
  const at = Number(token.slice(0, dot));
  if (!Number.isSafeInteger(at) || Math.abs(now - at) > HOP_SKEW_MS) return false;
  const want = Buffer.from(mac(key, at, from, meta, digest), 'hex');
  const got = Buffer.from(token.slice(dot + 1), 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * Streamed replies are frames: one type byte, a 4-byte big-endian length, the data.
 * `B` the content type (begin), `D` a body chunk, `R` the result (JSON), `E` an error (JSON).
 */
export type FrameType = 'B' | 'D' | 'R' | 'E';

export function frame(type: FrameType, data: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(data.length, 1);
  return Buffer.concat([head, data]);
}

/** Reassembles frames from a byte stream (chunks split anywhere). */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  /** Adds bytes; returns the complete frames they finish. */
  push(chunk: Buffer): { type: FrameType; data: Buffer }[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: { type: FrameType; data: Buffer }[] = [];
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32BE(1);
      if (this.buf.length < 5 + len) break;
      out.push({ type: this.buf.toString('latin1', 0, 1) as FrameType, data: this.buf.subarray(5, 5 + len) });
      this.buf = this.buf.subarray(5 + len);
    }
    return out;
  }

  /** Bytes of an unfinished frame. */
  get pending(): number {
    return this.buf.length;
  }
}
