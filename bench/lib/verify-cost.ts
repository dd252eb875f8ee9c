/**
 * The CPU one SigV4 verification costs Nimbus, measured in process (no sockets, no sandboxes):
 * the server's own Authenticator and key store, fed a warm Invoke as the JS SDK signs it, against
 * the same Authenticator given the unsigned request of local mode, in CPU time. On a shared 2-core machine the
 * end-to-end throughputs swing by more than the few percent in question; this figure does not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteAccountStore } from '../../src/accounts/store.js';
import { Authenticator, type Authenticated } from '../../src/api/http/authn.js';
import type { RequestContext } from '../../src/api/http/context.js';
import { AWS_REGIONS } from '../../src/api/http/regions.js';
import { sha256Hex } from '../../src/auth/sha256.js';
import { signHeaders } from '../../src/auth/sigv4-sign.js';

export interface VerifyCost {
  signedUs: number;
  unsignedUs: number;
}

export async function verifyCost(iterations = 50_000): Promise<VerifyCost> {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-verify-cost-'));
  const store = new SqliteAccountStore(join(dir, 'auth.db'));
  try {
    const k = await store.createKey('default');
    const body = Buffer.from('{"n":1}');
    const path = '/2015-03-31/functions/bench/invocations';
    const host = '127.0.0.1:9000';
    const sdkHeaders = { 'content-type': 'application/json', 'amz-sdk-invocation-id': 'f00d', 'amz-sdk-request': 'attempt=1; max=3', 'x-amz-user-agent': 'aws-sdk-js/3' };
    const signed = { ...sdkHeaders, ...signHeaders({ method: 'POST', host, target: path, headers: sdkHeaders, body, region: 'us-east-1', service: 'lambda', credentials: { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey } }) };
    const run = async (mode: 'keys' | 'local', headers: Record<string, string>): Promise<number> => {
      const a = new Authenticator({ mode, regions: AWS_REGIONS, keys: store });
      const raw = ['Host', host, 'Content-Length', String(body.length), ...Object.entries(headers).flat()];
      const lower: Record<string, string> = {};
      for (let i = 0; i < raw.length; i += 2) lower[raw[i]!.toLowerCase()] = raw[i + 1]!;
      const once = async (): Promise<void> => {
        // A new turn of the event loop each time, as a request served alone gets one (under load
        // several requests share a turn).
        await new Promise<void>((r) => setImmediate(r));
        const ctx = { req: { method: 'POST', url: path, rawHeaders: raw, headers: lower }, method: 'POST', bodyRead: false, scope: {}, body: async () => body } as unknown as RequestContext & Authenticated;
        await a.authenticate(ctx, ['lambda']);
        // What the server does when the handler reads the body.
        ctx.verifyBody?.(sha256Hex(body));
        if (mode === 'keys' && ctx.principal?.kind !== 'key') throw new Error('the signed request did not verify');
      };
      for (let i = 0; i < 2000; i++) await once();
      // CPU time, not wall time: on a loaded machine the wall clock also counts other processes' turns.
      const t0 = process.cpuUsage();
      for (let i = 0; i < iterations; i++) await once();
      const used = process.cpuUsage(t0);
      return (used.user + used.system) / iterations;
    };
    // Alternated, best of three each: the least disturbed run is the cost.
    const s: number[] = [];
    const u: number[] = [];
    for (let i = 0; i < 3; i++) {
      u.push(await run('local', { 'content-type': 'application/json' }));
      s.push(await run('keys', signed));
    }
    return { signedUs: Math.min(...s), unsignedUs: Math.min(...u) };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
