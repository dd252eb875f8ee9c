/**
 * `namespace` isolation: one bubblewrap container per sandbox (docs/isolation.md). This class owns
 * exactly one bwrap process tree and everything made for it: the scratch directory, the cgroups,
 * the crash record, the uid and, with egress, the veth pair. `dispose()` (inherited) kills the
 * tree and `release()` frees the rest, once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { ApiRelay } from '../api-relay.js';
import { ChildSandbox, exitReason } from '../child-sandbox.js';
import type { Duplex, Readable } from 'node:stream';
import type { ExtensionsApi } from '../extensions/extensions-api.js';
import { loopbackRequest, post, type TelemetryTransport } from '../extensions/telemetry.js';
import { SandboxInitError, type InitReport, type SandboxSpec } from '../types.js';
import { bwrapCommand, identityFiles, SANDBOX_HOSTS } from './bwrap-args.js';
import { nsenterPath } from './mounter.js';
import type { SandboxCgroup } from './cgroup.js';
import { rmdirQuiet } from './cgroup-fs.js';
import { initLimits, limitsFor, type CgroupLimits } from './cgroup.js';
import type { NamespaceContext } from './context.js';
import { BLOCK_FD, INFO_FD, JOIN_CGROUPS, SECCOMP_FD, launchBwrap, readChildPid } from './launcher.js';
import type { EgressLease } from './network.js';
import { procStart, removeScratch, self, writeRecord, type SandboxRecord } from './records.js';

/** Longest Unix socket path Linux accepts (sun_path is 108 bytes with the NUL). */
const MAX_SOCKET_PATH = 107;

export class NamespaceSandbox extends ChildSandbox {
  protected readonly scratch: string;
  private readonly apiDir: string;
  protected cgroup: SandboxCgroup | null = null;
  private lease: EgressLease | null = null;
  private uid: number | null = null;
  private finalPeak: number | null = null;
  private relay: ApiRelay | null = null;
  private readonly record: SandboxRecord;

  constructor(
    spec: SandboxSpec,
    private readonly ctx: NamespaceContext,
  ) {
    super(spec);
    if (!/^[0-9a-zA-Z_-]{1,64}$/.test(spec.id)) throw new Error(`bad sandbox id ${spec.id}`);
    this.scratch = join(ctx.scratchRoot, spec.id);
    const inside = join(this.scratch, 'api');
    // Deep data directories make the socket path too long for sun_path; fall back to a short one.
    this.apiDir = join(inside, 'rapi.sock').length <= MAX_SOCKET_PATH ? inside : join(ctx.shortApiRoot, spec.id);
    this.record = { id: spec.id, owner: self(), cgroups: [], ...(this.apiDir !== inside ? { apiDir: this.apiDir } : {}) };
  }

  /** Whether this sandbox reaches Nimbus's API through a relay (its environment then names it). */
  protected get apiRelayed(): boolean {
    return this.ctx.nimbusApi !== null;
  }

  /** The cgroup directories (for diagnostics and tests). */
  get cgroupDirs(): readonly string[] {
    return this.record.cgroups;
  }

  protected apiTarget(): { path: string } {
    mkdirSync(this.scratch, { recursive: true, mode: 0o700 });
    writeRecord(this.scratch, this.record);
    // Only the bound directory's own mode matters inside: its parents can stay closed to host users.
    if (this.record.apiDir) mkdirSync(this.ctx.shortApiRoot, { recursive: true, mode: 0o700 });
    // The sandbox user must traverse the directory (it is bound at /run/nimbus) but not list or write it.
    mkdirSync(this.apiDir, { recursive: true, mode: 0o711 });
    chmodSync(this.apiDir, 0o711);
    return { path: join(this.apiDir, 'rapi.sock') };
  }

