/**
 * A test-only process sandbox that hands the Runtime API to the runtime as a Unix socket
 * (NIMBUS_RUNTIME_API_SOCKET), as network-isolated sandboxes do, while AWS_LAMBDA_RUNTIME_API
 * points at a port where nothing listens: a runtime that ignores the socket cannot work.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessSandbox } from '../../src/sandbox/process.js';

export class UnixSocketSandbox extends ProcessSandbox {
  protected override apiTarget(): { path: string } {
    mkdirSync(this.scratchDir, { recursive: true });
    return { path: join(this.scratchDir, 'rapi.sock') };
  }

  protected override runtimeApiEnv(apiAddress: string): Record<string, string> {
    // Port 9 (discard) on loopback: nothing answers there.
    return { AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9', NIMBUS_RUNTIME_API_SOCKET: apiAddress };
  }
}
