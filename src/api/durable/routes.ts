/**
 * The nine durable-execution operations (/2025-12-01, docs/durable.md): the SDKs' checkpoint and
 * state calls, the reads (execution, history, list), StopDurableExecution and the callbacks. On a
 * cluster node durable functions are refused with Lambda's InvalidParameterValueException.
 */
import { invalidParameter, notFound } from '../../core/errors.js';
import type { DurableEngine } from '../../durable/engine.js';
import { eventShape } from '../../durable/history.js';
import type { DurableStore, Execution } from '../../durable/types.js';
import type { FunctionService } from '../functions/service.js';
import type { Handler, RequestContext } from '../http/context.js';
import { isObject } from '../http/validate.js';
import { executionDetail, executionSummary } from './shapes.js';
import { checkBool, checkCallbackId, checkErrorObject, checkExecutionArn, checkExecutionName, checkMaxItems, checkTimestamp } from './validate.js';

/** SendDurableExecutionCallbackSuccess's Result (MODEL `BinaryOperationPayload`, 256 KB). */
const CALLBACK_RESULT_LIMIT = 262_144;
const BODY_LIMIT = 6 * 1024 * 1024 + 65_536;

export interface DurableApi {
  /** Absent on a cluster node: durable functions run on single nodes only. */
  engine: DurableEngine | undefined;
  store: DurableStore | undefined;
  functions: FunctionService;
}

export const CLUSTER_REFUSAL = 'Lambda durable functions are not supported on a Nimbus cluster node yet; run them on a single node (docs/durable.md).';

export function durableHandlers(d: DurableApi) {
  const parts = (): { engine: DurableEngine; store: DurableStore } => {
    if (!d.engine || !d.store) throw invalidParameter(CLUSTER_REFUSAL);
    return { engine: d.engine, store: d.store };
  };
  /** The execution the path names, within the caller's account and region. */
  const execution = async (ctx: RequestContext): Promise<Execution> => {
    const arn = checkExecutionArn(ctx.params['DurableExecutionArn']);
    const e = await parts().store.get(arn);
    if (!e || e.accountId !== ctx.scope.accountId || e.region !== ctx.scope.region) throw notFound(`Durable execution not found: ${arn}`);
    return e;
  };
  const callbackId = (ctx: RequestContext): string => {
    parts();
    return checkCallbackId(ctx.params['CallbackId']);
  };

  return {
    checkpoint: async (ctx) => {
      const arn = checkExecutionArn(ctx.params['DurableExecutionArn']);
      const body = await ctx.json(BODY_LIMIT, 'CheckpointDurableExecution');
      if (!isObject(body)) throw invalidParameter('The request body must be a JSON object.');
      return { status: 200, body: await parts().engine.checkpoint(arn, body['CheckpointToken'], body['Updates']) };
    },

    state: async (ctx) => {
      const arn = checkExecutionArn(ctx.params['DurableExecutionArn']);
      const token = ctx.query.get('CheckpointToken');
      return { status: 200, body: await parts().engine.state(arn, token, ctx.query.get('Marker') ?? undefined, checkMaxItems(ctx.query.get('MaxItems'))) };
    },

    get: async (ctx) => ({ status: 200, body: executionDetail(await execution(ctx)) }),

    history: async (ctx) => {
      const e = await execution(ctx);
      const include = checkBool(ctx.query.get('IncludeExecutionData'), 'includeExecutionData');
      const reverse = checkBool(ctx.query.get('ReverseOrder'), 'reverseOrder');
      const events = (await parts().store.events(e.arn)).map((ev) => eventShape(ev, include));
      if (reverse) events.reverse();
      return { status: 200, body: page(events, 'Events', ctx.query.get('Marker'), checkMaxItems(ctx.query.get('MaxItems'))) };
    },

    list: async (ctx) => {
      const qualifier = ctx.query.get('Qualifier') ?? undefined;
      const { fn } = await d.functions.resolve(ctx.scope, ctx.params['FunctionName'] ?? '', qualifier);
      const name = ctx.query.get('DurableExecutionName');
      const statuses = ctx.query.getAll('Statuses');
      for (const s of statuses) if (!['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'STOPPED'].includes(s)) {
        throw invalidParameter(`1 validation error detected: Value '${s}' at 'statuses' failed to satisfy constraint: Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, STOPPED]`);
      }
      const after = checkTimestamp(ctx.query.get('StartedAfter'), 'startedAfter');
      const before = checkTimestamp(ctx.query.get('StartedBefore'), 'startedBefore');
      const found = await parts().store.list({
        accountId: fn.accountId, region: fn.region, functionName: fn.name,
        ...(qualifier !== undefined || ctx.params['FunctionName']?.includes(':') ? { version: fn.version } : {}),
        ...(name ? { name: checkExecutionName(name) } : {}),
        ...(statuses.length ? { statuses } : {}),
        ...(after !== undefined ? { startedAfterMs: after } : {}),
        ...(before !== undefined ? { startedBeforeMs: before } : {}),
      });
      const shown = found.map(executionSummary);
      if (checkBool(ctx.query.get('ReverseOrder'), 'reverseOrder')) shown.reverse();
      return { status: 200, body: page(shown, 'DurableExecutions', ctx.query.get('Marker'), checkMaxItems(ctx.query.get('MaxItems'))) };
    },

    stop: async (ctx) => {
      const e = await execution(ctx);
      const raw = await ctx.body(BODY_LIMIT, 'StopDurableExecution');
      const error = raw.length ? checkErrorObject(parseJson(raw)) : undefined;
      const at = await parts().engine.stop(e.arn, error);
      return { status: 200, body: { StopTimestamp: at / 1000 } };
    },

    callbackSuccess: async (ctx) => {
      const id = callbackId(ctx);
      const raw = await ctx.body(CALLBACK_RESULT_LIMIT, 'SendDurableExecutionCallbackSuccess');
      await parts().engine.callback(id, 'succeed', { result: raw.toString('utf8') });
      return { status: 200, body: {} };
    },

    callbackFailure: async (ctx) => {
      const id = callbackId(ctx);
      const raw = await ctx.body(BODY_LIMIT, 'SendDurableExecutionCallbackFailure');
      const error = raw.length ? checkErrorObject(parseJson(raw)) : undefined;
      await parts().engine.callback(id, 'fail', { ...(error ? { error } : {}) });
      return { status: 200, body: {} };
    },

    callbackHeartbeat: async (ctx) => {
      const id = callbackId(ctx);
      await parts().engine.callback(id, 'heartbeat', {});
      return { status: 200, body: {} };
    },
  } satisfies Record<string, Handler>;
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw invalidParameter('Could not parse the request body as JSON.');
  }
}

/** One page of a list: Marker is the offset of its first item. */
function page<T>(items: T[], key: string, marker: string | null, maxItems: number): Record<string, unknown> {
  const from = marker ? Number(marker) : 0;
  if (!Number.isInteger(from) || from < 0) throw invalidParameter(`Invalid marker: ${marker}`);
  const size = maxItems > 0 ? maxItems : 1000;
  return { [key]: items.slice(from, from + size), ...(from + size < items.length ? { NextMarker: String(from + size) } : {}) };
}
