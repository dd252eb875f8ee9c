/**
 * The one-box cluster lab: PostgreSQL and etcd from Debian in an infra namespace, N Nimbus nodes
 * each in its own network namespace, a client namespace for the load generator and the witness,
 * all on a bridge that itself lives in a namespace the lab creates (the host gets no address and
 * no route, so nothing outside the lab's own namespaces is touched). Each node runs in a cgroup v1
 * `cpu` group with a CFS quota, so on a 2-core box adding nodes adds capacity until the cores run
 * out. Faults: `kill -9` of everything in a node's cgroup (a crash), SIGSTOP/SIGCONT (a pause),
 * nftables rules inside a node's namespace (partitions). Needs root. See docs/cluster-lab.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accountingProcs, accountTree, removeAccounting } from './cpu.js';

export interface LabConfig {
  /** Namespace and cgroup name prefix; two labs with different prefixes and subnets can coexist. */
  prefix: string;
  /** The first three octets of the lab's /24. */
  subnet: string;
  dir: string;
  /** The checkout whose bin/nimbus.js the nodes run. */
  root: string;
  /** CPUs per node (CFS quota over a 100 ms period). */
  cpus: number;
}

export interface LabState {
  nodes: number;
  cluster: boolean;
  pids: { etcd?: number; nodes: Record<string, number> };
}

const PG = '/usr/lib/postgresql/15/bin';
const CPU_CG = '/sys/fs/cgroup/cpu';

export const ns = (c: LabConfig, name: string): string => `${c.prefix}-${name}`;
export const infraAddr = (c: LabConfig): string => `${c.subnet}.2`;
export const clientAddr = (c: LabConfig): string => `${c.subnet}.3`;
export const nodeAddr = (c: LabConfig, k: number): string => `${c.subnet}.${10 + k}`;
export const NODE_PORT = 9000;
export const pgUrl = (c: LabConfig): string => `postgres://postgres@${infraAddr(c)}:5432/nimbus`;
export const etcdUrl = (c: LabConfig): string => `http://${infraAddr(c)}:2379`;
const cgroup = (c: LabConfig, k: number): string => join(CPU_CG, `${c.prefix}-n${k}`);

