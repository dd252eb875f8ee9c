/**
 * A rendezvous between a test and the function it invokes, for tests that must assert an order
 * of events (a streamed chunk reaches the client before the function returns) without timing:
 * the function connects to this loopback server and waits for one byte; the test sends it when
 * it has seen what it waits for. FUNCTION_WAIT is the Node.js snippet functions use.
 */
import net, { type AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

export class SignalServer {
  private readonly server: net.Server;
  private readonly waiting: ((s: net.Socket) => void)[] = [];
  private readonly arrived: net.Socket[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor() {
    this.server = net.createServer((s) => {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => this.sockets.delete(s));
      const w = this.waiting.shift();
      if (w) w(s);
      else this.arrived.push(s);
    });
  }

  static async start(t: { after: TestContext['after'] }): Promise<SignalServer> {
    const s = new SignalServer();
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      for (const c of s.sockets) c.destroy();
      s.server.close();
    });
    return s;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The next function that connects (one that already did, first). */
  next(): Promise<net.Socket> {
    const s = this.arrived.shift();
    if (s) return Promise.resolve(s);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Lets the next waiting function go on. */
  async release(): Promise<void> {
    (await this.next()).end('go');
  }
}

/** Node.js function code: `await waitSignal()` connects to SIGNAL_PORT and waits for the test's byte. */
export const FUNCTION_WAIT = `
const waitSignal = () => new Promise((resolve, reject) => {
  const s = require('node:net').connect(Number(process.env.SIGNAL_PORT), '127.0.0.1');
  s.once('data', () => { s.destroy(); resolve(); });
  s.once('error', reject);
});
`;