  protected async launch(): Promise<ChildProcess> {
    const { spec, ctx } = this;
    // connect(2) on a Unix socket needs write permission on it; the sandbox's uid is not root.
    chmodSync(join(this.apiDir, 'rapi.sock'), 0o666);
    this.uid = ctx.uids.take();
    const ids = identityFiles(this.uid, this.uid);
    const passwdFile = join(this.scratch, 'passwd');
    const groupFile = join(this.scratch, 'group');
    writeFileSync(passwdFile, ids.passwd, { mode: 0o644 });
    writeFileSync(groupFile, ids.group, { mode: 0o644 });

    if (ctx.nimbusApi) this.relay = await ApiRelay.listen(join(this.apiDir, 'api.sock'), ctx.nimbusApi);
    // Init runs with at least one vCPU; `start()` applies the function's CPU once the runtime is ready.
    this.cgroup = ctx.cgroups.create(spec.id, initLimits(this.limits()));
    this.record.cgroups = [...this.cgroup.dirs];
    const egress = spec.network !== 'none';
    if (egress) this.record.veth = `nbx${spec.id.slice(0, 12)}`;
    writeRecord(this.scratch, this.record);

    // Merged once per set of layers; a sandbox only binds the result.
    const optDir = spec.layers ? await spec.layers.dir() : undefined;
    // An image is unpacked once per digest; its sandboxes bind the result as their root.
    const imageRoot = spec.image ? await spec.image.rootfs() : undefined;
    const ext = this.ext;
    let extensions: { names: readonly string[]; hostsFile: string } | undefined;
    if (ext) {
      const hostsFile = join(this.scratch, 'hosts');
      writeFileSync(hostsFile, SANDBOX_HOSTS, { mode: 0o644 });
      extensions = { names: ext.names, hostsFile };
    }
    const cmd = bwrapCommand({
      layout: ctx.layout,
      spec,
      ...(optDir ? { optDir } : {}),
      ...(imageRoot !== undefined ? { imageRoot } : {}),
      uid: this.uid,
      gid: this.uid,
      apiDir: this.apiDir,
      passwdFile,
      groupFile,
      seccompFd: SECCOMP_FD,
      apiRelay: this.relay !== null,
      ...(this.relay && ctx.nimbusApi?.() ? { nimbusPort: ctx.nimbusApi()!.port } : {}),
      ...(egress ? { egress: { infoFd: INFO_FD, blockFd: BLOCK_FD } } : {}),
      ...(extensions ? { extensions } : {}),
    });
    const mountNamespace = this.mountNamespace();
    const launched = await launchBwrap({
      bash: ctx.layout.bash,
      bwrap: ctx.layout.bwrap,
      joinFiles: this.cgroup.joinFiles,
      options: cmd.options,
      seccomp: ctx.seccomp,
      command: cmd.command,
      egress,
      ...(mountNamespace ? { mountNamespace } : {}),
      ...(ext ? { extensions: true } : {}),
    });
    if (ext) this.wireExtensions(ext, launched.extLog!, launched.control!);
    const pid = launched.child.pid!;
    this.record.bwrap = { pid, start: procStart(pid) ?? '0' };
    writeRecord(this.scratch, this.record);
    if (egress) {
      try {
        if (!ctx.network) throw new Error('egress is not available on this host');
        const childPid = await readChildPid(launched.info!, 5000);
        this.lease = await ctx.network.plumb(childPid, spec.id, spec.network === 'egress-lan');
        // One byte releases bwrap's --block-fd: the runtime starts with its network ready.
        launched.block!.end('1');
      } catch (e) {
        launched.child.kill('SIGKILL');
        throw e;
      }
    }
    return launched.child;
  }

  /**
   * The extensions' side of the launch (bwrap-args.ts): their output, the exits the sandbox's
   * shell reports, and `go` for the runtime once all have registered.
   */
  private wireExtensions(ext: ExtensionsApi, log: Readable, control: Duplex): void {
    log.setEncoding('utf8').on('data', (s: string) => this.extensionOutput(s));
    let pending = '';
    control.setEncoding('utf8').on('data', (s: string) => {
      pending += s;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const m = /^exit (\d+) (.*)$/.exec(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        if (m) ext.exited(m[2]!, this.exitReasonFor(Number(m[1]), null));
      }
    });
    ext.registered.then(
      () => control.write('go\n'),
      () => undefined,
    );
  }

  /**
   * Telemetry goes to the extension's listener on `sandbox.localdomain` (127.0.0.1 inside): a
   * forwarder per port (socat in the sandbox's network namespace, entered with nsenter, listening
   * on a Unix socket in the scratch directory) carries Nimbus's POSTs there.
   */
  protected override telemetryTransport(): TelemetryTransport {
    return async (uri, body) => {
      const port = Number(uri.port || 80);
      const socketPath = await this.forwarderTo(port);
      const { host: _host, port: _port, ...rest } = loopbackRequest(uri, body);
      await post({ ...rest, socketPath }, body);
    };
  }

  private readonly forwarders = new Map<number, Promise<string>>();
  private readonly forwarderProcs: ChildProcess[] = [];

  private forwarderTo(port: number): Promise<string> {
    let f = this.forwarders.get(port);
    if (!f) {
      f = this.startForwarder(port);
      f.catch(() => this.forwarders.delete(port));
      this.forwarders.set(port, f);
    }
    return f;
  }

