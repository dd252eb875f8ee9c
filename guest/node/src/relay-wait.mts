/**
 * In a network-isolated sandbox, SDK calls reach Nimbus through socat relays on loopback
 * (127.0.0.1:9002, and Nimbus's own port), which the launch script starts in the background and
 * does not wait for: their start overlaps this interpreter's, instead of costing a polling loop
 * of `sleep` processes before it (docs/performance.md, cold starts). The bootstrap waits here,
 * just before the handler loads (its init may call the SDK), until each port listens.
 *
 * NIMBUS_API_RELAY_PORTS names the ports; it is Nimbus's, so it is taken out of the environment.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Takes the relay ports out of the environment (before the handler, or a stem cell's assignment, sees it). */
export function takeRelayPorts(): number[] {
  const v = process.env['NIMBUS_API_RELAY_PORTS'];
  delete process.env['NIMBUS_API_RELAY_PORTS'];
  return (v ?? '').split(',').map(Number).filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
}

/** `127.0.0.1:port` as /proc/net/tcp writes it (0100007F:2329 for 9001). */
const hexAddress = (port: number): string => `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;

/** Whether /proc/net/tcp's text lists each address in state LISTEN (0A). */
function allListening(table: string, addresses: readonly string[]): boolean {
  const listening = new Set<string>();
  for (const line of table.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[3] === '0A' && f[1]) listening.add(f[1]);
  }
  return addresses.every((a) => listening.has(a));
}

/**
 * Resolves true once every port listens on 127.0.0.1, or false after `timeoutMs` (a relay that
 * failed: the SDK's calls then fail as they would without one, and this says why on stderr).
 * Each look reads /proc/net/tcp, which costs 1.5-2 ms even in an empty network namespace (the
 * kernel walks its global socket tables), so a stem cell looks before its assignment.
 */
export async function awaitRelay(ports: readonly number[], timeoutMs = 10_000): Promise<boolean> {
  if (ports.length === 0) return true;
  const addresses = ports.map(hexAddress);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let table = '';
    try {
      table = readFileSync('/proc/net/tcp', 'latin1');
    } catch {
      return true;
    }
    if (allListening(table, addresses)) return true;
    if (Date.now() > deadline) {
      console.error(`nimbus: the relay to Nimbus's API (127.0.0.1:${ports.join(', ')}) did not start`);
      return false;
    }
    await sleep(1);
  }
}
