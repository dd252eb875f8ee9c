/**
 * Who may drive Nimbus's own APIs (Lambda's REST API, /nimbus/v1, /metrics) from a browser.
 *
 * A page on any site can send "simple" cross-origin requests (a text/plain POST, no preflight)
 * to a server on the developer's loopback, and with DNS rebinding it can even read the answers,
 * because the browser then believes the page and the API share an origin. Binding to 127.0.0.1
 * protects from neither. AWS clients never send `Origin` or `Sec-Fetch-Site`, so the rules are:
 *
 * - `Host` must name this server: localhost, 127.0.0.1, [::1], the address given with `--host`, or
 *   a name given with `--public-host`. A rebinding page sends its own domain as Host and is
 *   refused. The port is not checked for these names: a browser sends the port it connected to,
 *   so a loopback literal with another port never reaches Nimbus from a page, while port
 *   forwards (ssh -L, a container's published port) and the sandboxes' in-namespace relay to the
 *   API (127.0.0.1:9002) legitimately do. A `--public-host` given with a port matches that port only.
 * - `Origin`, when present, must be in the allow list (`--allow-origin`; empty by default). Not
 *   even Nimbus's own origin is implied: function URLs and HTTP routes are also served on it by
 *   path, and a function's page must not drive the API.
 * - Without `Origin`, `Sec-Fetch-Site` must be absent or `none` (an address typed by the user):
 *   browsers omit `Origin` on GETs, but always say where the request comes from.
 *
 * Function URLs and HTTP routes do not pass through here: they keep their own CORS rules, as on AWS.
 */
import type http from 'node:http';
import { NimbusError } from '../../core/errors.js';

export interface GuardOptions {
  /** Exact origins (`scheme://host[:port]`) a browser page may call the API from. */
  allowOrigins?: readonly string[];
  /** Host names the API answers under, besides the loopback names; any port. */
  publicHosts?: readonly string[];
  /** The address Nimbus listens on (added to the allowed names unless it is a wildcard). */
  listenHost: string;
  /** Extra names for a wildcard bind (the machine's addresses and host name). */
  wildcardNames?: readonly string[];
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** `0.0.0.0`, `::` and friends: every address of the machine. */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
}

/** Whether listening on `host` keeps Nimbus reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** An IPv6 literal goes in brackets in a Host header. */
function hostName(h: string): string {
  const lower = h.toLowerCase();
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower;
}

export class RequestGuard {
  /** Allowed host names (`name`, or `name:port` for a public host given with its port), each with whether any port is acceptable. */
  private readonly hosts = new Map<string, boolean>();
  private readonly origins: Set<string>;

  constructor(opts: GuardOptions) {
    for (const n of LOOPBACK_NAMES) this.hosts.set(n, true);
    this.hosts.set(hostName(opts.listenHost), true);
    if (isWildcard(opts.listenHost)) for (const n of opts.wildcardNames ?? []) this.hosts.set(hostName(n), true);
    for (const n of opts.publicHosts ?? []) {
      const { name, port } = splitHost(n.toLowerCase());
      // A public name given with a port only matches that port; without one, any port (a proxy's).
      this.hosts.set(port === undefined ? name : `${name}:${port}`, port === undefined);
    }
    this.origins = new Set((opts.allowOrigins ?? []).map((o) => o.toLowerCase().replace(/\/+$/, '')));
  }

  /** The refusal for a request that must not reach the API, or undefined. */
  check(req: http.IncomingMessage): NimbusError | undefined {
    const host = req.headers.host;
    if (!host || !this.hostAllowed(host.toLowerCase())) {
      return new NimbusError(
        'ERR_ACCESS_DENIED',
        `Host '${host ?? ''}' is not served by this Nimbus (it answers under ${[...this.hosts.keys()].join(', ')}; ` +
          'add a name with --public-host). This refusal protects against DNS rebinding.',
      );
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (this.origins.has(origin.toLowerCase())) return undefined;
      return new NimbusError(
        'ERR_ACCESS_DENIED',
        `Cross-origin request refused: Origin '${origin}' is not allowed to call the Nimbus API ` +
          '(allow a dashboard served elsewhere with --allow-origin).',
      );
    }
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'none') {
      return new NimbusError('ERR_ACCESS_DENIED', `Cross-origin request refused: a browser request (Sec-Fetch-Site: ${String(site)}) without an allowed Origin.`);
    }
    return undefined;
  }

  private hostAllowed(host: string): boolean {
    const exact = this.hosts.get(host);
    if (exact !== undefined) return true;
    const { name } = splitHost(host);
    if (this.hosts.get(name) === true) return true;
    // Sub-domains of an allowed name: S3's virtual-hosted buckets (`bucket.s3.localhost`,
    // `bucket.<public host>`). `*.localhost` is loopback by definition (RFC 6761), and a name under a
    // public host is the operator's DNS, not a rebinding page's.
    for (let i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) {
      const parent = name.slice(i + 1);
      if (parent === 'localhost' || (this.hosts.get(parent) === true && !/^[\d.]+$/.test(parent) && !parent.startsWith('['))) return true;
    }
    return false;
  }
}

function splitHost(host: string): { name: string; port: string | undefined } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
  return m ? { name: m[1]!, port: m[2] } : { name: host, port: undefined };
}
