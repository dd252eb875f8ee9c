/**
 * One LISTEN connection per store (the function store, the account store), for what other nodes
 * change: PostgreSQL delivers a
 * notification at the commit of the transaction that sent it. Subscribers hear each notification
 * of their channel, and `reset` whenever notifications may have been lost (the connection failed:
 * from then until it listens again) and when listening (re)starts.
 *
 * A connection can also go quiet without failing (a partition, a stalled server): the listener
 * pings on it, and one ping unanswered for PING_TIMEOUT_MS counts as a failure. A ping answered
 * also means that whatever was notified before it was sent has arrived (PostgreSQL delivers
 * notifications on the connection before the answers that follow them), so no notification is
 * missed by more than about PING_MS + PING_TIMEOUT_MS without the listener knowing. `heardAt`
 * says more precisely how current the listener is: every notification committed before that
 * moment has been delivered (a cache with a staleness bound checks it, src/accounts/pg-store.ts).
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';

/** The listening connections' application_name (pg_stat_activity shows it). */
export const LISTENER_NAME = 'nimbus-store-listener';
const RECONNECT_MS = 1_000;
const PING_MS = 1_000;
const PING_TIMEOUT_MS = 2_000;

export interface ListenerEvents {
  notice(channel: string, payload: string): void;
  /** Listening stopped (`live` false) or (re)started (`live` true): anything may have changed meanwhile. */
  reset(live: boolean): void;
}

export interface ListenerOptions {
  /** How often to ping the listening connection (ms; default 1,000). */
  pingMs?: number;
  /** The connection's application_name (default LISTENER_NAME). */
  applicationName?: string;
}

export class StoreListener {
  private client: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private ping: NodeJS.Timeout | undefined;
  private readonly subscribers: ListenerEvents[] = [];
  /** Whether notifications are arriving (the connection listens). */
  live = false;
  /**
   * Monotonic time (performance.now()) by which every notification committed earlier has been
   * delivered: when the last answered ping (or the LISTEN) was sent. -Infinity while not live.
   */
  heardAt = -Infinity;
  private readonly pingMs: number;
  private readonly applicationName: string;

  constructor(
    private readonly url: string,
    /** Channel names go into SQL text: plain identifiers only (schema.ts's constants). */
    private readonly channels: readonly string[],
    o: ListenerOptions = {},
  ) {
    this.pingMs = o.pingMs ?? PING_MS;
    this.applicationName = o.applicationName ?? LISTENER_NAME;
  }

  subscribe(s: ListenerEvents): void {
    this.subscribers.push(s);
  }

  /** Connects and listens; resolves once listening (a failure retries in the background, and rejects). */
  async start(): Promise<void> {
    if (this.closed || this.client) return;
    const client = new pg.Client({ connectionString: this.url, keepAlive: true, connectionTimeoutMillis: 5_000, application_name: this.applicationName });
    this.client = client;
    const down = (): void => {
      if (this.client !== client) return;
      this.client = undefined;
      clearInterval(this.ping);
      this.setLive(false);
      client.end().catch(() => undefined);
      if (!this.closed) this.retry = setTimeout(() => void this.start().catch(() => undefined), RECONNECT_MS).unref();
    };
    client.on('error', down);
    client.on('end', down);
    client.on('notification', (n) => {
      for (const s of this.subscribers) s.notice(n.channel, n.payload ?? '');
    });
    let listenedAt = 0;
    try {
      await client.connect();
      listenedAt = performance.now();
      for (const ch of this.channels) await client.query(`LISTEN ${ch}`);
    } catch (e) {
      down();
      throw e;
    }
    if (this.client !== client) return;
    let sentAt = 0;
    this.ping = setInterval(() => {
      if (sentAt === 0) {
        const sent = (sentAt = performance.now());
        client.query('SELECT 1').then(() => {
          sentAt = 0;
          if (this.client === client) this.heardAt = sent;
        }, down);
      } else if (performance.now() - sentAt > PING_TIMEOUT_MS) down();
    }, this.pingMs).unref();
    this.setLive(true);
    this.heardAt = listenedAt;
  }

  private setLive(live: boolean): void {
    if (!live) this.heardAt = -Infinity;
    if (!live && !this.live) return;
    this.live = live;
    for (const s of this.subscribers) s.reset(live);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.live = false;
    this.heardAt = -Infinity;
    clearTimeout(this.retry);
    clearInterval(this.ping);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}
