/**
 * Nimbus's own API under /nimbus/v1 (paths in api/table.ts), for the CLI and (later) the dashboard: function logs with
 * a long-poll for `--follow`, code downloads (GetFunction's Code.Location), and health.
 */
import type http from 'node:http';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseFunctionName } from '../../core/names.js';
import { NimbusError, notFound } from '../../core/errors.js';
import type { LogService } from '../../logs/log-service.js';
import type { CodeStore } from '../../store/code-store.js';
import { json, type Handler } from '../http/context.js';
import { intParam } from '../http/wire-format.js';

const MAX_WAIT_S = 60;

export interface HealthInfo {
  isolation: string;
  version: string;
  /** How much faster than the wall clock the pool's time runs (`--time-scale`; 1 normally). */
  poolTimeScale: number;
  /** The keep-alive policy's spec. */
  policy: string;
}

/** Checks a presigned code download (src/secrets/code-urls.ts). */
export interface CodeUrlCheck {
  check(sha256Hex: string, query: URLSearchParams): string | undefined;
}

export function nimbusHandlers(deps: { logs: LogService; code: CodeStore; health: HealthInfo; codeUrls: CodeUrlCheck }) {
  return {
    logs: async (ctx) => {
      const name = parseFunctionName(ctx.params['FunctionName']).name;
      const tail = intParam(ctx.query.get('tail'), 'tail', 1, 1000);
      const after = intParam(ctx.query.get('after'), 'after', 0, Number.MAX_SAFE_INTEGER) ?? 0;
      const limit = intParam(ctx.query.get('limit'), 'limit', 1, 1000) ?? 100;
      const wait = intParam(ctx.query.get('wait'), 'wait', 0, MAX_WAIT_S) ?? 0;
      // `tail=N`: the newest N entries; otherwise entries after `after`, waiting up to `wait` s for some.
      let from = after;
      let upTo: number | undefined;
      let count = limit;
      if (tail !== undefined) {
        const t = await deps.logs.tail(ctx.scope, name, tail);
        from = t.afterId;
        upTo = t.upToId;
        count = tail;
      } else if (wait > 0) {
        await deps.logs.read(ctx.scope, name, after, 1, wait * 1000, ctx.signal);
      }
      const events = deps.logs.stream(ctx.scope, name, from, count, upTo);
      const fallbackNext = tail !== undefined ? (upTo ?? 0) : after;
      // Streamed: one page of entries in memory at a time, written as it is read (a tail of
      // a thousand large entries must neither hold them all nor stall the server).
      return {
        status: 200,
        stream: async (res) => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          let next = fallbackNext;
          let first = true;
          res.write('{"events":[');
          for await (const e of events) {
            if (res.destroyed) return;
            const item = JSON.stringify({ id: e.id, timestamp: e.timestamp, requestId: e.requestId, version: e.version, text: e.text });
            next = e.id;
            if (!res.write(first ? item : `,${item}`)) await drained(res);
            first = false;
          }
          res.end(`],"next":${next}}`);
        },
      };
    },

    code: async (ctx) => {
      const sha = ctx.params['sha'] ?? '';
      const file = /^[0-9a-f]{64}$/.test(sha) ? deps.code.zipPath(sha) : '';
      // Only a link GetFunction or GetLayerVersion handed out, within its ten minutes.
      const refused = file ? deps.codeUrls.check(sha, ctx.query) : undefined;
      // A cluster node may not have fetched the package yet.
      if (file && !refused) await deps.code.ensure([sha])?.catch(() => undefined);
      if (!file || !existsSync(file)) throw notFound('The resource you requested does not exist.');
      if (refused) throw new NimbusError('ERR_ACCESS_DENIED', refused);
      return { status: 200, headers: { 'Content-Type': 'application/zip' }, body: await readFile(file) };
    },

    health: () => json(200, { status: 'ok', ...deps.health }),
  } satisfies Record<string, Handler>;
}

/** Resolves when `res` can take more (or is gone), leaving no listener behind for the next wait. */
function drained(res: http.ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.once('drain', done).once('close', done);
  });
}
