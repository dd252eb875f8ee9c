/** Observability: Prometheus text at /metrics, and the same figures as JSON for `nimbus stats` (paths in api/table.ts). */
import type { ConcurrencyLimiter } from '../../invoke/concurrency.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { Pool } from '../../pool/pool.js';
import { json, type Handler } from '../http/context.js';

/** Figures of the SQS service. */
export interface SqsFigures {
  /** ReceiveMessage calls parked in a long poll now. */
  longPolls(): number;
}

export function metricsHandlers(deps: { metrics: Metrics; pool: Pool; limiter: ConcurrencyLimiter; sqs: SqsFigures }) {
  return {
    prometheus: () => {
      const p = deps.pool.stats();
      const h = deps.pool.handoffStats();
      const body = deps.metrics.prometheus([
        { name: 'nimbus_sandboxes_idle', help: 'Warm sandboxes waiting for an invocation.', value: p.idle },
        { name: 'nimbus_sandboxes_busy', help: 'Sandboxes running an invocation.', value: p.busy },
        { name: 'nimbus_sandboxes_starting', help: 'Sandboxes in their init phase.', value: p.starting },
        { name: 'nimbus_sandboxes_provisioned', help: 'Initialized provisioned-concurrency sandboxes, idle or busy.', value: p.provisioned },
        { name: 'nimbus_memory_in_use_mb', help: 'MemorySize of live sandboxes, summed.', value: p.memoryInUseMb },
        { name: 'nimbus_memory_capacity_mb', help: 'Memory available to sandboxes.', value: p.capacityMb },
        { name: 'nimbus_concurrent_executions', help: 'Invocations running now (those waiting for a busy sandbox included).', value: deps.limiter.runningCount() },
        { name: 'nimbus_invocations_waiting', help: 'Invocations waiting for a busy sandbox of their function (--hot-handoff).', value: h.waiting },
        { name: 'nimbus_handoffs', help: 'Invocations a finishing sandbox of their function took over, since the start (--hot-handoff).', value: h.handedOff },
        { name: 'nimbus_handoff_spills', help: 'Waiting invocations that ran on an idle or new sandbox instead, since the start (--hot-handoff).', value: h.spilled },
        { name: 'nimbus_sqs_long_polls', help: 'SQS ReceiveMessage calls waiting in a long poll.', value: deps.sqs.longPolls() },
      ], deps.pool.idleGbSeconds());
      return { status: 200, headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }, body };
    },
    stats: () =>
      json(200, {
        functions: deps.metrics.stats(deps.pool.idleGbSeconds()),
        pool: deps.pool.stats(),
        concurrentExecutions: deps.limiter.runningCount(),
        sqs: { longPolls: deps.sqs.longPolls() },
      }),
  } satisfies Record<string, Handler>;
}
