/**
 * A real HTTP server on 127.0.0.1:0 that hands every request to `SqsService.handle` - the tiny
 * adapter the lead replaces by mounting the service in Nimbus's gateway. The account comes from
 * the access key id when it is 12 digits (so tests can act as several accounts), else
 * 000000000000; the region from the SigV4 credential scope, as Nimbus's gateway reads it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Clock } from '../../src/core/clock.js';
import { SqsService } from '../../src/sqs/service.js';

export const DEFAULT_ACCOUNT = '000000000000';
const CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\//;

export interface SqsTestServer {
  url: string;
  port: number;
  service: SqsService;
  file: string;
  /** Closes the service and opens a new one on the same file (a restart). */
  restart(): Promise<void>;
  /** Non-SQS requests seen (classified as not SQS): answered 404. */
  rejected: number;
}

export async function startSqsServer(t: TestContext, opts: { clock?: Clock; dir?: string } = {}): Promise<SqsTestServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'nimbus-sqs-'));
  const file = join(dir, 'sqs.db');
  const logs: string[] = [];
  const open = () => new SqsService({ file, log: (l) => logs.push(l), ...(opts.clock ? { clock: opts.clock } : {}) });
  const state: SqsTestServer = { url: '', port: 0, service: open(), file, restart: async () => undefined, rejected: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const u = new URL(req.url ?? '/', 'http://x');
        const wire = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body: Buffer.concat(chunks) };
        if (!SqsService.isSqsRequest(wire)) {
          state.rejected++;
          res.writeHead(404).end();
          return;
        }
        const auth = CREDENTIAL.exec(req.headers.authorization ?? '');
        const ac = new AbortController();
        res.on('close', () => ac.abort());
        const out = await state.service.handle({
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
  state.port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${state.port}`;
  state.restart = async () => {
    state.service.close();
    state.service = open();
  };
  t.after(async () => {
    state.service.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    const internal = logs.filter((l) => !l.includes('housekeeping'));
    if (internal.length > 0) throw new Error(`the SQS service logged: ${internal.join('\n')}`);
  });
  return state;
}
