/**
 * The runtimes Nimbus can run, and the Lambda runtimes it knows but refuses (deprecated on AWS
 * or not runnable here). One registry: the control plane validates against it, the pool starts
 * sandboxes from it.
 */
import { java } from './java.js';
import { nodejs } from './node.js';
import { provided } from './provided.js';
import { python } from './python.js';
import type { RuntimeDescriptor } from './types.js';

/** AWS no longer accepts these for create or update (docs/reference/lambda-api.md §1.2, "Deprecated runtime"). */
const DEPRECATED = new Set([
  'nodejs', 'nodejs4.3', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'nodejs16.x',
  'nodejs4.3-edge', 'java8', 'python2.7', 'python3.6', 'python3.7', 'python3.8', 'dotnetcore1.0', 'dotnetcore2.0',
  'dotnetcore2.1', 'dotnetcore3.1', 'dotnet6', 'go1.x', 'ruby2.5', 'ruby2.7',
]);

export class RuntimeRegistry {
  private readonly byId = new Map<string, RuntimeDescriptor>();

  constructor(descriptors: readonly RuntimeDescriptor[]) {
    for (const d of descriptors) for (const id of d.ids) this.byId.set(id, d);
  }

  get(runtime: string): RuntimeDescriptor | undefined {
    return this.byId.get(runtime);
  }

  isDeprecated(runtime: string): boolean {
    return DEPRECATED.has(runtime);
  }

  /** The runtime identifiers this Nimbus can run, in a stable order. */
  ids(): string[] {
    return [...this.byId.keys()];
  }
}

/** The runtimes built into Nimbus. */
export function builtinRuntimes(): RuntimeRegistry {
  return new RuntimeRegistry([nodejs, python, java, provided]);
}
