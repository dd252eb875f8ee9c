/**
 * What every namespace sandbox of one factory shares: the host layout, the compiled seccomp
 * program, the cgroup manager, the egress network and the uid pool. Built once by the factory.
 */
import type { CgroupManager } from './cgroup.js';
import type { HostLayout } from './host-layout.js';
import type { NimbusApiTarget } from '../api-relay.js';
import type { EgressNetwork } from './network.js';

export interface NamespaceContext {
  /** `<dataDir>/sandboxes`: one scratch directory per sandbox, with its crash record. */
  scratchRoot: string;
  /** A short directory for Runtime API sockets when the data directory is too deep for sun_path. */
  shortApiRoot: string;
  layout: HostLayout;
  seccomp: Buffer;
  cgroups: CgroupManager;
  /** Null when the host lacks nft or ip: egress sandboxes then fail to start, loudly. */
  network: EgressNetwork | null;
  uids: UidPool;
  /** Where sandboxes reach Nimbus's API through their relay (api-relay.ts); null: no relay. */
  nimbusApi: NimbusApiTarget | null;
  warn(message: string): void;
}

/**
 * Gives every live sandbox its own uid (and gid of the same number), so that even a process that
 * escaped its namespaces could not signal, ptrace or read another function's processes and files.
 * The range sits above the ones Debian and useradd hand out (system < 1000, users < 60000).
 */
export class UidPool {
  private readonly used = new Set<number>();
  private next: number;

  /** `start` spreads Nimbus instances on one host over the range (the factory derives it from its tag). */
  constructor(
    readonly base = 200_000,
    readonly size = 65_536,
    start = 0,
  ) {
    this.next = start % size;
  }

  take(): number {
    for (let i = 0; i < this.size; i++) {
      const uid = this.base + ((this.next + i) % this.size);
      if (!this.used.has(uid)) {
        this.used.add(uid);
        this.next = (this.next + i + 1) % this.size;
        return uid;
      }
    }
    throw new Error('no free sandbox uid');
  }

  give(uid: number): void {
    this.used.delete(uid);
  }
}
