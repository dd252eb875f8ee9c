/**
 * The cluster half of the composition root (docs/cluster.md): everything only a cluster node
 * constructs. Its stores are in PostgreSQL (functions, accounts, code packages, the async queue,
 * SQS, EventBridge, SNS), its membership in etcd; sync invocations go to their home node, each
 * node enforces its slice of the concurrency limits, and forwarded invocations arrive through a
 * signed hop. Only app.ts calls it, and only for `--cluster`: it is loaded with a dynamic import,
 * so a single node never loads the PostgreSQL and etcd clients (a tenth of a second of start-up).
 */
import { hostname } from 'node:os';
import { PgAccountStore } from './accounts/pg-store.js';
import type { AccountStore } from './accounts/store.js';
import type { SecretBox as AuthSecretBox } from './accounts/secret-box.js';
import type { ConcurrencyService } from './api/concurrency/reserved.js';
import type { FunctionService } from './api/functions/service.js';
import type { Gateway } from './api/http/server.js';
import type { RouteService } from './api/http-routes/service.js';
import { DEFAULT_STEAL_AFTER_MS } from './cluster/claim.js';
import { hopHook } from './cluster/hop-endpoint.js';
import type { Membership } from './cluster/membership.js';
import { PeerClient } from './cluster/peer-client.js';
import { ConcurrencySlices, type SliceTarget } from './cluster/slices.js';
import { routedInvoker, SyncRouter } from './cluster/sync-router.js';
import { WarmTracker } from './cluster/warm.js';
import type { Clock } from './core/clock.js';
import { messageOf } from './core/errors.js';
import { PgEventBridgeStore } from './eventbridge/pg-store.js';
import type { Invoker, InvokeRequest, InvokeResult } from './invoke/invoker.js';
import type { Metrics } from './metrics/metrics.js';
import { PgQueue } from './queue/pg-queue.js';
import type { SecretBox } from './secrets/secret-box.js';
import { PgSnsStore } from './sns/pg-store.js';
import { PgSqsBackend } from './sqs/pg/engine.js';
import { PgBlobSource } from './store/pg-blob-source.js';
import { PgStore } from './store/pg/store.js';

/** How often a cluster node looks for due events that other nodes enqueued. */
const CLUSTER_POLL_MS = 250;
/** How often a cluster node settles event-source mappings changed through other nodes. */
const CLUSTER_MAPPING_SYNC_MS = 2000;

export interface ClusterOptions {
  /** postgres://user@host:port/db */
  postgres: string;
  /** etcd endpoints, comma-separated. */
  etcd: string;
  /** This node's id (default: host name and process id). */
  nodeId?: string;
  /** etcd lease TTL in seconds (default 5): failure detection takes about this long. */
  ttlSeconds?: number;
  /** The key forwarded invocations are signed with (every node the same); default one made once in etcd. */
  hopKey?: string;
}

/** What the rest of the composition root needs from a cluster node, in the order it needs it. */
export interface ClusterNode {
  nodeId: string;
  store: PgStore;
  accounts: AccountStore;
  blobs: PgBlobSource;
  queue: PgQueue;
  sqs: PgSqsBackend;
  eventBridge: PgEventBridgeStore;
  sns: PgSnsStore;
  /** Each node enforces its slice of the account's and functions' limits (cluster/slices.ts). */
  slices(accountLimit: number, limiter: SliceTarget): ConcurrencySlices;
  /** Invocations run on this node (tracked as warm here), and the API's: sent to their home node. */
  invokers(invoker: Invoker): { runHere: (req: InvokeRequest) => Promise<InvokeResult>; api: Invoker };
  /** Once the services exist: other nodes' changes drop what this one holds; the hop and stats endpoints. */
  attach(d: { gateway: Gateway; functions: FunctionService; invoker: Invoker; metrics: Metrics; routes: RouteService; concurrency: ConcurrencyService }): void;
  /** Once listening at `url`: joins the membership; polls the shared queue and the mappings. */
  join(url: string, d: { wake: () => void; resyncMappings: () => Promise<void> }): Promise<void>;
  /** Stops settling mappings made elsewhere (before the mapping runner stops). */
  stopMappingSync(): void;
  /** Leaves the membership and closes the peer connections (the stores close with their services). */
  close(): Promise<void>;
}

