/**
 * The physical limit of a SendMessage over loopback HTTP: a plain Node server that parses the
 * JSON request and answers a valid SendMessage reply (MessageId, and the MD5 of the body, which
 * the SDK checks), storing nothing. Usage: node sqs-echo-server.js
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const server = http.createServer({ keepAlive: true }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let out = '{}';
    if (req.headers['x-amz-target'] === 'AmazonSQS.SendMessage') {
      const body = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { MessageBody?: string }).MessageBody ?? '';
      out = JSON.stringify({ MessageId: randomUUID(), MD5OfMessageBody: createHash('md5').update(body, 'utf8').digest('hex') });
    } else if (req.headers['x-amz-target'] === 'AmazonSQS.CreateQueue') {
      out = JSON.stringify({ QueueUrl: `http://${req.headers.host ?? ''}/000000000000/bench` });
    }
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