/** Runs a command; throws with its stderr on failure unless `ok` allows the status. */
export function sh(cmd: string, args: readonly string[], opts: { ok?: boolean; input?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input });
  if (r.status !== 0 && !opts.ok) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message || `status ${r.status}`}`);
  return r.stdout ?? '';
}
const inNs = (c: LabConfig, name: string, cmd: string, args: readonly string[], opts: { ok?: boolean; input?: string } = {}): string =>
  sh('ip', ['netns', 'exec', ns(c, name), cmd, ...args], opts);

function statePath(c: LabConfig): string {
  return join(c.dir, 'state.json');
}
export function readState(c: LabConfig): LabState | undefined {
  return existsSync(statePath(c)) ? (JSON.parse(readFileSync(statePath(c), 'utf8')) as LabState) : undefined;
}
function writeState(c: LabConfig, s: LabState): void {
  writeFileSync(statePath(c), JSON.stringify(s, null, 2));
}

/** Whether the checkout's `serve` knows `--cluster` (the cluster-mode work); plain nodes otherwise. */
export function clusterModeAvailable(root: string): boolean {
  const r = spawnSync(process.execPath, [join(root, 'bin/nimbus.js'), 'serve', '--help'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('--cluster');
}

/** One namespace on the bridge, with `addr` on its eth0. */
function attach(c: LabConfig, name: string, addr: string): void {
  sh('ip', ['netns', 'add', ns(c, name)]);
  sh('ip', ['-n', ns(c, 'br'), 'link', 'add', `v-${name}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns(c, name)]);
  sh('ip', ['-n', ns(c, 'br'), 'link', 'set', `v-${name}`, 'master', 'br0', 'up']);
  sh('ip', ['-n', ns(c, name), 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
  sh('ip', ['-n', ns(c, name), 'link', 'set', 'eth0', 'up']);
  sh('ip', ['-n', ns(c, name), 'link', 'set', 'lo', 'up']);
}

/** The bridge namespace, infra and client namespaces, PostgreSQL 15 and etcd. */
export function upInfra(c: LabConfig, opts: { plain?: boolean } = {}): LabState {
  if (readState(c)) throw new Error(`a lab is already up in ${c.dir}; run 'down' first`);
  // A previous run's kept logs may sit here; its database and etcd data must not be reused.
  for (const d of ['pg', 'etcd']) rmSync(join(c.dir, d), { recursive: true, force: true });
  mkdirSync(c.dir, { recursive: true });
  sh('ip', ['netns', 'add', ns(c, 'br')]);
  sh('ip', ['-n', ns(c, 'br'), 'link', 'add', 'br0', 'type', 'bridge']);
  sh('ip', ['-n', ns(c, 'br'), 'link', 'set', 'br0', 'up']);
  attach(c, 'infra', infraAddr(c));
  attach(c, 'client', clientAddr(c));

  const pgdir = join(c.dir, 'pg');
  mkdirSync(pgdir, { recursive: true });
  chownSync(c.dir, uid('postgres'), gid('postgres'));
  chownSync(pgdir, uid('postgres'), gid('postgres'));
  sh('runuser', ['-u', 'postgres', '--', `${PG}/initdb`, '-D', pgdir, '-A', 'trust', '-U', 'postgres']);
  appendFileSync(join(pgdir, 'pg_hba.conf'), `host all all ${c.subnet}.0/24 trust\n`);
  inNs(c, 'infra', 'runuser', ['-u', 'postgres', '--', `${PG}/pg_ctl`, '-D', pgdir, '-l', join(pgdir, 'log'), '-w', '-o', `-c listen_addresses=${infraAddr(c)} -p 5432 -k ${pgdir}`, 'start']);
  inNs(c, 'infra', 'runuser', ['-u', 'postgres', '--', `${PG}/createdb`, '-h', infraAddr(c), 'nimbus']);

  const etcdLog = openSync(join(c.dir, 'etcd.log'), 'a');
  const peer = `http://${infraAddr(c)}:2380`;
  const etcd = spawn('ip', ['netns', 'exec', ns(c, 'infra'), 'etcd', '--name', 'lab', '--data-dir', join(c.dir, 'etcd'),
    '--listen-client-urls', etcdUrl(c), '--advertise-client-urls', etcdUrl(c), '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer, '--initial-cluster', `lab=${peer}`], { detached: true, stdio: ['ignore', etcdLog, etcdLog] });
  etcd.unref();
  // `plain`: independent single nodes (SQLite) even where the checkout has cluster mode, to compare.
  const state: LabState = { nodes: 0, cluster: !opts.plain && clusterModeAvailable(c.root), pids: { nodes: {} } };
  if (etcd.pid !== undefined) state.pids.etcd = etcd.pid;
  // PostgreSQL's backends fork from the postmaster, so they are accounted with it (deploy/lab/cpu.ts).
  accountTree(c, 'infra', Number(readFileSync(join(pgdir, 'postmaster.pid'), 'utf8').split('\n')[0]));
  if (etcd.pid !== undefined) accountTree(c, 'infra', etcd.pid);
  writeState(c, state);
  return state;
}

function uid(user: string): number {
  return Number(sh('id', ['-u', user]).trim());
}
function gid(user: string): number {
  return Number(sh('id', ['-g', user]).trim());
}

/** The key every node of this lab shares, kept (0600) in the lab's directory. */
function labMasterKey(c: LabConfig): string {
  const file = join(c.dir, 'master.key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** Adds node `k` (namespace, CPU cgroup, process). In cluster mode it joins through PostgreSQL and etcd. */
export function addNode(c: LabConfig, k: number): number {
  const state = readState(c);
  if (!state) throw new Error('the lab is not up');
  if (!existsSync(`/run/netns/${ns(c, `n${k}`)}`)) attach(c, `n${k}`, nodeAddr(c, k));
  const cg = cgroup(c, k);
  mkdirSync(cg, { recursive: true });
  writeFileSync(join(cg, 'cpu.cfs_period_us'), '100000');
  writeFileSync(join(cg, 'cpu.cfs_quota_us'), String(Math.round(c.cpus * 100000)));
  const data = join(c.dir, `n${k}`);
  mkdirSync(data, { recursive: true });
  const args = ['serve', '--host', nodeAddr(c, k), '--port', String(NODE_PORT), '--data-dir', data, '--isolation', 'process', '--allow-public-unauthenticated'];
  if (state.cluster) args.push('--cluster', pgUrl(c), '--etcd', etcdUrl(c));
  const log = openSync(join(c.dir, `n${k}.log`), 'a');
  // Joins the cgroup before exec, so every process the node forks (runtimes, stem cells) is capped too.
  // It joins its CPU accounting group the same way, where there is one (deploy/lab/cpu.ts).
  const acct = accountingProcs(c, `n${k}`);
  const script = `echo $$ > ${join(cg, 'cgroup.procs')} && ${acct ? `echo $$ > ${acct} && ` : ''}exec ip netns exec ${ns(c, `n${k}`)} "$0" "$@"`;
  const child = spawn('sh', ['-c', script, process.execPath, join(c.root, 'bin/nimbus.js'), ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    // Cluster nodes share one keyring (docs/cluster.md): the lab's master key, made once.
    env: { ...process.env, NIMBUS_NODE_ID: `n${k}`, ...(state.cluster ? { NIMBUS_MASTER_KEY: labMasterKey(c) } : {}) },
  });
  child.unref();
  state.pids.nodes[String(k)] = child.pid!;
  state.nodes = Math.max(state.nodes, k);
  writeState(c, state);
  return child.pid!;
}

/** Every process in node `k`'s cgroup: the node and the sandboxes it forked. */
export function nodePids(c: LabConfig, k: number): number[] {
  const f = join(cgroup(c, k), 'cgroup.procs');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8').split('\n').filter(Boolean).map(Number);
}

function signalNode(c: LabConfig, k: number, sig: NodeJS.Signals): number {
  const pids = nodePids(c, k);
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // Gone between the read and the signal.
    }
  }
  return pids.length;
}

/** A crash: SIGKILL to the node and its sandboxes at once. */
export const crash = (c: LabConfig, k: number): number => signalNode(c, k, 'SIGKILL');
/** A gray failure: the node stops answering but keeps its sockets. */
export const pause = (c: LabConfig, k: number): number => signalNode(c, k, 'SIGSTOP');
export const resume = (c: LabConfig, k: number): number => signalNode(c, k, 'SIGCONT');

/** Drops all traffic in and out of node `k`'s eth0 (loopback still works), or only to and from `peer`. */
export function partition(c: LabConfig, k: number, peer?: string): void {
  const match = peer ? `ip daddr ${peer} drop` : `oifname "eth0" drop`;
  const matchIn = peer ? `ip saddr ${peer} drop` : `iifname "eth0" drop`;
  heal(c, k);
  inNs(c, `n${k}`, 'nft', ['-f', '-'], {
    input: `table inet chaos {\n chain input { type filter hook input priority 0; ${matchIn}; }\n chain output { type filter hook output priority 0; ${match}; }\n}\n`,
  });
}
export function heal(c: LabConfig, k: number): void {
  inNs(c, `n${k}`, 'nft', ['delete', 'table', 'inet', 'chaos'], { ok: true });
}

/** Stops everything the lab started and removes its namespaces, cgroups and (unless `keep`) its directory. */
export function down(c: LabConfig, keep = false): void {
  const state = readState(c);
  for (let k = 1; k <= (state?.nodes ?? 16); k++) {
    resume(c, k);
    crash(c, k);
  }
  if (state?.pids.etcd) {
    try {
      process.kill(state.pids.etcd, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  const pgdir = join(c.dir, 'pg');
  if (existsSync(join(pgdir, 'postmaster.pid'))) sh('runuser', ['-u', 'postgres', '--', `${PG}/pg_ctl`, '-D', pgdir, '-m', 'immediate', 'stop'], { ok: true });
  for (const name of sh('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0]!)) {
    if (name.startsWith(`${c.prefix}-`)) sh('ip', ['netns', 'delete', name], { ok: true });
  }
  for (let k = 1; k <= (state?.nodes ?? 16); k++) {
    // A cgroup can only be removed once empty; the SIGKILLs above take a moment to land.
    for (let i = 0; i < 50 && existsSync(cgroup(c, k)); i++) {
      try {
        rmdirSync(cgroup(c, k));
      } catch {
        spawnSync('sleep', ['0.1']);
      }
    }
  }
  removeAccounting(c);
  rmSync(statePath(c), { force: true });
  if (!keep) rmSync(c.dir, { recursive: true, force: true });
}

/** An HTTP request made from inside one of the lab's namespaces (curl there; the host has no route). */
export async function inNsFetch(
  c: LabConfig, name: string, url: string, method = 'GET', body?: string, headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const args = ['netns', 'exec', ns(c, name), 'node', '-e',
    `fetch(process.argv[1],{method:process.argv[2],body:process.argv[3]||undefined,headers:JSON.parse(process.argv[4]),signal:AbortSignal.timeout(5000)}).then(async r=>{process.stdout.write(r.status+'\\n'+await r.text())},()=>process.stdout.write('0\\n'))`,
    url, method, body ?? '', JSON.stringify(headers)];
  const out = await new Promise<string>((resolve) => {
    const p = spawn('ip', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let s = '';
    p.stdout.on('data', (d: Buffer) => (s += d.toString('utf8')));
    p.on('close', () => resolve(s));
  });
  const nl = out.indexOf('\n');
  return { status: Number(out.slice(0, nl < 0 ? undefined : nl)) || 0, body: nl < 0 ? '' : out.slice(nl + 1) };
}
