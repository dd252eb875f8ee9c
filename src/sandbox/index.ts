/**
 * Chooses the isolation level and builds its sandbox factory: the one place the composition root
 * asks. `auto` prefers `namespace`. It falls back to `process`, with a loud warning that says why,
 * only where namespace isolation was never set up (not Linux, not root, bubblewrap not installed);
 * where it was set up but fails (cgroups not visible, bwrap refused), Nimbus stops and says why:
 * it fails closed. `process` never runs functions as root (process-users.ts).
 */
import { join } from 'node:path';
import { NimbusError } from '../core/errors.js';
import { detectNamespaceSupport } from './detect.js';
import type { CpuModel } from './namespace/cgroup.js';
export { CPU_MODELS, type CpuModel } from './namespace/cgroup.js';
import { NamespaceSandboxFactory, instanceTag } from './namespace/factory.js';
import { findProgram } from './namespace/host-layout.js';
import { EgressNetwork } from './namespace/network.js';
import { buildSeccompFilter } from './namespace/seccomp.js';
import { hostSyscallTable } from './namespace/syscalls.js';
import { ProcessSandboxFactory } from './process.js';
import { ProcessUsers } from './process-users.js';
import type { RuntimeDescriptor } from '../runtimes/types.js';
import type { NimbusApiTarget } from './api-relay.js';
import type { SandboxFactory } from './types.js';

export type IsolationChoice = 'namespace' | 'process' | 'auto';

export interface SandboxFactoryOptions {
  isolation: IsolationChoice;
  dataDir: string;
  /** Nimbus's own listening ports: egress sandboxes can never reach them. */
  hostPorts: number[];
  /** Extra CIDRs egress sandboxes may never reach (169.254.0.0/16 and loopback always are). */
  egressDeny?: string[];
  /** Where warnings about single sandboxes go (default: process warnings). */
  warn?: (message: string) => void;
  /** Stem cells kept ready per runtime family (docs/sandbox-lifecycle.md); 0 or absent: none. */
  stemCells?: number;
  /** The runtimes that may get stem cells (only families whose bootstrap supports them do). */
  stemRuntimes?: readonly RuntimeDescriptor[];
  /** How namespace sandboxes share the CPU (namespace/cgroup.ts); default `shared`. */
  cpuModel?: CpuModel;
  /**
   * Where functions reach Nimbus's own API (AWS_ENDPOINT_URL_LAMBDA); default: loopback at
   * `hostPorts[0]` once it is known. Namespace sandboxes get there through a relay (api-relay.ts).
   */
  nimbusApi?: NimbusApiTarget;
}

export interface SandboxFactoryChoice {
  factory: SandboxFactory;
  isolation: 'namespace' | 'process';
  /** Print at start-up and in `nimbus serve --help`: set whenever functions are not isolated, or partly. */
  warning?: string;
}

/** Text for `nimbus serve --help` and start-up: what `process` isolation does not do. */
export const PROCESS_ISOLATION_WARNING =
  'WARNING: sandbox isolation is "process": functions are not isolated from the host. They run as plain child processes of Nimbus, with its filesystem ' +
  'and its network (as an unprivileged user of their own when Nimbus is root, else as Nimbus\'s user). A function ' +
  'can read whatever that user may read, reach Nimbus\'s API and the host, and exhaust memory and processes. ' +
  'Use it only for trusted code on a development machine.';

/** Error thrown when `namespace` is demanded, or expected by `auto`, but the host cannot provide it. */
export class IsolationUnavailableError extends NimbusError {
  constructor(
    readonly reasons: string[],
    auto = false,
  ) {
    super(
      'ERR_ISOLATION_UNAVAILABLE',
      auto
        ? `namespace isolation should be available on this host (Linux, root, bubblewrap installed) but is not: ${reasons.join('; ')}. ` +
            'Nimbus does not fall back to weaker isolation on its own. Fix the cause, or choose process isolation deliberately ' +
            'with --isolation process (NIMBUS_ISOLATION=process): functions then run as unprivileged users, without containers.'
        : `namespace isolation is not available: ${reasons.join('; ')}`,
    );
  }
}

export function createSandboxFactory(opts: SandboxFactoryOptions): SandboxFactoryChoice {
  // The port is read when a sandbox needs it: app.ts fills hostPorts once its server listens.
  const nimbusApi: NimbusApiTarget =
    opts.nimbusApi ?? (() => (opts.hostPorts[0] !== undefined ? { host: '127.0.0.1', port: opts.hostPorts[0] } : null));
  const processChoice = (why: string[]): SandboxFactoryChoice => {
    const users = ProcessUsers.needed() ? ProcessUsers.create(opts.dataDir, instanceTag(opts.dataDir)) : null;
    const stems = opts.stemCells ? { size: opts.stemCells, descriptors: opts.stemRuntimes ?? [], ...(opts.warn ? { warn: opts.warn } : {}) } : undefined;
    return {
      factory: new ProcessSandboxFactory({ scratchRoot: users ? users.scratchRoot : join(opts.dataDir, 'sandboxes'), users, nimbusApi }, stems),
      isolation: 'process',
      warning: why.length ? `${PROCESS_ISOLATION_WARNING}\nNamespace isolation is unavailable because: ${why.join('; ')}.` : PROCESS_ISOLATION_WARNING,
    };
  };
  if (opts.isolation === 'process') return processChoice([]);
  const tag = instanceTag(opts.dataDir);
  const support = detectNamespaceSupport(tag);
  if (!support.ok) {
    if (opts.isolation === 'namespace') throw new IsolationUnavailableError(support.reasons);
    if (support.expected) throw new IsolationUnavailableError(support.reasons, true);
    return processChoice(support.reasons);
  }
  const ip = findProgram('ip') ?? '/usr/sbin/ip';
  const network = support.egressUnavailable
    ? null
    : new EgressNetwork({
        tag,
        hostPorts: opts.hostPorts,
        deny: opts.egressDeny ?? [],
        ip,
        nft: findProgram('nft') ?? '/usr/sbin/nft',
        nsenter: findProgram('nsenter') ?? '/usr/bin/nsenter',
      });
  const factory = new NamespaceSandboxFactory({
    dataDir: opts.dataDir,
    layout: support.layout,
    seccomp: buildSeccompFilter(hostSyscallTable()!),
    cgroups: support.cgroups,
    ...(opts.cpuModel ? { cpuModel: opts.cpuModel } : {}),
    network,
    ip,
    nimbusApi,
    ...(opts.warn ? { warn: opts.warn } : {}),
    ...(opts.stemCells ? { stemCells: { size: opts.stemCells, descriptors: opts.stemRuntimes ?? [] } } : {}),
  });
  const partial = [support.egressUnavailable && `functions with egress cannot start: ${support.egressUnavailable}`, support.tcpApiUnavailable && `custom runtimes cannot start, and functions cannot call Nimbus's API: ${support.tcpApiUnavailable}`].filter(Boolean);
  return {
    factory,
    isolation: 'namespace',
    ...(partial.length ? { warning: `WARNING: namespace isolation is partial: ${partial.join('; ')}.` } : {}),
  };
}
