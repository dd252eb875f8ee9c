/**
 * SQS peers for `npm run bench -- sqs`, each a server of its own on 127.0.0.1 speaking SQS's
 * JSON protocol to the same @aws-sdk/client-sqs:
 *
 * - ElasticMQ (org.elasticmq:elasticmq-server_2.13 from Maven Central, 1.7.1, which runs on
 *   Java 17): its classpath is resolved by Maven from bench/peers/elasticmq/pom.xml on first use
 *   (jars in ~/.m2, nothing committed). In-memory queues: it does not persist messages.
 * - moto's server mode (moto[server], pinned in bench/peers/moto-requirements.txt), installed
 *   with pip into a venv in bench/peers/moto-venv on first use. In-memory too.
 * - The physical limit, `sqs-echo-server.js`: a loopback HTTP server that answers SendMessage
 *   with a valid reply (the body's MD5, which the SDK checks) and stores nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PEERS, WORK } from '../lib/paths.js';
import { startProc } from '../lib/proc.js';
import { cleanEnv } from './ceiling.js';

export interface SqsTarget {
  name: string;
  endpoint: string;
  /** Stores messages durably (fsync before the answer). */
  durable: boolean;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function elasticMqClasspath(): string {
  const out = `${WORK}elasticmq-classpath.txt`;
  if (!existsSync(out)) {
    mkdirSync(WORK, { recursive: true });
    process.stderr.write('bench: resolving ElasticMQ from Maven Central (first run only)...\n');
    execFileSync('mvn', ['-q', '-B', '-f', `${PEERS}elasticmq/pom.xml`, 'dependency:build-classpath', `-Dmdep.outputFile=${out}`], { stdio: 'inherit' });
  }
  return readFileSync(out, 'utf8').trim();
}

export async function startElasticMq(): Promise<SqsTarget> {
  const cp = elasticMqClasspath();
  const port = await freePort();
  const conf = `${WORK}elasticmq-${port}.conf`;
  writeFileSync(
    conf,
    `include classpath("application.conf")
node-address { protocol = http, host = "127.0.0.1", port = ${port}, context-path = "" }
rest-sqs { enabled = true, bind-port = ${port}, bind-hostname = "127.0.0.1", sqs-limits = strict }
rest-stats { enabled = false }
`,
  );
  const p = await startProc('java', [`-Dconfig.file=${conf}`, '-cp', cp, 'org.elasticmq.server.Main'], { env: cleanEnv(), ready: /ElasticMQ server \(([\d.]+)\) started/ });
  return { name: `elasticmq ${p.match[1]!}`, endpoint: `http://127.0.0.1:${port}`, durable: false, stop: p.stop };
}

function motoServer(): string {
  const venv = `${PEERS}moto-venv/`;
  const bin = `${venv}bin/moto_server`;
  if (!existsSync(bin)) {
    process.stderr.write('bench: installing moto[server] into bench/peers/moto-venv (first run only)...\n');
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(`${venv}bin/pip`, ['install', '-q', '-r', `${PEERS}moto-requirements.txt`], { stdio: 'inherit' });
  }
  return bin;
}

export async function startMoto(): Promise<SqsTarget> {
  const bin = motoServer();
  const port = await freePort();
  const version = execFileSync(`${PEERS}moto-venv/bin/python`, ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8' }).trim();
  const p = await startProc(bin, ['-H', '127.0.0.1', '-p', String(port)], { env: cleanEnv(), ready: /Running on http:\/\/127\.0\.0\.1:\d+/ });
  return { name: `moto ${version}`, endpoint: `http://127.0.0.1:${port}`, durable: false, stop: p.stop };
}

export async function startSqsEcho(): Promise<SqsTarget> {
  const server = fileURLToPath(new URL('./sqs-echo-server.js', import.meta.url));
  const p = await startProc(process.execPath, [server], { env: cleanEnv(), ready: /listening on (http:\/\/\S+)/ });
  return { name: 'loopback echo (limit)', endpoint: p.match[1]!, durable: false, stop: p.stop };
}
