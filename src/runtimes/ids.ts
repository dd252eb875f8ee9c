/** Runtime identifiers as data: which language version each one names. */

export interface RuntimeId {
  family: 'nodejs' | 'python' | 'java';
  /** The version the identifier names: `24` (nodejs24.x), `3.13` (python3.13), `21` (java21). */
  version: string;
}

/** The family and version `runtime` names, or null for ids that name no interpreter (provided*). */
export function parseRuntime(runtime: string): RuntimeId | null {
  let m = /^nodejs(\d+)\.x$/.exec(runtime);
  if (m) return { family: 'nodejs', version: m[1]! };
  m = /^python(3\.\d+)$/.exec(runtime);
  if (m) return { family: 'python', version: m[1]! };
  m = /^java(\d+)(\.al2)?$/.exec(runtime);
  if (m) return { family: 'java', version: m[1]! };
  return null;
}

export const NODE_IDS = ['nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x'] as const;
export const PYTHON_IDS = ['python3.9', 'python3.10', 'python3.11', 'python3.12', 'python3.13', 'python3.14'] as const;
export const JAVA_IDS = ['java8.al2', 'java11', 'java17', 'java21', 'java25'] as const;
