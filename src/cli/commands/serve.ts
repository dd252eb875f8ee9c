/** `nimbus serve`: runs Nimbus in the foreground until SIGINT or SIGTERM. */
import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';
import { HOT_HANDOFF_DEFAULT, startNimbus } from '../../app.js';
import { CPU_MODELS, PROCESS_ISOLATION_WARNING, type CpuModel, type IsolationChoice } from '../../sandbox/index.js';

interface ServeOptions {
  host: string;
  port: string;
  dataDir: string;
  isolation: string;
  maxConcurrency: string;
  memoryCapacity?: string;
  timeScale: string;
  keepalive: string;
  stemCells: string;
  cpuModel: string;
  hotHandoff: string;
  allowOrigin: string[];
  publicHost: string[];
  allowPublicUnauthenticated: boolean;
  cluster?: string;
  etcd?: string;
  nodeId?: string;
  keyFile?: string;
  publicUrl?: string;
  logRetentionMb?: string;
  logRetentionDays?: string;
  auth?: string | boolean;
  region: string[];
  allowPresigned: boolean;
  s3Endpoint?: string;
  tlsCert?: string;
  tlsKey?: string;
}

const list = (v: string | undefined): string[] => (v ?? '').split(',').map((x) => x.trim()).filter(Boolean);
const collect = (v: string, prev: string[]): string[] => [...prev, ...list(v)];

