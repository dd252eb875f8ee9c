/**
 * The physical ceiling for a warm invocation: a plain Node HTTP server that runs the same
 * handler in-process (no sandbox, no Runtime API hop). Usage: node ceiling-server.js <handler file>
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

const file = process.argv[2];
if (!file) throw new Error('usage: ceiling-server.js <handler.js>');
const { handler } = createRequire(import.meta.url)(file) as { handler: (e: unknown) => Promise<unknown> };

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    void handler(body.length ? JSON.parse(body.toString('utf8')) : {}).then((result) => {
      const out = JSON.stringify(result ?? null);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    });
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
