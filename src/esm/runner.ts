/**
 * The mappings' state machine: it brings each stored mapping to the state its settings ask for,
 * running one poller per enabled mapping. The API (src/api/esm) writes what the user asked for
 * with Lambda's transitional state - `Creating`, `Enabling`, `Updating`, `Disabling`,
 * `Deleting` - and tells the runner; the runner starts, restarts or stops the poller and then
 * writes the settled state (`Enabled`, `Disabled`) or removes a deleted mapping, as Lambda does a
 * moment after its 202 (recorded: Create answers `Creating`, a later Get `Enabled`).
 *
 *   Creating/Enabling/Updating --(poller started)--> Enabled
 *   Disabling/Updating(disabled) --(poller stopped)--> Disabled
 *   Deleting --(poller stopped)--> removed
 *
 * Mappings survive restarts: at start every stored mapping is settled again, so an enabled one
 * polls at once and one left mid-transition by a crash finishes it. One mapping is settled at a
 * time (a chain per UUID); if the user changed it while the runner was stopping a poller, it
 * settles again from the new settings instead of overwriting them.
 */
import type { Clock } from '../core/clock.js';
import { compileFilterCriteria, type CompiledFilterCriteria, type FilterCriteria } from '../events/filter-criteria.js';
import type { EventSourceMappingRecord, MappingState } from '../store/records.js';
import type { EventSourceMappingStore } from '../store/types.js';
import { Poller } from './poller.js';
import type { MappingStats, StatsSnapshot } from './stats.js';
import { StreamPoller } from './stream-poller.js';
import type { BatchInvoker, MappingSpec, SourceKind, SourceLag, StreamSettings } from './types.js';

/** A queue's poller or a stream's: what the runner needs of either. */
interface Running {
  readonly stats: MappingStats;
  /** A stream poller's starting position is resolved (a LATEST checkpoint stored). */
  readonly ready?: Promise<void>;
  start(): void;
  stop(): Promise<void>;
  lag(): Promise<SourceLag | undefined>;
}

/** Concurrent batches per mapping without ScalingConfig: Lambda starts five ("Scaling and processing"). */
export const DEFAULT_CONCURRENCY = 5;

export interface RunnerDeps {
  store: EventSourceMappingStore;
  kinds: readonly SourceKind[];
  invoke: BatchInvoker;
  clock: Clock;
  log: (line: string) => void;
  /** Delivers a stream mapping's failure record to its OnFailure destination (an SQS queue or SNS topic ARN). */
  sendFailure?: (destinationArn: string, body: string) => Promise<void>;
}

export interface MappingStatus {
  stats: StatsSnapshot;
  lag: SourceLag | undefined;
}

