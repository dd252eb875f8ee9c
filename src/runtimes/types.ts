/**
 * A runtime descriptor: how one runtime family (Node.js, Python, Java, custom) is started inside
 * a sandbox. Descriptors are data plus small functions of the runtime identifier; the bootstraps
 * they start are guest code under guest/ and never import host modules.
 */
import type { Availability } from './catalog.js';

export type RuntimeFamily = 'nodejs' | 'python' | 'java' | 'provided';

/** Where things are as the sandboxed process sees them. */
export interface LaunchPaths {
  /** The function's code (AWS: /var/task). */
  taskRoot: string;
  /** Nimbus's guest bootstrap for this family (AWS: /var/runtime). */
  runtimeDir: string;
  /**
   * The function's layers, merged (AWS: /opt, where namespace sandboxes mount them); absent: /opt.
   * Process sandboxes have no mount namespace and pass the merged directory's own path.
   */
  optDir?: string;
}

/** Where the layers are when LaunchPaths says nothing: AWS's /opt. */
export const OPT = '/opt';

export interface RuntimeDescriptor {
  readonly family: RuntimeFamily;
  /** Lambda runtime identifiers this descriptor serves, for example `nodejs20.x`. */
  readonly ids: readonly string[];
  /** Returns why `handler` cannot work for this runtime, or null when it is well-formed. */
  checkHandler(handler: string): string | null;
  /**
   * The argv that starts `runtime` (argv[0] is an absolute path or a name found on PATH). When
   * the runtime's interpreter is not available, a command that fails at once and says why.
   */
  command(paths: LaunchPaths, runtime: string, handler: string): string[];
  /** Environment the family needs on top of Lambda's standard variables (module paths, SDK). */
  env(paths: LaunchPaths, runtime?: string): Record<string, string>;
  /**
   * Host directories the sandbox must expose read-only for `command` to run: the interpreter's
   * (wherever it lives, under /root or the data directory included) and the runtime's SDK.
   */
  hostPaths(runtime?: string): string[];
  /** Host directory holding this family's guest bootstrap; sandboxes show it as `runtimeDir`. */
  hostRuntimeDir(): string;
  /** Whether `runtime` can run here, on exactly the version it names (absent: always). */
  availability?(runtime: string): Availability;
  /**
   * The install of `runtime`'s SDK under way (runtimes/sdk-install.ts), or undefined: a sandbox
   * started before it ends would not have the SDK its functions import.
   */
  sdkPending?(runtime: string): Promise<void> | undefined;
  /** The runtime stem cells of this family start with (absent: the first id). */
  stemRuntime?(): string | null;
}
