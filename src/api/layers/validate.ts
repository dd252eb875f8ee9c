/**
 * Checks of the layer operations' members. AWS reports every constraint a request breaks at once,
 * "2 validation errors detected: Value '[x]' at 'compatibleRuntimes' ...; Value ..." (LS-SNAP
 * `test_layer_exceptions`), so violations are collected before anything is thrown.
 */
import { NimbusError } from '../../core/errors.js';
import { MODEL_RUNTIMES } from '../http/validate.js';

const ARCHITECTURES = ['x86_64', 'arm64'];

export class Violations {
  private readonly found: string[] = [];

  add(value: unknown, member: string, constraint: string): void {
    const shown = typeof value === 'string' ? value : Array.isArray(value) ? `[${value.map(String).join(', ')}]` : JSON.stringify(value);
    this.found.push(`Value '${shown}' at '${member}' failed to satisfy constraint: ${constraint}`);
  }

  /** Throws AWS's ValidationException naming every violation, if there was any. */
  check(): void {
    const n = this.found.length;
    if (n === 0) return;
    throw new NimbusError('ERR_VALIDATION', `${n} validation error${n > 1 ? 's' : ''} detected: ${this.found.join('; ')}`);
  }
}

const runtimeSet = (): string => `[${MODEL_RUNTIMES.join(', ')}]`;

/** PublishLayerVersion's CompatibleRuntimes (at most 15) and CompatibleArchitectures (at most 2). */
export function compatibility(runtimes: unknown, architectures: unknown, v: Violations): { runtimes?: string[]; architectures?: string[] } {
  const out: { runtimes?: string[]; architectures?: string[] } = {};
  if (runtimes !== undefined && runtimes !== null) {
    if (!Array.isArray(runtimes)) v.add(runtimes, 'compatibleRuntimes', 'Member must be a list');
    else if (runtimes.some((r) => typeof r !== 'string' || !MODEL_RUNTIMES.includes(r))) {
      v.add(runtimes, 'compatibleRuntimes', `Member must satisfy enum value set: ${runtimeSet()}`);
    } else if (runtimes.length > 15) v.add(runtimes, 'compatibleRuntimes', 'Member must have length less than or equal to 15');
    else out.runtimes = runtimes as string[];
  }
  if (architectures !== undefined && architectures !== null) {
    if (!Array.isArray(architectures)) v.add(architectures, 'compatibleArchitectures', 'Member must be a list');
    else if (architectures.some((a) => typeof a !== 'string' || !ARCHITECTURES.includes(a))) {
      v.add(architectures, 'compatibleArchitectures', 'Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]');
    } else if (architectures.length > 2) v.add(architectures, 'compatibleArchitectures', 'Member must have length less than or equal to 2');
    else out.architectures = architectures as string[];
  }
  return out;
}

/** ListLayers' and ListLayerVersions' CompatibleRuntime and CompatibleArchitecture filters. */
export function listFilters(runtime: string | null, architecture: string | null): { runtime?: string; architecture?: string } {
  const v = new Violations();
  if (architecture !== null && !ARCHITECTURES.includes(architecture)) {
    v.add(architecture, 'compatibleArchitecture', 'Member must satisfy enum value set: [x86_64, arm64]');
  }
  if (runtime !== null && !MODEL_RUNTIMES.includes(runtime)) v.add(runtime, 'compatibleRuntime', `Member must satisfy enum value set: ${runtimeSet()}`);
  v.check();
  return { ...(runtime !== null ? { runtime } : {}), ...(architecture !== null ? { architecture } : {}) };
}
