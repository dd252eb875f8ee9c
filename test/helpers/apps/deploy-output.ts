/**
 * What a `nimbus deploy -t` run created, read from its output: the name behind each function
 * and queue logical id, function URLs and the base URL API routes are served under.
 *
 * This is the one place that knows the output's shape. When deployments become stacks with a
 * record of what they own (issue 14, item 2), read that record here instead.
 */
export interface Deployed {
  functions: Map<string, { name: string; url: string | undefined; alias: string | undefined }>;
  queues: Map<string, string>;
  /** Where API routes are served (the routes' URL without their path), if the app has any. */
  apiBase: string | undefined;
}

export function parseDeployOutput(stdout: string): Deployed {
  const functions: Deployed['functions'] = new Map();
  const queues = new Map<string, string>();
  let apiBase: string | undefined;
  for (const line of stdout.split('\n')) {
    const f = /^ {2}(\S+): function (\S+)(?: version \S+ \(alias (\S+)\))?(?: url (\S+))?$/.exec(line);
    if (f) functions.set(f[1]!, { name: f[2]!, alias: f[3], url: f[4] });
    const q = /^ {2}(\S+): queue (\S+) /.exec(line);
    if (q) queues.set(q[1]!, q[2]!);
    const r = /^ {2}[A-Z]+ +(https?:\/\/[^/\s]+)(\/\S*) -> /.exec(line);
    if (r && apiBase === undefined) apiBase = r[1];
  }
  return { functions, queues, apiBase };
}
