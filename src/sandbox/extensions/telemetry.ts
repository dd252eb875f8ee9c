/**
 * The Telemetry API of one sandbox (`PUT /2022-07-01/telemetry`, DG "Lambda Telemetry API
 * reference"): an extension subscribes to `platform`, `function` and `extension` records, and
 * Nimbus POSTs them to its HTTP listener as JSON arrays of `{time, type, record}`, batched by
 * `buffering` (maxItems 1,000-10,000, maxBytes 262,144-1,048,576,  timeoutMs 25-30,000; defaults
 * 1,000 / 262,144 / 1,000 as AWS documents). One batch is in flight per subscriber; a listener
 * that fails loses that batch, never the sandbox.
 *
 * Records emitted during init before anyone subscribed are kept and given to each extension that
 * subscribes during init, so `platform.initStart` reaches subscribers as on AWS.
 */
import http from 'node:http';

export type TelemetryType = 'platform' | 'function' | 'extension';

/** One Telemetry API record. */
export interface TelemetryRecord {
  time: string;
  type: string;
  record: unknown;
}

/** How Nimbus reaches a listener inside the sandbox (`sandbox.localdomain` there). */
export type TelemetryTransport = (uri: URL, body: Buffer) => Promise<void>;

interface Buffering {
  maxItems: number;
  maxBytes: number;
  timeoutMs: number;
}

interface Subscriber {
  extension: string;
  /** `logs`: a Logs API subscriber (2020-08-15), which gets that API's record types. */
  api: 'telemetry' | 'logs';
  uri: URL;
  types: Set<TelemetryType>;
  buffering: Buffering;
  queue: string[];
  bytes: number;
  timer: NodeJS.Timeout | null;
  sending: boolean;
}

/** Waits before each retry of a batch the listener did not take. */
const RETRY_DELAYS_MS = [100, 300, 1000];

const SCHEMA_VERSIONS = new Set(['2022-07-01', '2022-12-13', '2025-01-29']);
/** The Logs API's schema versions; its schemaVersion is optional (DG "Lambda Logs API"). */
const LOGS_SCHEMA_VERSIONS = new Set(['2020-08-15', '2021-03-18']);
const TYPES = new Set<TelemetryType>(['platform', 'function', 'extension']);
/** Records kept for subscribers that are still to come during init. */
const MAX_EARLY = 1_000;

export class TelemetryError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

export class Telemetry {
  private readonly subs: Subscriber[] = [];
  private early: { type: TelemetryType; eventType: string; record: unknown; time: number }[] | null = [];
  private closed = false;

  constructor(private readonly transport: TelemetryTransport) {}

  /** Whether anyone takes records of `type` (callers skip building records nobody reads). */
  wants(type: TelemetryType): boolean {
    if (this.early) return true;
    for (const s of this.subs) if (s.types.has(type)) return true;
    return false;
  }

  /**
   * Validates and adds a subscription of extension `extension` (its registered name). Throws
   * TelemetryError with AWS's status and type for a bad request. A second subscription of the
   * same extension replaces its first.
   */
  subscribe(extension: string, body: unknown, api: 'telemetry' | 'logs' = 'telemetry'): void {
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const bad = (m: string): never => {
      throw new TelemetryError(400, 'ValidationError', m);
    };
    if (api === 'telemetry' && (typeof b['schemaVersion'] !== 'string' || !SCHEMA_VERSIONS.has(b['schemaVersion']))) bad(`schemaVersion must be one of ${[...SCHEMA_VERSIONS].join(', ')}`);
    if (api === 'logs' && b['schemaVersion'] !== undefined && !LOGS_SCHEMA_VERSIONS.has(String(b['schemaVersion']))) bad(`schemaVersion must be one of ${[...LOGS_SCHEMA_VERSIONS].join(', ')}`);
    const d = (b['destination'] ?? {}) as Record<string, unknown>;
    if (d['protocol'] === 'TCP') throw new TelemetryError(400, 'ValidationError', 'Nimbus delivers telemetry over HTTP only; the TCP protocol is not supported');
    if (d['protocol'] !== 'HTTP') bad('destination.protocol must be HTTP or TCP');
    let uri: URL;
    try {
      uri = new URL(String(d['URI']));
    } catch {
      return bad('destination.URI is not a valid URI');
    }
    if (uri.protocol !== 'http:') bad('destination.URI must be an http:// URI');
    if (!['sandbox.localdomain', 'sandbox', 'localhost', '127.0.0.1'].includes(uri.hostname)) bad('destination.URI must name sandbox.localdomain');
    const types = b['types'];
    if (!Array.isArray(types) || types.length === 0 || !types.every((t) => TYPES.has(t as TelemetryType))) bad('types must be a non-empty list of platform, function, extension');
    const buf = (b['buffering'] ?? {}) as Record<string, unknown>;
    const num = (k: string, def: number, min: number, max: number): number => {
      const v = buf[k];
      if (v === undefined) return def;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return bad(`buffering.${k} must be an integer from ${min} to ${max}`);
      return v;
    };
    const buffering = { maxItems: num('maxItems', 1_000, 1_000, 10_000), maxBytes: num('maxBytes', 262_144, 262_144, 1_048_576), timeoutMs: num('timeoutMs', 1_000, 25, 30_000) };
    const prior2 = this.subs.findIndex((s) => s.extension === extension && s.api === api);
    if (prior2 >= 0) this.subs.splice(prior2, 1);
    const sub: Subscriber = { extension, api, uri, types: new Set(types as TelemetryType[]), buffering, queue: [], bytes: 0, timer: null, sending: false };
    this.subs.push(sub);
    for (const e of this.early ?? []) if (sub.types.has(e.type)) this.offer(sub, e.eventType, e.record, e.time);
    this.emit('platform', api === 'logs' ? 'platform.logsSubscription' : 'platform.telemetrySubscription', { name: extension, state: 'Subscribed', types: [...sub.types] });
  }