function wholeNumber(v: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} must be a whole number from ${min} to ${max}, got '${v}'`);
  return n;
}

export function registerServe(program: Command): void {
  const env = process.env;
  program
    .command('serve')
    .description('Start Nimbus: the Lambda API, Invoke and the sandboxes, with data in an embedded SQLite store')
    .option('--host <host>', 'address to listen on (env NIMBUS_HOST)', env['NIMBUS_HOST'] ?? '127.0.0.1')
    .option('--port <port>', 'port to listen on (env NIMBUS_PORT)', env['NIMBUS_PORT'] ?? '9000')
    .option('--cluster <postgres-url>', 'join a cluster: functions and their configuration, the async queue, code packages, accounts and keys in this PostgreSQL database (env NIMBUS_CLUSTER; needs --etcd, and the keyring all nodes share: --key-file or NIMBUS_MASTER_KEY)', env['NIMBUS_CLUSTER'])
    .option('--etcd <urls>', "the cluster's etcd endpoints, comma-separated (env NIMBUS_ETCD)", env['NIMBUS_ETCD'])
    .option('--node-id <id>', "this node's id in the cluster (env NIMBUS_NODE_ID; default host name and process id)", env['NIMBUS_NODE_ID'])
    .option('--data-dir <dir>', 'where functions, code and logs live (env NIMBUS_DATA_DIR)', env['NIMBUS_DATA_DIR'] ?? './.nimbus')
    .option(
      '--isolation <level>',
      'sandboxes: namespace (Linux containers; root and bubblewrap), process, or auto (env NIMBUS_ISOLATION)',
      env['NIMBUS_ISOLATION'] ?? 'auto',
    )
    .option(
      '--keepalive <policy>',
      'how long idle sandboxes stay warm: fixed:10m, fixed:90s, never, hybrid, greedy-dual, learned, learned:mlp (env NIMBUS_KEEPALIVE)',
      env['NIMBUS_KEEPALIVE'] ?? 'fixed:10m',
    )
    .option('--stem-cells <n>', 'pre-started runtime processes kept ready per runtime family for cold starts; 0 disables (env NIMBUS_STEM_CELLS)', env['NIMBUS_STEM_CELLS'] ?? '1')
    .option(
      '--cpu-model <model>',
      'how sandboxes share the CPU: shared (weights in proportion to memory, idle CPU usable) or lambda (hard quota of 1 vCPU per 1,769 MB) (env NIMBUS_CPU_MODEL)',
      env['NIMBUS_CPU_MODEL'] ?? 'shared',
    )
    .option(
      '--hot-handoff <on|off>',
      'let an invocation of a short function wait a few ms for a busy sandbox of the same function instead of waking an idle one or starting a new one (env NIMBUS_HOT_HANDOFF)',
      env['NIMBUS_HOT_HANDOFF'] ?? (HOT_HANDOFF_DEFAULT ? 'on' : 'off'),
    )
    .option('--max-concurrency <n>', 'concurrent executions for the account (env NIMBUS_MAX_CONCURRENCY)', env['NIMBUS_MAX_CONCURRENCY'] ?? '1000')
    .option('--memory-capacity <mb>', 'memory for sandboxes, the sum of their MemorySize (default 3/4 of RAM; env NIMBUS_MEMORY_CAPACITY)', env['NIMBUS_MEMORY_CAPACITY'])
    .option('--time-scale <n>', 'run the warm pool\'s time (keep-alive windows, pre-warms, idle accounting) n times faster than the wall clock, for `nimbus replay` (env NIMBUS_TIME_SCALE)', env['NIMBUS_TIME_SCALE'] ?? '1')
    .option('--allow-origin <origin>', 'a browser origin (scheme://host:port) allowed to call the API, for a dashboard served elsewhere; repeatable (env NIMBUS_ALLOW_ORIGIN, comma-separated)', collect, list(env['NIMBUS_ALLOW_ORIGIN']))
    .option('--log-retention-mb <mb>', 'log text kept per function, oldest dropped first (default 64; env NIMBUS_LOG_RETENTION_MB)', env['NIMBUS_LOG_RETENTION_MB'])
    .option('--log-retention-days <days>', 'drop log entries older than this (default: keep; env NIMBUS_LOG_RETENTION_DAYS)', env['NIMBUS_LOG_RETENTION_DAYS'])
    .option('--key-file <file>', 'the keyring that encrypts secrets at rest (default <data-dir>/keyring.json, made 0600 on first start; env NIMBUS_KEY_FILE; NIMBUS_MASTER_KEY may give the default key instead)', env['NIMBUS_KEY_FILE'])
    .option('--public-url <url>', 'the base of links Nimbus hands out, such as code downloads (default http://<first --public-host or --host>:<port>; env NIMBUS_PUBLIC_URL)', env['NIMBUS_PUBLIC_URL'])
    .option('--public-host <name>', 'a host name the API answers under besides localhost and --host (a proxy or DNS name); repeatable (env NIMBUS_PUBLIC_HOST)', collect, list(env['NIMBUS_PUBLIC_HOST']))
    .option(
      '--auth [mode]',
      'authentication: `keys` requires requests signed with access keys (nimbus keys create); `local` (default) accepts any credentials as the default account (env NIMBUS_AUTH)',
      env['NIMBUS_AUTH'],
    )
    .option('--region <region>', 'a region credential scopes may name (default: AWS\'s commercial regions); repeatable, the first is the default (env NIMBUS_REGIONS)', collect, list(env['NIMBUS_REGIONS']))
    .option('--s3-endpoint <url>', 'read Lambda code (Code.S3Bucket/S3Key) from this external S3 endpoint instead of Nimbus\'s own S3, with the AWS_* credentials of the environment (env NIMBUS_S3_ENDPOINT)', env['NIMBUS_S3_ENDPOINT'])
    .option('--allow-presigned', 'accept presigned (query-string) SigV4 requests (env NIMBUS_ALLOW_PRESIGNED=1)', env['NIMBUS_ALLOW_PRESIGNED'] === '1')
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with --tls-key; env NIMBUS_TLS_CERT)', env['NIMBUS_TLS_CERT'])
    .option('--tls-key <file>', 'the PEM private key for --tls-cert (env NIMBUS_TLS_KEY)', env['NIMBUS_TLS_KEY'])
    .option(
      '--allow-public-unauthenticated',
      'listen on a non-loopback address without --auth keys, so that anyone there may deploy and run code (env NIMBUS_ALLOW_PUBLIC_UNAUTHENTICATED=1)',
      env['NIMBUS_ALLOW_PUBLIC_UNAUTHENTICATED'] === '1',
    )
    .addHelpText(
      'after',
      '\nNIMBUS_ASYNC_PAYLOAD_LIMIT sets the Event payload limit in bytes (default and at most 1048576, the 1 MB AWS allows).\n' +
        '\nIsolation: `auto` uses namespace isolation where the host allows it and otherwise falls back to process isolation:\n' +
        PROCESS_ISOLATION_WARNING,
    )
    .action(async (opts: ServeOptions) => {
      keepYoungObjectsYoung();
      const port = wholeNumber(opts.port, '--port', 0, 65535);
      if (!['auto', 'namespace', 'process'].includes(opts.isolation)) throw new Error(`--isolation must be auto, namespace or process, got '${opts.isolation}'`);
      if (!(CPU_MODELS as readonly string[]).includes(opts.cpuModel)) throw new Error(`--cpu-model must be ${CPU_MODELS.join(' or ')}, got '${opts.cpuModel}'`);
      if (opts.hotHandoff !== 'on' && opts.hotHandoff !== 'off') throw new Error(`--hot-handoff must be on or off, got '${opts.hotHandoff}'`);
      const accountConcurrency = wholeNumber(opts.maxConcurrency, '--max-concurrency', 1);
      const asyncLimit = env['NIMBUS_ASYNC_PAYLOAD_LIMIT'];
      if ((opts.cluster === undefined) !== (opts.etcd === undefined)) throw new Error('--cluster and --etcd go together (env NIMBUS_CLUSTER and NIMBUS_ETCD)');
      const auth = opts.auth === true ? 'keys' : opts.auth === undefined || opts.auth === false ? 'local' : opts.auth;
      if (auth !== 'keys' && auth !== 'local') throw new Error(`--auth must be keys or local, got '${String(auth)}'`);
      const nimbus = await startNimbus({
        ...(opts.cluster && opts.etcd ? { cluster: { postgres: opts.cluster, etcd: opts.etcd, ...(opts.nodeId ? { nodeId: opts.nodeId } : {}), ...(env['NIMBUS_CLUSTER_SECRET'] ? { hopKey: env['NIMBUS_CLUSTER_SECRET'] } : {}) } } : {}),
        host: opts.host,
        port,
        dataDir: opts.dataDir,
        isolation: opts.isolation as IsolationChoice,
        accountConcurrency,
        policy: opts.keepalive,
        cpuModel: opts.cpuModel as CpuModel,
        hotHandoff: opts.hotHandoff === 'on',
        stemCells: wholeNumber(opts.stemCells, '--stem-cells', 0, 64),
        allowOrigins: opts.allowOrigin,
        publicHosts: opts.publicHost,
        allowPublicUnauthenticated: opts.allowPublicUnauthenticated,
        ...(opts.timeScale === '1' ? {} : { poolTimeScale: positiveNumber(opts.timeScale, '--time-scale') }),
        ...(opts.keyFile ? { keyFile: opts.keyFile } : {}),
        logRetention: {
          ...(opts.logRetentionMb ? { maxBytes: wholeNumber(opts.logRetentionMb, '--log-retention-mb', 1, 1_000_000) * 2 ** 20 } : {}),
          ...(opts.logRetentionDays ? { maxAgeMs: wholeNumber(opts.logRetentionDays, '--log-retention-days', 1, 36_500) * 86_400_000 } : {}),
        },
        ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
        auth,
        // The runtimes' SDKs (AWS's runtimes include them), in the background: serving does not wait.
        installRuntimeSdks: true,
        regions: opts.region,
        allowPresigned: opts.allowPresigned,
        ...(opts.s3Endpoint ? { s3Endpoint: opts.s3Endpoint } : {}),
        ...(opts.tlsCert ? { tlsCert: opts.tlsCert } : {}),
        ...(opts.tlsKey ? { tlsKey: opts.tlsKey } : {}),
        ...(opts.memoryCapacity === undefined ? {} : { memoryCapacityMb: wholeNumber(opts.memoryCapacity, '--memory-capacity', 128) }),
        ...(asyncLimit ? { asyncPayloadLimit: wholeNumber(asyncLimit, 'NIMBUS_ASYNC_PAYLOAD_LIMIT', 1, 1_048_576) } : {}),
      });
      if (nimbus.warning) process.stderr.write(`${nimbus.warning}\n`);
      process.stderr.write(`${nimbus.notice}\n`);
      process.stderr.write(`Nimbus listening on ${nimbus.url} (data: ${nimbus.dataDir}, isolation: ${nimbus.isolation})\n`);
      await new Promise<void>((resolve) => {
        const stop = (sig: string): void => {
          process.stderr.write(`${sig}: shutting down (in-flight requests may finish; signal again to force)\n`);
          process.once('SIGINT', () => process.exit(130));
          process.once('SIGTERM', () => process.exit(143));
          void nimbus.close().then(resolve);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
    });
}

function positiveNumber(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 100_000) throw new Error(`${name} must be a number above 0 and at most 100000, got '${v}'`);
  return n;
}

/**
 * Turns off V8's allocation-site pretenuring in the server. V8 moves an allocation site whose
 * objects often survive a young-generation GC to allocating straight in the old generation; on
 * the invoke path such objects point at the request's young ones, and every pointer from the old
 * generation keeps its target alive through each scavenge until the next full GC, so each warm
 * invocation's objects were copied and promoted: 1.1 MB per scavenge and a 2.4 ms pause every
 * ~400 invocations, measured with `--trace-gc-nvp`; without pretenuring 0.25 MB and 0.8 ms
 * (docs/performance.md, "Third pass"). The server's long-lived state is small, so allocating it
 * young first costs nothing measurable. Set at run time, before the server allocates its state.
 */
function keepYoungObjectsYoung(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}