export class MappingRunner {
  private readonly pollers = new Map<string, { poller: Running; signature: string }>();
  private readonly chains = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly deps: RunnerDeps) {}

  /** Settles every stored mapping (after a start or a restart). */
  async start(): Promise<void> {
    for (const m of await this.deps.store.all()) this.changed(m.uuid);
  }

  /** The mapping was created, updated or deleted: settle it (after the API has answered). */
  changed(uuid: string): void {
    if (this.stopped) return;
    const prev = this.chains.get(uuid) ?? Promise.resolve();
    const next = prev
      .then(() => this.settle(uuid))
      .catch((e: unknown) => this.deps.log(`esm ${uuid}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`))
      .finally(() => {
        if (this.chains.get(uuid) === next) this.chains.delete(uuid);
      });
    this.chains.set(uuid, next);
  }

  /**
   * Settles every mapping in the store and every running poller again. A cluster node calls this
   * periodically: a mapping created, changed or deleted through another node reaches this node's
   * runner only through the shared store. Settling an unchanged mapping writes nothing.
   */
  async resync(): Promise<void> {
    if (this.stopped) return;
    const uuids = new Set([...(await this.deps.store.all()).map((m) => m.uuid), ...this.pollers.keys()]);
    for (const uuid of uuids) if (!this.chains.has(uuid)) this.changed(uuid);
  }

  /** Resolves once every pending transition has settled (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.allSettled([...this.chains.values()]);
  }

  async status(uuid: string): Promise<MappingStatus | undefined> {
    const p = this.pollers.get(uuid)?.poller;
    return p && { stats: p.stats.snapshot(), lag: await p.lag() };
  }

  /** Stops every poller; batches in progress finish first. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
    await Promise.allSettled([...this.pollers.keys()].map((uuid) => this.stopPoller(uuid)));
  }

  private async settle(uuid: string): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const m = await this.deps.store.get(uuid);
      if (!m) return this.stopPoller(uuid);
      let target: MappingState | 'removed';
      if (m.state === 'Deleting') {
        await this.stopPoller(uuid);
        target = 'removed';
      } else if (m.state === 'Disabling' || m.state === 'Disabled' || !m.enabled) {
        await this.stopPoller(uuid);
        target = 'Disabled';
      } else {
        await this.ensurePoller(m);
        target = 'Enabled';
      }
      const fresh = await this.deps.store.get(uuid);
      if (!fresh) return this.stopPoller(uuid);
      // Changed while the poller was stopping: settle from the new settings.
      if (fresh.state !== m.state || fresh.lastModified !== m.lastModified) continue;
      if (target === 'removed') {
        await this.deps.store.delete(uuid);
        return;
      }
      if (fresh.state !== target) await this.deps.store.put({ ...fresh, state: target, lastModified: this.deps.clock.now() });
      return;
    }
  }

  private async ensurePoller(m: EventSourceMappingRecord): Promise<void> {
    const spec = specOf(m, this.deps.log);
    const signature = JSON.stringify({ ...spec, filter: m.filterCriteria ?? null });
    const running = this.pollers.get(m.uuid);
    if (running?.signature === signature) return;
    if (running) await this.stopPoller(m.uuid);
    const kind = this.deps.kinds.find((k) => k.accepts(m.eventSourceArn));
    if (!kind) {
      this.deps.log(`esm ${m.uuid}: no source kind reads ${m.eventSourceArn}`);
      return;
    }
    let ordered = false;
    try {
      ordered = await kind.ordered(m.eventSourceArn, m);
    } catch (e) {
      this.deps.log(`esm ${m.uuid}: ${(e as Error).message}`);
    }
    const poller: Running = kind.openStream
      ? new StreamPoller(spec, kind.openStream(spec), {
          invoke: this.deps.invoke,
          clock: this.deps.clock,
          log: this.deps.log,
          sendFailure: this.deps.sendFailure ?? (async () => Promise.reject(new Error('no destination delivery configured'))),
          onResult: (r) => this.lastResult(m.uuid, r),
        })
      : new Poller(spec, kind.open(spec), ordered, { invoke: this.deps.invoke, clock: this.deps.clock, log: this.deps.log });
    this.pollers.set(m.uuid, { poller, signature });
    poller.start();
    // Enabled only once a stream mapping knows where it starts: a record written after that is read.
    await poller.ready;
  }

  /** A stream mapping's LastProcessingResult, as GetEventSourceMapping shows it (written only when it changes). */
  private lastResult(uuid: string, result: string): void {
    const prev = this.chains.get(uuid) ?? Promise.resolve();
    const next = prev
      .then(async () => {
        const m = await this.deps.store.get(uuid);
        if (m && m.extras['LastProcessingResult'] !== result) await this.deps.store.put({ ...m, extras: { ...m.extras, LastProcessingResult: result } });
      })
      .catch((e: unknown) => this.deps.log(`esm ${uuid}: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        if (this.chains.get(uuid) === next) this.chains.delete(uuid);
      });
    this.chains.set(uuid, next);
  }

  private async stopPoller(uuid: string): Promise<void> {
    const running = this.pollers.get(uuid);
    if (!running) return;
    this.pollers.delete(uuid);
    await running.poller.stop();
  }
}

/** The poller's settings from a stored mapping (its filters were checked when it was stored). */
export function specOf(m: EventSourceMappingRecord, log: (line: string) => void): MappingSpec {
  let filter: CompiledFilterCriteria = { filters: [] };
  if (m.filterCriteria !== undefined) {
    const compiled = compileFilterCriteria(JSON.parse(m.filterCriteria) as FilterCriteria);
    if (compiled.ok) filter = compiled.criteria;
    else log(`esm ${m.uuid}: stored FilterCriteria no longer compile (${compiled.error.message}); not filtering`);
  }
  return {
    uuid: m.uuid,
    accountId: m.accountId,
    region: m.region,
    functionName: m.functionName,
    qualifier: m.qualifier,
    eventSourceArn: m.eventSourceArn,
    batchSize: m.batchSize,
    batchingWindowMs: m.maximumBatchingWindowInSeconds * 1000,
    filter,
    reportBatchItemFailures: m.functionResponseTypes.includes('ReportBatchItemFailures'),
    maximumConcurrency: m.maximumConcurrency ?? DEFAULT_CONCURRENCY,
    stream: streamSettings(m.extras),
  };
}

/** A stream mapping's settings from the members it shows (api/esm/validate.ts keeps them in `extras`). */
function streamSettings(x: Record<string, unknown>): StreamSettings | undefined {
  if (typeof x['StartingPosition'] !== 'string') return undefined;
  const dest = (x['DestinationConfig'] as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination;
  return {
    startingPosition: x['StartingPosition'],
    bisectBatchOnFunctionError: x['BisectBatchOnFunctionError'] === true,
    maximumRetryAttempts: typeof x['MaximumRetryAttempts'] === 'number' ? x['MaximumRetryAttempts'] : -1,
    maximumRecordAgeSeconds: typeof x['MaximumRecordAgeInSeconds'] === 'number' ? x['MaximumRecordAgeInSeconds'] : -1,
    onFailure: typeof dest === 'string' ? dest : undefined,
  };
}