  /** Init is over: records no longer wait for subscribers to come. */
  endInit(): void {
    this.early = null;
  }

  emit(type: TelemetryType, eventType: string, record: unknown, time = Date.now()): void {
    if (this.closed) return;
    if (this.early && this.early.length < MAX_EARLY) this.early.push({ type, eventType, record, time });
    for (const s of this.subs) if (s.types.has(type)) this.offer(s, eventType, record, time);
  }

  /** Queues a record for `s`, in its API's shape: the Logs API knows fewer platform events. */
  private offer(s: Subscriber, eventType: string, record: unknown, time: number): void {
    const iso = new Date(time).toISOString();
    const line = (type: string, r: unknown): string => JSON.stringify({ time: iso, type, record: r } satisfies TelemetryRecord);
    if (s.api === 'telemetry') {
      if (eventType === 'platform.logsSubscription') return;
      return this.enqueue(s, line(eventType, record));
    }
    if (eventType === 'platform.runtimeDone') {
      // The Logs API ends an invocation with platform.end (and, since 2021-03-18, runtimeDone).
      this.enqueue(s, line('platform.runtimeDone', record));
      return this.enqueue(s, line('platform.end', { requestId: (record as { requestId?: string }).requestId }));
    }
    if (eventType.startsWith('platform.init') || eventType === 'platform.telemetrySubscription') return;
    this.enqueue(s, line(eventType, record));
  }

  /** Each line of `text` as a `function` or `extension` record. */
  lines(type: 'function' | 'extension', text: string): void {
    if (!this.wants(type)) return;
    const now = Date.now();
    for (const l of text.split('\n')) if (l !== '') this.emit(type, type, l, now);
  }

  /** Sends every buffered batch now (shutdown); resolves when they are answered or failed. */
  async flush(): Promise<void> {
    await Promise.all(this.subs.map((s) => this.send(s)));
  }

  close(): void {
    this.closed = true;
    for (const s of this.subs) if (s.timer) clearTimeout(s.timer);
    this.subs.length = 0;
    this.early = null;
  }

  private enqueue(s: Subscriber, line: string): void {
    s.queue.push(line);
    s.bytes += line.length;
    if (s.queue.length >= s.buffering.maxItems || s.bytes >= s.buffering.maxBytes) void this.send(s);
    else s.timer ??= setTimeout(() => void this.send(s), s.buffering.timeoutMs);
  }

  private async send(s: Subscriber): Promise<void> {
    if (s.timer) clearTimeout(s.timer);
    s.timer = null;
    if (s.sending || s.queue.length === 0 || this.closed) return;
    const batch = s.queue.splice(0, s.buffering.maxItems);
    s.bytes = s.queue.reduce((n, l) => n + l.length, 0);
    s.sending = true;
    const body = Buffer.from(`[${batch.join(',')}]`);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.transport(s.uri, body);
          break;
        } catch {
          // The listener is the extension's, and may not answer yet (a namespace sandbox's forwarder
          // starts with the subscription): retry a few times, then drop the batch, as AWS does
          // after its retries.
          if (attempt >= RETRY_DELAYS_MS.length || this.closed) break;
          await new Promise<void>((r) => setTimeout(r, RETRY_DELAYS_MS[attempt]).unref());
        }
      }
    } finally {
      s.sending = false;
    }
    if (s.queue.length > 0) await this.send(s);
  }
}

/** The request options that reach `uri` on loopback, with the Host header the extension expects. */
export function loopbackRequest(uri: URL, body: Buffer): http.RequestOptions {
  return {
    host: '127.0.0.1',
    port: Number(uri.port || 80),
    path: `${uri.pathname}${uri.search}`,
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Content-Length': body.length, Host: uri.host },
  };
}

/** Delivers a batch to a listener on this host's loopback (process isolation: no network of its own). */
export const loopbackTransport: TelemetryTransport = (uri, body) => post(loopbackRequest(uri, body), body);

/** POSTs `body` and resolves when the listener answered 2xx; rejects otherwise. */
export function post(options: http.RequestOptions, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ ...options, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('telemetry listener timed out')));
    req.on('error', reject);
    req.end(body);
  });
}