  private async startForwarder(port: number): Promise<string> {
    const socat = this.ctx.layout.socat;
    if (!socat) throw new Error('telemetry needs socat');
    const pid = sandboxPid(this.cgroup?.procsFiles ?? []);
    if (pid === null) throw new Error('the sandbox has no process in its network namespace');
    const path = join(this.scratch, `telemetry-${port}.sock`);
    // The forwarder joins the sandbox's cgroups first, so that killing the sandbox (or cleaning up
    // after a crashed Nimbus) takes it too.
    const argv = ['-c', `${JOIN_CGROUPS}; exec "$@"`, 'nimbus-telemetry', ...(this.cgroup?.joinFiles ?? []), '--', nsenterPath(), `--net=/proc/${pid}/ns/net`, '--'];
    const proc = spawn(this.ctx.layout.bash, [...argv, socat, `UNIX-LISTEN:${path},fork,unlink-early,mode=600`, `TCP:127.0.0.1:${port}`], { stdio: 'ignore', env: {} });
    proc.on('error', () => undefined);
    this.forwarderProcs.push(proc);
    for (let i = 0; i < 200 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 10));
    if (!existsSync(path)) throw new Error('the telemetry forwarder did not start');
    return path;
  }

  /** The mount namespace bwrap starts in; undefined: the host's. */
  protected mountNamespace(): { nsenter: string; path: string } | undefined {
    return undefined;
  }

  override async start(initTimeoutMs: number): Promise<InitReport> {
    return this.capCpu(await super.start(initTimeoutMs));
  }

  /** The kernel limits of this sandbox's function under the server's CPU model. */
  protected limits(): CgroupLimits {
    return limitsFor(this.spec.memoryMb, this.ctx.cpuModel);
  }

  /** Applies the function's CPU (quota and weight, per the CPU model) once init is over. */
  protected async capCpu(report: InitReport): Promise<InitReport> {
    const limits = this.limits();
    try {
      this.cgroup?.setCpuQuota(limits.cpuQuotaUs, limits.cpuPeriodUs);
      this.cgroup?.setCpuShares(limits.cpuShares);
    } catch (e) {
      // A sandbox that cannot be capped must not run. If its runtime died meanwhile (its cgroup
      // went with it), that death is the reason, as Lambda reports it.
      const reason = this.deathReason ?? `cgroup: ${(e as Error).message}`;
      await this.dispose();
      throw new SandboxInitError({ kind: 'exit', reason }, '', report.durationMs);
    }
    return report;
  }

  protected override exitReasonFor(code: number | null, signal: NodeJS.Signals | null): string {
    // The memory cgroup's OOM killer SIGKILLs the runtime; bwrap, its parent, reports that as
    // exit status 128 + 9. Lambda says "signal: killed" for it, so report the signal.
    if (this.outOfMemory || (this.cgroup && this.cgroup.oomKills() > 0)) {
      this.outOfMemory = true;
      return 'signal: killed';
    }
    if (signal === null && code !== null && code > 128 && code < 128 + 65) {
      const name = Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0];
      if (name) return exitReason(null, name as NodeJS.Signals);
    }
    return exitReason(code, signal);
  }

  protected killTree(): void {
    // SIGKILL to the host-side bwrap takes its pid-1 child with it (PR_SET_PDEATHSIG), and the
    // death of a pid namespace's init SIGKILLs every process in it (pid_namespaces(7)), setsid'd
    // daemons included. The cgroup sweep is the second net.
    const pid = this.child?.pid;
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    this.cgroup?.killAll();
  }

  protected readPeakMemory(): number {
    if (this.finalPeak !== null) return this.finalPeak;
    return this.cgroup?.peakMemoryBytes() ?? 0;
  }

  protected async release(): Promise<void> {
    const errors: unknown[] = [];
    const attempt = async (f: () => Promise<void> | void): Promise<void> => {
      try {
        await f();
      } catch (e) {
        errors.push(e);
      }
    };
    this.relay?.close();
    this.relay = null;
    for (const p of this.forwarderProcs) p.kill('SIGKILL');
    this.forwarderProcs.length = 0;
    // Kept for the invocation that ended with this death (an OOM kill reports its peak).
    this.finalPeak = this.cgroup?.peakMemoryBytes() ?? 0;
    await attempt(() => this.cgroup?.remove());
    await attempt(() => this.lease?.release());
    if (this.uid !== null) this.ctx.uids.give(this.uid);
    this.uid = null;
    if (errors.length === 0) {
      await attempt(() => removeScratch(this.scratch));
      if (this.apiDir !== join(this.scratch, 'api') && existsSync(this.apiDir)) {
        await attempt(() => removeScratch(this.apiDir));
        rmdirQuiet(this.ctx.shortApiRoot);
      }
    }
    // Whatever could not be removed stays recorded for cleanupStale.
    if (errors.length) this.ctx.warn(`sandbox ${this.id}: cleanup incomplete: ${errors.map(String).join('; ')}`);
  }
}

/** A process of the sandbox inside its own network namespace (not the host-side bwrap), from its cgroup. */
function sandboxPid(procsFiles: readonly string[]): number | null {
  const own = readlinkSync('/proc/self/ns/net');
  for (const f of procsFiles) {
    let pids: string[];
    try {
      pids = readFileSync(f, 'utf8').split('\n').filter(Boolean);
    } catch {
      continue;
    }
    for (const p of pids) {
      try {
        if (readlinkSync(`/proc/${p}/ns/net`) !== own) return Number(p);
      } catch {
        // Gone meanwhile.
      }
    }
  }
  return null;
}
