/**
 * SQS for the tests: by default a real Nimbus (`startNimbus` on 127.0.0.1:0 with a temporary
 * data directory), so every SQS request goes through Nimbus's endpoint - its server, its
 * routing by wire markers, its guard - exactly as a user's does.
 *
 * `via: 'adapter'` instead starts a bare HTTP server in front of one `SqsService` whose account
 * is the access key id when it has 12 digits: the service's account isolation can be tested
 * with several accounts, which Nimbus's gateway (one account today, src/api/http/auth.ts) cannot
 * show yet.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startNimbus, type Nimbus } from '../../src/app.js';
import type { Clock } from '../../src/core/clock.js';
import { SqsService } from '../../src/sqs/service.js';

export const DEFAULT_ACCOUNT = '000000000000';
const CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\//;

export interface SqsTestServer {
  url: string;
  port: number;
  dataDir: string;
  /** Long polls parked in the server now. */
  waitingReceives(): Promise<number>;
  /** Stops the server and starts it again on the same data and port (a restart). */
  restart(): Promise<void>;
}

export interface SqsServerOptions {
  clock?: Clock;
  dir?: string;
  via?: 'nimbus' | 'adapter';
}

export async function startSqsServer(t: TestContext, opts: SqsServerOptions = {}): Promise<SqsTestServer> {
  return opts.via === 'adapter' ? startAdapter(t, opts) : startOnNimbus(t, opts);
}

async function startOnNimbus(t: TestContext, opts: SqsServerOptions): Promise<SqsTestServer> {
  const dataDir = opts.dir ?? mkdtempSync(join(tmpdir(), 'nimbus-sqs-'));
  const logs: string[] = [];
  const start = (port: number): Promise<Nimbus> =>
    startNimbus({ port, dataDir, log: (l) => logs.push(l), shutdownGraceMs: 2000, ...(opts.clock ? { clock: opts.clock } : {}) });
  let nimbus = await start(0);
  const state: SqsTestServer = {
    url: nimbus.url,
    port: nimbus.port,
    dataDir,
    waitingReceives: async () => {
      const stats = (await (await fetch(`${state.url}/nimbus/v1/stats`)).json()) as { sqs: { longPolls: number } };
      return stats.sqs.longPolls;
    },
    restart: async () => {
      await nimbus.close();
      nimbus = await start(state.port);
    },
  };
  t.after(async () => {
    await nimbus.close();
    if (!opts.dir) rmSync(dataDir, { recursive: true, force: true });
    const internal = logs.filter((l) => l.startsWith('sqs:') && !l.includes('housekeeping'));
    if (internal.length > 0) throw new Error(`the SQS service logged: ${internal.join('\n')}`);
  });
  return state;
}

async function startAdapter(t: TestContext, opts: SqsServerOptions): Promise<SqsTestServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'nimbus-sqs-'));
  const file = join(dir, 'sqs.db');
  const logs: string[] = [];
  const open = () => new SqsService({ file, log: (l) => logs.push(l), ...(opts.clock ? { clock: opts.clock } : {}) });
  let service = open();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const u = new URL(req.url ?? '/', 'http://x');
        const wire = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body: Buffer.concat(chunks) };
        if (!SqsService.isSqsRequest(wire)) {
          res.writeHead(404).end();
          return;
        }
        const auth = CREDENTIAL.exec(req.headers.authorization ?? '');
        const ac = new AbortController();
        res.on('close', () => ac.abort());
        const out = await service.handle({
          ...wire,
          accountId: auth?.[1] && /^\d{12}$/.test(auth[1]) ? auth[1] : DEFAULT_ACCOUNT,
          region: auth?.[2] ?? 'us-east-1',
          baseUrl: state.url,
          signal: ac.signal,
        });
        res.writeHead(out.status, out.headers).end(out.body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const state: SqsTestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir: dir,
    waitingReceives: () => Promise.resolve(service.engine.waitingReceives),
    restart: async () => {
      await service.close();
      service = open();
    },
  };
  t.after(async () => {
    await service.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    const internal = logs.filter((l) => !l.includes('housekeeping'));
    if (internal.length > 0) throw new Error(`the SQS service logged: ${internal.join('\n')}`);
  });
  return state;
}
