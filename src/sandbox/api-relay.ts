/**
 * The host side of a sandbox's way to Nimbus's own API: a Unix socket in the sandbox's API
 * directory (bound read-only at /run/nimbus inside), relayed to Nimbus's HTTP port on loopback.
 * A network-isolated sandbox has no route to the host; inside it, socat listens on
 * 127.0.0.1:9002 and forwards to this socket, so AWS_ENDPOINT_URL_LAMBDA=http://127.0.0.1:9002
 * reaches the Lambda API (a function invoking another, as on AWS) while the host network stays
 * closed. One relay per sandbox: a later security issue can tell which function is calling from
 * the socket a connection arrived on.
 */
import { chmodSync, rmSync } from 'node:fs';
import net from 'node:net';

/** Where Nimbus's API listens, known once its server is up (null before). */
export type NimbusApiTarget = () => { host: string; port: number } | null;

export class ApiRelay {
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly path: string,
  ) {}

  /** Listens on `path` (replacing a stale socket file); connections go to `target()` at connect time. */
  static async listen(path: string, target: NimbusApiTarget): Promise<ApiRelay> {
    rmSync(path, { force: true });
    const server = net.createServer();
    const relay = new ApiRelay(server, path);
    server.on('connection', (inner) => relay.pipe(inner, target()));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // The sandbox's uid is not the owner: connect(2) needs write permission on the socket.
    chmodSync(path, 0o666);
    // The relay must not keep Nimbus alive by itself.
    server.unref();
    return relay;
  }

  private pipe(inner: net.Socket, to: { host: string; port: number } | null): void {
    if (!to) return void inner.destroy();
    const outer = net.connect(to.port, to.host);
    for (const s of [inner, outer]) {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
      // Either side failing ends both; the SDK in the sandbox sees a reset and retries.
      s.once('error', () => {
        inner.destroy();
        outer.destroy();
      });
    }
    inner.pipe(outer);
    outer.pipe(inner);
  }

  /** Stops listening and cuts open connections. Idempotent. */
  close(): void {
    this.server.close();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    rmSync(this.path, { force: true });
  }
}
