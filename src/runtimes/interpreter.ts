/** What the family descriptors share: resolving a runtime to its interpreter, or a command that says why it cannot run. */
import type { Availability, RuntimeCatalog } from './catalog.js';

/**
 * The argv a sandbox runs when the runtime's interpreter is missing (a function created before it
 * went away, or created by a Nimbus that skips the create-time check): it fails init at once and
 * its message lands in the function's log.
 */
export function unavailableCommand(a: Extract<Availability, { ok: false }>): string[] {
  return ['/bin/sh', '-c', 'echo "nimbus: $0" >&2; exit 127', `${a.runtime} cannot run: ${a.reason}; ${a.howTo}`];
}

/** The first of `ids` whose interpreter is available, preferring `preferred`. */
export function firstAvailable(catalog: RuntimeCatalog, ids: readonly string[], preferred?: string): string | null {
  if (preferred && ids.includes(preferred) && catalog.availability(preferred).ok) return preferred;
  return ids.find((id) => catalog.availability(id).ok) ?? null;
}

/** Interpreter directories plus the SDK's, for `hostPaths`. */
export function pathsOf(a: Availability): string[] {
  if (!a.ok) return [];
  return [...a.interpreter.dirs, ...(a.sdk ? [a.sdk.dir] : [])];
}
