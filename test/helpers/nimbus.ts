/**
 * Test helpers: a real Nimbus on a free port with a temporary data directory, AWS SDK clients
 * pointed at it, and deployment zips built in memory. Helpers own their cleanup.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import yazl from 'yazl';
import { startNimbus, type Nimbus, type NimbusOptions } from '../../src/app.js';
import { startClusterAsTestNimbus, testClusterSize } from './cluster.js';

export interface TestNimbus extends Nimbus {
  lambda: LambdaClient;
  dataDir: string;
}

/** Starts Nimbus for one test file; stops it and removes its data when the test ends. */
export async function startTestNimbus(t: { after: TestContext['after'] }, opts: Partial<NimbusOptions> = {}): Promise<TestNimbus> {
  // NIMBUS_TEST_CLUSTER=3: the same test against a 3-node cluster, each call through another node (helpers/cluster.ts).
  if (testClusterSize() > 0) return await startClusterAsTestNimbus(t, opts);
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-test-'));
  const nimbus = await startNimbus({ port: 0, dataDir, log: () => undefined, shutdownGraceMs: 2000, ...opts });
  const lambda = sdkClient(nimbus.url);
  t.after(async () => {
    lambda.destroy();
    await nimbus.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { ...nimbus, close: nimbus.close, lambda, dataDir };
}

export function sdkClient(endpoint: string, region = 'us-east-1'): LambdaClient {
  return new LambdaClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    // Tests assert what Nimbus answers, not what a retry would hide.
    maxAttempts: 1,
  });
}

/** Builds a zip from `{ path: content }`; a number value after the content sets the mode. */
export function makeZip(files: Record<string, string | Buffer | { content: string | Buffer; mode?: number; symlink?: boolean }>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, v] of Object.entries(files)) {
    if (typeof v === 'string' || Buffer.isBuffer(v)) zip.addBuffer(Buffer.from(v), name);
    else if (v.symlink) zip.addBuffer(Buffer.from(v.content), name, { mode: 0o120777 });
    else zip.addBuffer(Buffer.from(v.content), name, { mode: v.mode ?? 0o100644 });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

export const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

/** Creates a Node.js function (`index.handler`) from `files`; `extra` adds or overrides members. */
export async function deployNode(
  lambda: LambdaClient,
  name: string,
  files: Parameters<typeof makeZip>[0],
  extra: Record<string, unknown> = {},
): Promise<void> {
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: ROLE,
      Code: { ZipFile: await makeZip(files) },
      ...extra,
    }),
  );
}

/** Decodes an SDK Invoke payload as JSON. */
export function payloadJson(p: Uint8Array | undefined): unknown {
  return JSON.parse(Buffer.from(p ?? new Uint8Array()).toString('utf8'));
}
