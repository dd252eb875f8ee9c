/**
 * Nimbus's own API under /nimbus/v1 (paths in api/table.ts), for the CLI and (later) the dashboard: function logs with
 * a long-poll for `--follow`, code downloads (GetFunction's Code.Location), and health.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseFunctionName } from '../../core/names.js';
import { notFound } from '../../core/errors.js';
import type { LogService } from '../../logs/log-service.js';
import type { CodeStore } from '../../store/code-store.js';
import { json, type Handler } from '../http/context.js';
import { intParam } from '../http/wire-format.js';

const MAX_WAIT_S = 60;

export interface HealthInfo {
  isolation: string;
  version: string;
}

export function nimbusHandlers(deps: { logs: LogService; code: CodeStore; health: HealthInfo }) {
  return {
    logs: async (ctx) => {
      const name = parseFunctionName(ctx.params['FunctionName']).name;
      const tail = intParam(ctx.query.get('tail'), 'tail', 1, 1000);
      const after = intParam(ctx.query.get('after'), 'after', 0, Number.MAX_SAFE_INTEGER) ?? 0;
      const limit = intParam(ctx.query.get('limit'), 'limit', 1, 1000) ?? 100;
      const wait = intParam(ctx.query.get('wait'), 'wait', 0, MAX_WAIT_S) ?? 0;
      // `tail=N`: the newest N entries; otherwise entries after `after`, waiting up to `wait` s for some.
      const events =
        tail !== undefined ? await deps.logs.last(ctx.scope, name, tail) : await deps.logs.read(ctx.scope, name, after, limit, wait * 1000, ctx.signal);
      const next = events.length ? events[events.length - 1]!.id : tail !== undefined ? await deps.logs.lastId(ctx.scope, name) : after;
      return json(200, {
        events: events.map((e) => ({ id: e.id, timestamp: e.timestamp, requestId: e.requestId, version: e.version, text: e.text })),
        next,
      });
    },

    code: async (ctx) => {
      const sha = ctx.params['sha'] ?? '';
      const file = /^[0-9a-f]{64}$/.test(sha) ? deps.code.zipPath(sha) : '';
      if (!file || !existsSync(file)) throw notFound('The resource you requested does not exist.');
      return { status: 200, headers: { 'Content-Type': 'application/zip' }, body: await readFile(file) };
    },

    health: () => json(200, { status: 'ok', ...deps.health }),
  } satisfies Record<string, Handler>;
}
