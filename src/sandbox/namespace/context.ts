/**
 * What every namespace sandbox of one factory shares: the host layout, the compiled seccomp
 * program, the cgroup manager, the egress network and the uid pool. Built once by the factory.
 */
import type { CgroupManager, CpuModel } from './cgroup.js';
import type { HostLayout } from './host-layout.js';
import type { NimbusApiTarget } from '../api-relay.js';
import type { EgressNetwork } from './network.js';
import type { UidPool } from '../uid-pool.js';

export interface NamespaceContext {
  /** `<dataDir>/sandboxes`: one scratch directory per sandbox, with its crash record. */
  scratchRoot: string;
  /** A short directory for Runtime API sockets when the data directory is too deep for sun_path. */
  shortApiRoot: string;
  layout: HostLayout;
  seccomp: Buffer;
  cgroups: CgroupManager;
  /** How sandboxes share the CPU (cgroup.ts). */
  cpuModel: CpuModel;
  /** Null when the host lacks nft or ip: egress sandboxes then fail to start, loudly. */
  network: EgressNetwork | null;
  uids: UidPool;
  /** Where sandboxes reach Nimbus's API through their relay (api-relay.ts); null: no relay. */
  nimbusApi: NimbusApiTarget | null;
  warn(message: string): void;
}
