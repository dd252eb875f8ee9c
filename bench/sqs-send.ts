/**
 * SendMessage throughput of the SQS service with `@aws-sdk/client-sqs`: N concurrent senders in
 * a loop against the service on a real socket (the same adapter as the tests), for a few
 * seconds. A standalone figure until `npm run bench` gets an SQS scenario with its peers.
 *
 *   npx tsc -b && node dist/bench/sqs-send.js [senders=16] [seconds=10] [bodyBytes=256]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SqsService } from '../src/sqs/service.js';

async function main(): Promise<void> {
  const [senders = 16, seconds = 10, bodyBytes = 256] = process.argv.slice(2).map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-sqs-bench-'));
  const service = new SqsService({ file: join(dir, 'sqs.db') });
  let base = '';
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      void service
        .handle({ method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body: Buffer.concat(chunks), accountId: '000000000000', region: 'us-east-1', baseUrl: base })
        .then((out) => res.writeHead(out.status, out.headers).end(out.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new SQSClient({ endpoint: base, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'bench' }));
  const body = 'x'.repeat(bodyBytes);
  const end = Date.now() + seconds * 1000;
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (Date.now() < end) {
        const t0 = performance.now();
        await client.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]?.toFixed(2);
  process.stdout.write(
    `SendMessage, ${senders} concurrent SDK senders, ${bodyBytes}-byte bodies, ${seconds}s: ` +
      `${(latencies.length / seconds).toFixed(0)} msg/s, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms (each acknowledged after an fsync'd commit)\n`,
  );
  client.destroy();
  server.close();
  service.close();
  rmSync(dir, { recursive: true, force: true });
}

void main();
