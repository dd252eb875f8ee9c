/**
 * GetFunction's Code.Location and GetLayerVersion's Content.Location are presigned download
 * links (src/secrets/code-urls.ts): they work for ten minutes, as AWS's do, and are refused
 * without their signature, with a changed one, for another package, or once expired; their host
 * is the listening address or the configured public URL, never the request's Host header.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { GetFunctionCommand, GetLayerVersionCommand, PublishLayerVersionCommand } from '@aws-sdk/client-lambda';
import { TestClock } from '../helpers/manual-clock.js';
import { deployNode, makeZip, startTestNimbus } from '../helpers/nimbus.js';

const FILES = { 'index.js': 'exports.handler = async () => 1;\n' };

/** GetFunction sent with a chosen Host header (plain HTTP, so the header is exactly what we say). */
async function getFunctionWithHost(url: string, name: string, host: string): Promise<{ Code: { Location: string } }> {
  const u = new URL(url);
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: `/2015-03-31/functions/${name}`, headers: { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`${res.statusCode} ${Buffer.concat(chunks).toString()}`));
        resolve(JSON.parse(Buffer.concat(chunks).toString()) as { Code: { Location: string } });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('presigned code URLs', () => {
  it('download for ten minutes with their signature, and not without it, with another, for another package or after', async (t) => {
    const clock = new TestClock(Date.now());
    const n = await startTestNimbus(t, { isolation: 'process', clock });
    await deployNode(n.lambda, 'pkg', FILES);
    await deployNode(n.lambda, 'other', { 'index.js': 'exports.handler = async () => 2;\n' });
    const g = await n.lambda.send(new GetFunctionCommand({ FunctionName: 'pkg' }));
    const other = await n.lambda.send(new GetFunctionCommand({ FunctionName: 'other' }));
    const loc = new URL(g.Code!.Location!);
    assert.match(loc.search, /^\?Expires=\d+&Signature=[0-9a-f]{64}$/);
    const ok = await fetch(loc);
    assert.equal(ok.status, 200);
    assert.equal(createHash('sha256').update(Buffer.from(await ok.arrayBuffer())).digest('base64'), g.Configuration?.CodeSha256);

    const refused = async (u: string): Promise<void> => {
      const r = await fetch(u);
      assert.equal(r.status, 403, u);
      assert.equal(r.headers.get('x-amzn-errortype'), 'AccessDeniedException');
      await r.arrayBuffer();
    };
    await refused(`${loc.origin}${loc.pathname}`);
    const sig = loc.searchParams.get('Signature')!;
    await refused(loc.href.replace(sig, `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`));
    // Another package's path with this signature, and a later expiry with it.
    const otherPath = new URL(other.Code!.Location!).pathname;
    await refused(`${loc.origin}${otherPath}${loc.search}`);
    await refused(loc.href.replace(/Expires=(\d+)/, (_, e: string) => `Expires=${Number(e) + 3600}`));

    await clock.advance(599_000);
    assert.equal((await fetch(loc)).status, 200, 'still valid at 9 min 59 s');
    await clock.advance(2_000);
    await refused(loc.href);
  });

  it('GetLayerVersion Content.Location is presigned too', async (t) => {
    const n = await startTestNimbus(t, { isolation: 'process' });
    const zip = await makeZip({ 'nodejs/x.js': 'module.exports = 1;\n' });
    const p = await n.lambda.send(new PublishLayerVersionCommand({ LayerName: 'l', Content: { ZipFile: zip } }));
    const g = await n.lambda.send(new GetLayerVersionCommand({ LayerName: 'l', VersionNumber: p.Version }));
    const loc = new URL(g.Content!.Location!);
    assert.equal((await fetch(loc)).status, 200);
    assert.equal((await fetch(`${loc.origin}${loc.pathname}`)).status, 403);
  });

  it("the link's host is the listening address, not the request's Host header; a configured public URL wins", async (t) => {
    const n = await startTestNimbus(t, { isolation: 'process' });
    await deployNode(n.lambda, 'pkg', FILES);
    const port = new URL(n.url).port;
    // `localhost` is a Host this Nimbus answers under, but the link still names the listening address.
    const viaLocalhost = await getFunctionWithHost(n.url, 'pkg', `localhost:${port}`);
    assert.equal(new URL(viaLocalhost.Code.Location).host, `127.0.0.1:${port}`);

    const p = await startTestNimbus(t, { isolation: 'process', publicUrl: 'https://nimbus.example.com/' });
    await deployNode(p.lambda, 'pkg', FILES);
    const viaPublic = await getFunctionWithHost(p.url, 'pkg', `127.0.0.1:${new URL(p.url).port}`);
    assert.match(viaPublic.Code.Location, /^https:\/\/nimbus\.example\.com\/nimbus\/v1\/code\/[0-9a-f]{64}\?Expires=/);
  });
});