/** Opens a cluster node's PostgreSQL stores; the rest is wired as the composition root reaches it. */
export async function wireCluster(
  cluster: ClusterOptions,
  d: { box: SecretBox; keyBox: AuthSecretBox; clock: Clock; log: (line: string) => void },
): Promise<ClusterNode> {
  const { clock, log } = d;
  const url = cluster.postgres;
  // The store in the cluster's PostgreSQL (src/store/pg, own schema): every node sees the same functions.
  const store = new PgStore({ url, sealer: d.box });
  await store.open();
  const accounts = await PgAccountStore.open({ url, box: d.keyBox });
  // The code directory is a cache of the packages in PostgreSQL.
  const blobs = await PgBlobSource.open({ url });
  const nodeId = cluster.nodeId ?? `${hostname()}-${process.pid}`;
  let membership: Membership | undefined;
  // What runs on this node, for sync routing and warm-preferring claims (cluster/warm.ts).
  const warm = new WarmTracker(() => clock.now());
  // The async queue: shared, leased under this node's id and fenced by its etcd lease (membership joins once the port is known).
  const queue = new PgQueue({
    url,
    owner: nodeId,
    epoch: () => membership?.epoch ?? '0',
    canClaim: () => membership !== undefined && !membership.fenced,
    prefer: () => (membership ? { warm: [...warm.warmFunctions().keys()], stealAfterMs: membership.live().length > 1 ? DEFAULT_STEAL_AFTER_MS : 0 } : undefined),
  });
  await queue.open();
  const sqs = await PgSqsBackend.open({ url, clock, log });
  const eventBridge = await PgEventBridgeStore.open({ url });
  const sns = await PgSnsStore.open({ url });

  let slices: ConcurrencySlices | undefined;
  let router: SyncRouter | undefined;
  let runHere: ((req: InvokeRequest) => Promise<InvokeResult>) | undefined;
  let hopKey: Buffer | undefined;
  let peers: PeerClient | undefined;
  let poll: NodeJS.Timeout | undefined;
  let mappingSync: NodeJS.Timeout | undefined;
  return {
    nodeId,
    store,
    accounts,
    blobs,
    queue,
    sqs,
    eventBridge,
    sns,
    slices(accountLimit, limiter) {
      slices = new ConcurrencySlices(nodeId, accountLimit, limiter);
      return slices;
    },
    invokers(invoker) {
      const here = (req: InvokeRequest): Promise<InvokeResult> => warm.run(req.fn, () => invoker.invoke(req));
      runHere = here;
      // The router starts with the membership; until then everything runs here.
      return { runHere: here, api: routedInvoker(invoker, (req) => (router ? router.invoke(req) : here(req))) };
    },
    attach({ gateway, functions, invoker, metrics, routes, concurrency }) {
      // A cluster node drops what it holds in memory when another node changes it.
      store.onChange((what) => {
        if (what !== 'concurrency') routes.forget();
        if (what !== 'routes') {
          void (async (): Promise<void> => await concurrency.reload((await accounts.listAccounts()).map((a) => a.accountId)))().catch((e: unknown) =>
            log(`cluster: reloading reserved concurrency failed: ${messageOf(e)}`),
          );
        }
      });
      gateway.hook(
        'before',
        hopHook({
          key: () => hopKey,
          resolve: async (scope, name, version) => (await functions.resolve(scope, name, version)).fn,
          invoke: (req) => runHere!(req),
          report: (key) => ({ load: warm.load(), idle: warm.idle(key) }),
          streamLimitBytes: invoker.streamLimitBytes,
        }),
      );
      gateway.hook('before', clusterStatsHook(() => ({ node: nodeId, live: membership?.live() ?? [], router: router && { ...router.stats, hopMs: undefined }, hopP50Ms: router?.hopP50(), load: warm.load(), functions: metrics.stats() })));
    },
    async join(addr, { wake, resyncMappings }) {
      // Loaded only here: the etcd client (gRPC, protobufjs) costs ~0.1 s of start-up.
      const { Membership } = await import('./cluster/membership.js');
      membership = await Membership.join({
        etcd: cluster.etcd,
        nodeId,
        addr,
        ttlSeconds: cluster.ttlSeconds ?? 5,
        log,
        // The reaper: a dead node's running events are redelivered now, not when their leases run out.
        onNodeGone: async (gone, live) => {
          const n = await queue.releaseExcept(live, clock.now());
          if (n > 0) log(`cluster: ${n} event(s) of node(s) that left${gone ? ` (${gone})` : ''} released for redelivery`);
          wake();
        },
      });
      hopKey = cluster.hopKey !== undefined ? Buffer.from(cluster.hopKey) : await membership.sharedSecret('hop-key');
      peers = new PeerClient({ self: nodeId, key: hopKey });
      const m = membership;
      const r = new SyncRouter({ self: nodeId, live: () => m.live(), client: peers, local: runHere!, warm, log });
      const membersChanged = (): void => {
        r.membershipChanged();
        slices?.setLive(m.live().map((n) => n.id));
      };
      m.onChange(membersChanged);
      membersChanged();
      router = r;
      // Other nodes' enqueues do not wake this dispatcher: it polls the shared queue.
      poll = setInterval(wake, CLUSTER_POLL_MS);
      poll.unref();
      // Event-source mappings made through other nodes start polling here too (all nodes poll a
      // queue; SQS hands each message to one receiver at a time).
      mappingSync = setInterval(() => void resyncMappings().catch((e: unknown) => log(`esm resync: ${messageOf(e)}`)), CLUSTER_MAPPING_SYNC_MS);
      mappingSync.unref();
    },
    stopMappingSync() {
      clearInterval(mappingSync);
    },
    async close() {
      clearInterval(mappingSync);
      clearInterval(poll);
      await membership?.close();
      peers?.close();
    },
  };
}

/** GET /nimbus/v1/cluster: this node's view of the cluster and its routing figures (the bench reads them). */
function clusterStatsHook(stats: () => unknown): (req: { method?: string | undefined }, path: string) => { handler: () => { status: number; body: unknown }; params: Record<string, string>; api: true } | undefined {
  const handler = (): { status: number; body: unknown } => ({ status: 200, body: stats() });
  return (req, path) => (path === '/nimbus/v1/cluster' && req.method === 'GET' ? { handler, params: {}, api: true } : undefined);
}
