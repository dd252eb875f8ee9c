/**
 * Cluster membership on etcd (docs/cluster.md). Each node keeps `/nimbus/nodes/<id>` = its
 * address under an etcd lease (TTL a few seconds, kept alive by etcd3): when the node dies or
 * stalls, etcd deletes the key one TTL later, and every other node sees it in its watch.
 *
 * The lease id is the node's fencing epoch: queue claims carry it and acknowledgements must match
 * it (src/queue/pg-queue.ts). A node whose lease was lost (it was paused past the TTL, or cut off
 * from etcd) is *fenced*: it must stop claiming, and its acks of older claims fail on the epoch;
 * it rejoins under a new lease, hence a new epoch.
 *
 * One node is elected reaper (an etcd election): when a node's key disappears, the reaper
 * releases that node's running async events so that they are redelivered at once.
 */
import { randomBytes } from 'node:crypto';
import { Etcd3, type Campaign, type Lease, type Watcher } from 'etcd3';

export interface NodeInfo {
  id: string;
  /** Where peers reach it: http://host:port */
  addr: string;
}

export interface MembershipOptions {
  /** etcd endpoints, comma-separated: http://host:2379 */
  etcd: string;
  nodeId: string;
  addr: string;
  /** Lease TTL in seconds (failure detection takes about this long). */
  ttlSeconds?: number;
  /**
   * Called on the reaper when a node left (its lease expired or it stopped), and when this node
   * becomes reaper (nodes may have died while no one was): release the work of every node that
   * is not in `live`.
   */
  onNodeGone?: (gone: string | undefined, live: string[]) => Promise<void>;
  log?: (line: string) => void;
}

const PREFIX = '/nimbus/nodes/';
const ELECTION = 'nimbus-reaper';

export class Membership {
  private readonly client: Etcd3;
  private lease: Lease | null = null;
  private watcher: Watcher | null = null;
  private campaignHandle: Campaign | null = null;
  private readonly nodes = new Map<string, NodeInfo>();
  private currentEpoch = '';
  private fencedNow = true;
  private reaper = false;
  private closed = false;
  private readonly listeners = new Set<() => void>();

  private constructor(private readonly opts: MembershipOptions) {
    this.client = new Etcd3({ hosts: opts.etcd.split(',').map((h) => h.trim()) });
  }

  /** Registers this node, loads and watches the others, and campaigns for reaper. */
  static async join(opts: MembershipOptions): Promise<Membership> {
    const m = new Membership(opts);
    await m.register();
    await m.watch();
    m.campaign();
    return m;
  }

  /** The fencing epoch of this node's current registration (its etcd lease id). */
  get epoch(): string {
    return this.currentEpoch;
  }

  /** True while this node has no live lease: it must not claim or acknowledge. */
  get fenced(): boolean {
    return this.fencedNow;
  }

  get isReaper(): boolean {
    return this.reaper;
  }

  get self(): NodeInfo {
    return { id: this.opts.nodeId, addr: this.opts.addr };
  }

  /** Live nodes (this one included while it is registered), by id. */
  live(): NodeInfo[] {
    return [...this.nodes.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  onChange(f: () => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  private changed(): void {
    for (const f of this.listeners) f();
  }

  private async register(): Promise<void> {
    const lease = this.client.lease(this.opts.ttlSeconds ?? 5);
    lease.on('lost', () => {
      // Paused or cut off past the TTL: fenced until a new lease (a new epoch) is granted.
      this.fencedNow = true;
      this.opts.log?.(`cluster: node ${this.opts.nodeId} lost its etcd lease; fenced, rejoining`);
      if (!this.closed) void this.rejoin();
    });
    const id = await lease.grant();
    await lease.put(PREFIX + this.opts.nodeId).value(this.opts.addr);
    this.lease = lease;
    this.currentEpoch = id;
    this.fencedNow = false;
  }

  private async rejoin(): Promise<void> {
    for (let delay = 200; !this.closed; delay = Math.min(delay * 2, 2000)) {
      try {
        await this.register();
        this.opts.log?.(`cluster: node ${this.opts.nodeId} rejoined under epoch ${this.currentEpoch}`);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async watch(): Promise<void> {
    // The watch starts right after the revision the listing read: a node that joins or leaves
    // between the two is then seen in the watch (without it, it was missed until its next change).
    const all = await this.client.getAll().prefix(PREFIX).exec();
    for (const kv of all.kvs) {
      const id = kv.key.toString().slice(PREFIX.length);
      this.nodes.set(id, { id, addr: kv.value.toString() });
    }
    this.changed();
    const w = await this.client.watch().prefix(PREFIX).startRevision(String(BigInt(all.header.revision) + 1n)).create();
    w.on('put', (kv) => {
      const id = kv.key.toString().slice(PREFIX.length);
      this.nodes.set(id, { id, addr: kv.value.toString() });
      this.changed();
    });
    w.on('delete', (kv) => {
      const id = kv.key.toString().slice(PREFIX.length);
      this.nodes.delete(id);
      this.changed();
      if (this.reaper && id !== this.opts.nodeId) this.reap(id);
    });
    // etcd3 re-establishes watches itself; errors are only logged.
    w.on('error', (e) => this.opts.log?.(`cluster: membership watch: ${e.message}`));
    this.watcher = w;
  }

  private reap(gone: string | undefined): void {
    const live = [...this.nodes.keys()];
    if (!live.includes(this.opts.nodeId)) live.push(this.opts.nodeId);
    this.opts.onNodeGone?.(gone, live).catch((e: unknown) => this.opts.log?.(`cluster: cannot release the work of nodes that left: ${(e as Error).message}`));
  }

  private campaign(): void {
    if (this.closed) return;
    const c = this.client.election(ELECTION, this.opts.ttlSeconds ?? 5).campaign(this.opts.nodeId);
    this.campaignHandle = c;
    c.on('elected', () => {
      this.reaper = true;
      this.opts.log?.(`cluster: node ${this.opts.nodeId} is the reaper`);
      // Nodes that died while no one was reaper (the last reaper among them): their keys are gone
      // and no delete will come again, but their events may still be leased.
      this.reap(undefined);
    });
    c.on('error', () => {
      this.reaper = false;
      if (!this.closed) setTimeout(() => this.campaign(), 1000).unref();
    });
  }

  /**
   * A random secret every node of the cluster shares (the forwarding hop's HMAC key, hop.ts):
   * the first node to ask creates it in etcd with a create-if-absent transaction, the others read
   * that one. Whoever can read etcd can read it, as they could already rewrite membership.
   */
  async sharedSecret(name: string): Promise<Buffer> {
    const key = `/nimbus/secrets/${name}`;
    const fresh = randomBytes(32).toString('base64');
    await this.client.if(key, 'Create', '==', 0).then(this.client.put(key).value(fresh)).commit();
    const v = await this.client.get(key).string();
    if (!v) throw new Error(`etcd holds no ${key}`);
    return Buffer.from(v, 'base64');
  }

  /** Leaves the cluster: the key goes at once (a clean stop needs no TTL to be noticed). */
  async close(): Promise<void> {
    this.closed = true;
    await this.campaignHandle?.resign().catch(() => undefined);
    await this.watcher?.cancel().catch(() => undefined);
    await this.lease?.revoke().catch(() => undefined);
    this.client.close();
  }
}
