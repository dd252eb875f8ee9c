/**
 * The runtimes Nimbus can run, and the Lambda runtimes it knows but refuses (deprecated on AWS
 * or not runnable here). One registry: the control plane validates against it, the pool starts
 * sandboxes from it.
 */
import { RuntimeCatalog, type CatalogOptions } from './catalog.js';
import { javaDescriptor } from './java.js';
import { nodejsDescriptor } from './node.js';
import { provided } from './provided.js';
import { pythonDescriptor } from './python.js';
import type { RuntimeDescriptor } from './types.js';

/** AWS no longer accepts these for create or update (docs/reference/lambda-api.md §1.2, "Deprecated runtime"). */
const DEPRECATED = new Set([
  'nodejs', 'nodejs4.3', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'nodejs16.x',
  'nodejs4.3-edge', 'java8', 'python2.7', 'python3.6', 'python3.7', 'python3.8', 'dotnetcore1.0', 'dotnetcore2.0',
  'dotnetcore2.1', 'dotnetcore3.1', 'dotnet6', 'go1.x', 'ruby2.5', 'ruby2.7',
]);

export class RuntimeRegistry {
  private readonly byId = new Map<string, RuntimeDescriptor>();

  constructor(
    descriptors: readonly RuntimeDescriptor[],
    /** Where interpreters come from; null for a registry of descriptors that need none. */
    readonly catalog: RuntimeCatalog | null = null,
  ) {
    for (const d of descriptors) for (const id of d.ids) this.byId.set(id, d);
  }

  get(runtime: string): RuntimeDescriptor | undefined {
    return this.byId.get(runtime);
  }

  isDeprecated(runtime: string): boolean {
    return DEPRECATED.has(runtime);
  }

  /** The runtime identifiers this Nimbus knows, in a stable order (whether or not this machine can run them now). */
  ids(): string[] {
    return [...this.byId.keys()];
  }

  /**
   * What to await before asking about `runtime` (refusal, a descriptor's command): its
   * interpreters being probed in the background; undefined when the answer is already at hand.
   */
  ready(runtime: string): Promise<void> | undefined {
    return this.catalog?.ready(runtime);
  }

  /**
   * Why a function may not be created with (or updated to) `runtime` on this machine, or null
   * when it may: the exact interpreter version the runtime names must be available. The text is
   * the message of Lambda's InvalidParameterValueException and says how to provide it.
   */
  refusal(runtime: string): string | null {
    const a = this.get(runtime)?.availability?.(runtime);
    if (!a || a.ok) return null;
    return `The runtime ${runtime} is not available on this Nimbus: ${a.reason}. To provide it, ${a.howTo}.`;
  }
}

/**
 * The runtimes built into Nimbus, over a catalog of interpreters for `opts.dataDir` (installs and
 * registrations live in its `runtimes/` directory).
 */
export function builtinRuntimes(opts: CatalogOptions = {}): RuntimeRegistry {
  const catalog = new RuntimeCatalog(opts);
  return new RuntimeRegistry([nodejsDescriptor(catalog), pythonDescriptor(catalog), javaDescriptor(catalog), provided], catalog);
}
