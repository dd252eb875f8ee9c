/** Creates `namespace` sandboxes; one instance per Nimbus (it owns the uid pool and the egress rules). */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RuntimeDescriptor } from '../../runtimes/types.js';
import type { NimbusApiTarget } from '../api-relay.js';
import { StemPool } from '../stem.js';
import type { Sandbox, SandboxFactory, SandboxSpec } from '../types.js';
import type { CgroupManager, CpuModel } from './cgroup.js';
import type { NamespaceContext } from './context.js';
import { UidPool } from '../uid-pool.js';
import type { HostLayout } from './host-layout.js';
import { createMounter, type Mounter } from './mounter.js';
import type { EgressNetwork } from './network.js';
import { NamespaceSandbox } from './sandbox.js';
import { cleanupStale, type StaleReport } from './stale.js';
import { NamespaceStemCell } from './stem-cell.js';

/** Short, stable name for one data directory: tags cgroups, the nft table and short socket dirs. */
export function instanceTag(dataDir: string): string {
  return createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12);
}

export interface NamespaceFactoryParts {
  dataDir: string;
  layout: HostLayout;
  seccomp: Buffer;
  cgroups: CgroupManager;
  /** How sandboxes share the CPU (cgroup.ts); default `shared`. */
  cpuModel?: CpuModel;
  network: EgressNetwork | null;
  ip: string;
  warn?: (message: string) => void;
  /** Nimbus's API, relayed into every sandbox when socat is installed (api-relay.ts). */
  nimbusApi?: NimbusApiTarget;
  /** Stem cells kept ready per runtime family (0 or absent: none), for these runtimes. */
  stemCells?: { size: number; descriptors: readonly RuntimeDescriptor[] };
}

export class NamespaceSandboxFactory implements SandboxFactory {
  readonly isolation = 'namespace' as const;
  private readonly ctx: NamespaceContext;
  /** Every sandbox and stem cell this factory started, by the name its resources carry. */
  private readonly live = new Map<string, NamespaceSandbox>();
  private readonly stems: StemPool | null = null;
  private readonly mounter: Mounter | null = null;

  constructor(private readonly parts: NamespaceFactoryParts) {
    const tag = instanceTag(parts.dataDir);
    const scratchRoot = join(resolve(parts.dataDir), 'sandboxes');
    mkdirSync(scratchRoot, { recursive: true, mode: 0o700 });
    this.ctx = {
      scratchRoot,
      shortApiRoot: `/run/nimbus-${tag}`,
      layout: parts.layout,
      seccomp: parts.seccomp,
      cgroups: parts.cgroups,
      cpuModel: parts.cpuModel ?? 'shared',
      network: parts.network,
      uids: new UidPool(200_000, 65_536, parseInt(tag.slice(0, 4), 16)),
      nimbusApi: parts.nimbusApi && parts.layout.socat ? parts.nimbusApi : null,
      warn: parts.warn ?? ((m) => process.emitWarning(m, { code: 'NIMBUS_SANDBOX' })),
    };
    if (parts.stemCells && parts.stemCells.size > 0) {
      const m = createMounter();
      if ('reason' in m) this.ctx.warn(`stem cells are disabled: ${m.reason}`);
      else {
        const mounter = m.mounter;
        this.mounter = mounter;
        this.stems = new StemPool({
          size: parts.stemCells.size,
          descriptors: parts.stemCells.descriptors,
          make: (d, id) => this.track(new NamespaceStemCell(d, id, this.ctx, mounter)),
          warn: this.ctx.warn,
        });
      }
    }
  }

  /** Starts the stem cells in the background. */
  prestart(): void {
    this.stems?.fill();
  }

  /** Resolves true once every runtime family has its stem cells ready (false: none, or they failed). */
  stemCellsReady(timeoutMs?: number): Promise<boolean> {
    return this.stems ? this.stems.whenFull(timeoutMs) : Promise.resolve(false);
  }

  /** The cgroup version in use, for diagnostics. */
  get cgroupVersion(): 1 | 2 {
    return this.parts.cgroups.version;
  }

  /** The cgroup directories of sandbox `id` (for diagnostics and tests). */
  cgroupDirsOf(id: string): string[] {
    // A stem cell's cgroup carries the cell's name, not the id of the sandbox it became.
    for (const s of this.live.values()) if (s.id === id && s.cgroupDirs.length) return [...s.cgroupDirs];
    return this.parts.cgroups.dirsFor(id);
  }

  create(spec: SandboxSpec): Sandbox {
    const cell = this.stems?.take(spec);
    if (cell) return cell.adopt(spec);
    return this.track(new NamespaceSandbox(spec, this.ctx));
  }

  private track<S extends NamespaceSandbox>(sandbox: S): S {
    const name = sandbox.id;
    this.live.set(name, sandbox);
    sandbox.onDeath(() => {
      this.live.delete(name);
      // Leave no empty directories in the cgroup Nimbus was started in: its owner may want to remove it.
      if (this.live.size === 0) this.ctx.cgroups.pruneParents();
    });
    return sandbox;
  }

  /** Removes leftovers of an earlier, crashed Nimbus on this data directory. */
  cleanupStale(): Promise<void> {
    return this.cleanupStaleReport().then(() => undefined);
  }

  /** `cleanupStale` with a report of what it removed. */
  cleanupStaleReport(): Promise<StaleReport> {
    return cleanupStale({ scratchRoot: this.ctx.scratchRoot, cgroups: this.ctx.cgroups, live: new Set(this.live.keys()), ip: this.parts.ip });
  }

  /** Disposes every live sandbox and removes this instance's cgroup parents and egress rules. */
  async close(): Promise<void> {
    await this.stems?.close();
    await Promise.all([...this.live.values()].map((s) => s.dispose()));
    this.mounter?.close();
    this.ctx.cgroups.pruneParents();
    await this.ctx.network?.removeRules();
  }
}
