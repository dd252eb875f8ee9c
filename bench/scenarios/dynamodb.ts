/**
 * dynamodb: Nimbus's DynamoDB endpoint (dynalite embedded, behind Nimbus's HTTP server, Host
 * guard, SigV4 parsing and policy check) next to the same dynalite version serving on its own
 * (its own HTTP server, no authentication), both on LevelDB in a temp dir, driven by the same
 * @aws-sdk/lib-dynamodb over loopback HTTP: PutItem, then GetItem of the items written, N
 * concurrent clients for D seconds each, the two targets alternating twice in the same minutes
 * (each keeps its better round). The ratio is what Nimbus adds to, or saves on, the engine it embeds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ROOT } from '../lib/paths.js';
import { startProc } from '../lib/proc.js';
import { fmt, type Section } from '../lib/report.js';
import { cleanEnv } from '../targets/ceiling.js';
import { startNimbus } from '../targets/nimbus.js';

export interface DynamoBenchOptions {
  durationS: number;
  clients: number;
}

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

interface Load {
  ops: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(clients: number, durationS: number, op: (worker: number, i: number) => Promise<unknown>): Promise<Load> {
  const lat: number[] = [];
  let errors = 0;
  const end = Date.now() + durationS * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, w) => {
      for (let i = 0; Date.now() < end; i++) {
        const t0 = performance.now();
        try {
          await op(w, i);
          lat.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  return { ops: lat.length / ((performance.now() - start) / 1000), p50: pct(lat, 50), p99: pct(lat, 99), errors };
}

async function measure(endpoint: string, o: DynamoBenchOptions, table: string): Promise<{ put: Load; get: Load }> {
  const raw = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 1 });
  const doc = DynamoDBDocumentClient.from(raw);
  try {
    await raw.send(new CreateTableCommand({ TableName: table, AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
    await new Promise((r) => setTimeout(r, 600)); // dynalite's own default: ACTIVE after 500 ms
    const written = new Array<number>(o.clients).fill(0);
    const put = await load(o.clients, o.durationS, async (w, i) => {
      await doc.send(new PutCommand({ TableName: table, Item: { id: `${w}-${i}`, n: i, text: 'a reasonably sized attribute value of some sixty characters' } }));
      written[w] = i + 1;
    });
    const get = await load(o.clients, o.durationS, (w, i) => doc.send(new GetCommand({ TableName: table, Key: { id: `${w}-${i % Math.max(1, written[w]!)}` } })));
    return { put, get };
  } finally {
    raw.destroy();
  }
}

export async function dynamoBench(o: DynamoBenchOptions): Promise<Section> {
  const nimbus = await startNimbus();
  const dir = mkdtempSync(join(tmpdir(), 'dynalite-bench-'));
  const script = `const s = require('dynalite')({ path: ${JSON.stringify(dir)} }); s.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + s.address().port));`;
  const peer = await startProc(process.execPath, ['-e', script], { env: cleanEnv(), ready: /listening on (http:\/\/\S+)/, cwd: ROOT });
  // A and B alternate, twice, in the same minutes (the machine is shared); each keeps its better round.
  const best = (a: { put: Load; get: Load } | undefined, b: { put: Load; get: Load }): { put: Load; get: Load } =>
    !a ? b : { put: a.put.ops >= b.put.ops ? a.put : b.put, get: a.get.ops >= b.get.ops ? a.get : b.get };
  let viaNimbus: { put: Load; get: Load } | undefined;
  let alone: { put: Load; get: Load } | undefined;
  try {
    for (let round = 0; round < 2; round++) {
      viaNimbus = best(viaNimbus, await measure(nimbus.url, o, `bench${round}`));
      alone = best(alone, await measure(peer.match[1]!, o, `bench${round}`));
    }
  } finally {
    await nimbus.stop();
    await peer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  if (!viaNimbus || !alone) throw new Error('no rounds ran');
  const row = (name: string, r: { put: Load; get: Load }): string[] => [name, fmt(r.put.ops), fmt(r.put.p50, 2), fmt(r.put.p99, 2), fmt(r.get.ops), fmt(r.get.p50, 2), fmt(r.get.p99, 2), String(r.put.errors + r.get.errors)];
  return {
    scenario: 'dynamodb',
    description: `DynamoDB PutItem then GetItem, ${o.clients} concurrent lib-dynamodb clients, ${o.durationS} s each, LevelDB in a temp dir`,
    table: {
      header: ['target', 'PutItem/s', 'put p50 ms', 'put p99 ms', 'GetItem/s', 'get p50 ms', 'get p99 ms', 'errors'],
      rows: [row('nimbus (dynalite embedded)', viaNimbus), row('dynalite 4.0.0 alone', alone)],
    },
    notes: [
      `PutItem: nimbus/dynalite = ${fmt(viaNimbus.put.ops / alone.put.ops, 2)}x; GetItem: ${fmt(viaNimbus.get.ops / alone.get.ops, 2)}x (the same engine; what differs is Nimbus's HTTP server, guard, SigV4 parsing and direct calls into dynalite's actions versus dynalite's own HTTP handler: not profiled further)`,
    ],
  };
}
