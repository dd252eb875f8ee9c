/**
 * Network for namespace sandboxes. Every sandbox has its own network namespace; by default it
 * holds only loopback, so nothing outside the sandbox (the host's Nimbus API, the host's other
 * ports, the internet) is reachable.
 *
 * Egress (opt-in per function): a veth pair joins the sandbox's namespace to the host, with a /30
 * per sandbox, a default route through the host and NAT. One nftables table per Nimbus instance
 * then decides what sandbox traffic may do:
 *   - nothing addressed to the host itself (input from nbx* is dropped; Nimbus's ports are named
 *     explicitly as well, so they stay closed even if an operator loosens the rest);
 *   - no link-local (169.254.0.0/16: the cloud metadata service, Firecracker's advice), loopback,
 *     multicast or other sandboxes; no IPv6 at all (addrgenmode none: no link-local address);
 *   - no private network (RFC 1918, CGNAT, benchmarking ranges: the operator's LAN and whatever
 *     sits on it), unless the function asked for `egress-lan`: such a sandbox's veth gets an
 *     accept rule of its own in the `lan` chain, added with the veth and removed with it;
 *   - everything else is forwarded and masqueraded.
 * Forwarding needs net.ipv4.ip_forward=1, which Nimbus sets when the first egress sandbox starts.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

/** Host-side interface names start with this; nft rules match `nbx*` (IFNAMSIZ allows 15 characters). */
export const VETH_PREFIX = 'nbx';

export interface EgressOptions {
  /** Instance tag (hex), names the nftables table. */
  tag: string;
  /** Nimbus's own listening ports on the host. */
  hostPorts: readonly number[];
  /** IPv4 /16 the sandbox links are carved from. */
  subnet?: string;
  /** Extra destinations (CIDR) sandboxes may never reach. */
  deny?: readonly string[];
  ip?: string;
  nft?: string;
  nsenter?: string;
}

/** Destinations always refused: link-local (metadata), loopback, "this network", multicast, broadcast. */
export const ALWAYS_DENIED = ['169.254.0.0/16', '127.0.0.0/8', '0.0.0.0/8', '224.0.0.0/4', '255.255.255.255/32'];

/** Private networks (RFC 1918, RFC 6598 CGNAT, RFC 2544 benchmarking): reached only with `egress-lan`. */
export const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '198.18.0.0/15'];

/** The nftables ruleset for one instance (pure, so a test can read it). */
export function egressRuleset(table: string, subnet: string, hostPorts: readonly number[], deny: readonly string[]): string {
  const ports = hostPorts.length ? `\n    elements = { ${hostPorts.join(', ')} }` : '';
  const denied = [...ALWAYS_DENIED, subnet, ...deny].join(', ');
  return `table inet ${table} {
  set nimbus_ports {
    type inet_service;${ports}
  }
  chain input {
    type filter hook input priority filter - 10; policy accept;
    iifname "${VETH_PREFIX}*" meta l4proto { tcp, udp } th dport @nimbus_ports drop
    iifname "${VETH_PREFIX}*" ct state established,related accept
    iifname "${VETH_PREFIX}*" drop
  }
  chain forward {
    type filter hook forward priority filter - 10; policy accept;
    iifname "${VETH_PREFIX}*" meta nfproto ipv6 drop
    iifname "${VETH_PREFIX}*" oifname "${VETH_PREFIX}*" drop
    iifname "${VETH_PREFIX}*" ip daddr { ${denied} } drop
    iifname "${VETH_PREFIX}*" ip daddr { ${PRIVATE_RANGES.join(', ')} } jump lan
    iifname "${VETH_PREFIX}*" accept
    oifname "${VETH_PREFIX}*" ct state established,related accept
    oifname "${VETH_PREFIX}*" drop
  }
  chain lan {
    drop
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr ${subnet} oifname != "${VETH_PREFIX}*" masquerade
  }
}
`;
}

/** A sandbox's link: released when the sandbox is (the veth also dies with its namespace). */
export interface EgressLease {
  veth: string;
  sandboxIp: string;
  gatewayIp: string;
  release(): Promise<void>;
}

export class EgressNetwork {
  private readonly table: string;
  private readonly base: number;
  private readonly slots = new Set<number>();
  private readonly start: number;
  private ready: Promise<void> | null = null;
  private readonly ip: string;
  private readonly nft: string;
  private readonly nsenter: string;
  readonly subnet: string;

  constructor(private readonly opts: EgressOptions) {
    this.table = `nimbus_${opts.tag}`;
    this.subnet = opts.subnet ?? '10.213.0.0/16';
    const [addr, bits] = this.subnet.split('/');
    if (bits !== '16' || !addr) throw new Error(`egress subnet must be a /16, not ${this.subnet}`);
    this.base = ipToInt(addr);
    // Instances on one host start at different slots, so they rarely even try the same /30.
    this.start = parseInt(createHash('sha256').update(opts.tag).digest('hex').slice(0, 4), 16) % 16384;
    this.ip = opts.ip ?? '/usr/sbin/ip';
    this.nft = opts.nft ?? '/usr/sbin/nft';
    this.nsenter = opts.nsenter ?? '/usr/bin/nsenter';
  }

