/** SAM's Globals section, merged into the resources it applies to. */

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** SAM's Globals rules: a function's own value wins; maps (Environment.Variables) are merged. */
export function mergeGlobals(globals: Record<string, unknown>, own: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...globals };
  for (const [k, v] of Object.entries(own)) {
    const g = out[k];
    out[k] = isMap(g) && isMap(v) ? mergeGlobals(g, v) : v;
  }
  return out;
}