  /** Installs the instance's nftables table (replacing an earlier one) and enables forwarding. */
  ensureRules(): Promise<void> {
    this.ready ??= (async () => {
      const rules = egressRuleset(this.table, this.subnet, this.opts.hostPorts, this.opts.deny ?? []);
      // "table ...; delete table ..." makes the load idempotent whether or not it existed.
      await run(this.nft, ['-f', '-'], `table inet ${this.table}\ndelete table inet ${this.table}\n${rules}`);
      if (readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim() !== '1') writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
    })();
    this.ready.catch(() => {
      this.ready = null;
    });
    return this.ready;
  }

  /** Removes the instance's table (when Nimbus shuts down with no egress sandbox left). */
  async removeRules(): Promise<void> {
    this.ready = null;
    await run(this.nft, ['-f', '-'], `table inet ${this.table}\ndelete table inet ${this.table}\n`).catch(() => undefined);
  }

  /**
   * Joins the network namespace of host pid `pid` to the host with a fresh veth pair; with `lan`,
   * the sandbox may also reach private networks (an accept rule for its veth in the `lan` chain).
   */
  async plumb(pid: number, id: string, lan = false): Promise<EgressLease> {
    await this.ensureRules();
    const slot = this.allocate();
    const net = this.base + slot * 4;
    const gatewayIp = intToIp(net + 1);
    const sandboxIp = intToIp(net + 2);
    const veth = `${VETH_PREFIX}${id.slice(0, 12)}`;
    let lanRule: string | null = null;
    const release = async (): Promise<void> => {
      this.slots.delete(slot);
      if (lanRule) await run(this.nft, ['delete', 'rule', 'inet', this.table, 'lan', 'handle', lanRule]).catch(() => undefined);
      await deleteLink(this.ip, veth);
    };
    try {
      // No IPv6 on either end (addrgenmode none: not even a link-local address to reach the host by).
      await run(this.ip, ['-batch', '-'], [
        `link add ${veth} type veth peer name eth0 netns ${pid}`,
        `link set ${veth} addrgenmode none`,
        `addr add ${gatewayIp}/30 dev ${veth}`,
        `link set ${veth} up`,
        '',
      ].join('\n'));
      await run(this.nsenter, [`--net=/proc/${pid}/ns/net`, this.ip, '-batch', '-'], [
        'link set eth0 addrgenmode none',
        `addr add ${sandboxIp}/30 dev eth0`,
        'link set eth0 up',
        `route add default via ${gatewayIp}`,
        '',
      ].join('\n'));
      if (lan) {
        // Inserted ahead of the chain's final drop; the handle removes exactly this rule later.
        const out = await run(this.nft, ['--echo', '--handle', 'insert', 'rule', 'inet', this.table, 'lan', 'iifname', veth, 'accept']);
        lanRule = /# handle (\d+)/.exec(out)?.[1] ?? null;
        if (!lanRule) throw new Error(`egress: nft gave no handle for the LAN rule of ${veth}`);
      }
    } catch (e) {
      await release();
      throw e;
    }
    return { veth, sandboxIp, gatewayIp, release };
  }

  private allocate(): number {
    const taken = routedNetworks();
    for (let i = 0; i < 16384; i++) {
      const slot = (this.start + i) % 16384;
      if (this.slots.has(slot) || taken.has(this.base + slot * 4)) continue;
      this.slots.add(slot);
      return slot;
    }
    throw new Error(`egress: no free /30 left in ${this.subnet}`);
  }
}

/** Deletes a host-side veth; gone already is fine (it dies with the sandbox's namespace). */
export async function deleteLink(ip: string, name: string): Promise<void> {
  await run(ip, ['link', 'del', name]).catch(() => undefined);
}

/** Networks in the host's main routing table (/proc/net/route, little-endian hex), to avoid clashing with them. */
function routedNetworks(): Set<number> {
  const out = new Set<number>();
  try {
    for (const line of readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
      const dest = line.split('\t')[1];
      if (dest && dest !== '00000000') out.add(Buffer.from(dest, 'hex').readUInt32LE(0));
    }
  } catch {
    // Without the table we can only rely on our own slot set.
  }
  return out;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, p) => n * 256 + Number(p), 0) >>> 0;
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Runs a command with `input` on stdin; rejects with its stderr when it fails. */
export function run(cmd: string, args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: ${err.trim() || `exit ${code}`}`))));
    // A command that does not read its input (ip link del) may exit first: EPIPE is not its failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
