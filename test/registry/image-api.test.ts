/**
 * Image functions at the API, without running them: multi-architecture indexes (the host's
 * linux architecture is picked), images for another architecture or account refused with
 * Lambda's error, a registry that wants the Distribution spec's anonymous Bearer token, and a
 * hostile layer that CreateFunction accepts (it only resolves the digest) but that can never
 * become a root: the invocation fails with InvalidImage and nothing is written outside the cache.
 * Images are pushed over plain HTTP with the blob and manifest calls a client makes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListFunctionsCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import tar from 'tar-stream';
import { ROLE, startTestNimbus } from '../helpers/nimbus.js';
import { hostArch } from '../helpers/oci-image.js';

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function tarGz(entries: { name: string; body?: string; type?: 'file' | 'symlink'; linkname?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const ended = new Promise<void>((r) => pack.on('end', () => r()));
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname ?? '' }, done);
      else pack.entry({ name: e.name, mode: 0o644 }, e.body ?? '', done);
    });
  }
  pack.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks));
}

/** Pushes blobs and a manifest the way a client does; returns the manifest's digest. */
async function push(base: string, repo: string, ref: string, layers: Buffer[], arch = hostArch()): Promise<string> {
  const config = Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', config: { Entrypoint: ['/bin/run'] }, rootfs: { type: 'layers', diff_ids: [] } }));
  for (const b of [config, ...layers]) {
    const r = await fetch(`${base}/v2/${repo}/blobs/uploads/?digest=${sha(b)}`, { method: 'POST', body: b });
    assert.equal(r.status, 201);
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(l), size: l.length })),
  });
  const r = await fetch(`${base}/v2/${repo}/manifests/${ref}`, { method: 'PUT', body: manifest, headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(r.status, 201, await r.text());
  return sha(manifest);
}

async function pushIndex(base: string, repo: string, tag: string, entries: { digest: string; arch: string }[]): Promise<string> {
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: await Promise.all(
      entries.map(async (e) => {
        const m = await fetch(`${base}/v2/${repo}/manifests/${e.digest}`, { method: 'HEAD' });
        return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: e.digest, size: Number(m.headers.get('content-length')), platform: { os: 'linux', architecture: e.arch } };
      }),
    ),
  });
  const r = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: index, headers: { 'Content-Type': 'application/vnd.oci.image.index.v1+json' } });
  assert.equal(r.status, 201, await r.text());
  return sha(index);
}

const otherArch = hostArch() === 'amd64' ? 'arm64' : 'amd64';
const rejectsWith = (p: Promise<unknown>, name: string, message: RegExp): Promise<void> =>
  assert.rejects(p, (e: Error) => e.name === name && message.test(e.message));

describe('image functions at the API', () => {
  it('picks the host architecture from an index; refuses other architectures, accounts and missing images', async (t) => {
    const nimbus = await startTestNimbus(t);
    const host = new URL(nimbus.url).host;
    const layer = await tarGz([{ name: 'bin/run', body: '#!/bin/sh\n' }]);
    const mine = await push(nimbus.url, 'multi', 'mine', [layer]);
    const theirs = await push(nimbus.url, 'multi', 'theirs', [layer], otherArch);
    const index = await pushIndex(nimbus.url, 'multi', 'both', [{ digest: theirs, arch: otherArch }, { digest: mine, arch: hostArch() }]);
    await nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: 'multi', PackageType: 'Image', Code: { ImageUri: `${host}/multi:both` }, Role: ROLE }));
    const got = await nimbus.lambda.send(new GetFunctionCommand({ FunctionName: 'multi' }));
    assert.equal(got.Code?.ResolvedImageUri, `${host}/multi@${index}`);
    assert.equal(got.Configuration?.CodeSha256, index.slice(7));
    assert.equal(got.Configuration?.CodeSize, 0);

    await pushIndex(nimbus.url, 'multi', 'foreign', [{ digest: theirs, arch: otherArch }]);
    const create = (name: string, uri: string): Promise<unknown> => nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: name, PackageType: 'Image', Code: { ImageUri: uri }, Role: ROLE }));
    await rejectsWith(create('f1', `${host}/multi:foreign`), 'InvalidParameterValueException', new RegExp(`no linux/${hostArch()} variant`));
    await rejectsWith(create('f2', `${host}/multi:theirs`), 'InvalidParameterValueException', new RegExp(`built for ${otherArch}`));
    await rejectsWith(create('f3', `${host}/multi:nope`), 'InvalidParameterValueException', /^Source image .*multi:nope does not exist\. Provide a valid source image\.$/);
    await rejectsWith(create('f4', '111122223333.dkr.ecr.us-east-1.amazonaws.com/multi:mine'), 'InvalidParameterValueException', /permission to access the ECR image/);
    await rejectsWith(create('f5', 'not an image'), 'InvalidParameterValueException', /is not valid/);
    // The ECR form of the same repository is Nimbus's own registry.
    await create('f6', '000000000000.dkr.ecr.us-east-1.amazonaws.com/multi:mine');

    // Versions keep the image they were published with; listings show no Runtime or Handler.
    const v1 = await nimbus.lambda.send(new PublishVersionCommand({ FunctionName: 'multi' }));
    assert.equal(v1.Version, '1');
    assert.equal(v1.PackageType, 'Image');
    const byVersion = await nimbus.lambda.send(new GetFunctionCommand({ FunctionName: 'multi', Qualifier: '1' }));
    assert.equal(byVersion.Code?.ResolvedImageUri, `${host}/multi@${index}`);
    const listed = (await nimbus.lambda.send(new ListFunctionsCommand({}))).Functions ?? [];
    const multi = listed.find((f) => f.FunctionName === 'multi');
    assert.equal(multi?.PackageType, 'Image');
    assert.equal(multi?.Runtime, undefined);
    assert.equal(multi?.Handler, undefined);
    const cfg = await nimbus.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'multi' }));
    assert.equal(cfg.RuntimeVersionConfig, undefined);
    await rejectsWith(
      nimbus.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'multi', Layers: ['arn:aws:lambda:us-east-1:000000000000:layer:x:1'] })),
      'InvalidParameterValueException',
      /^Layers are not supported for functions with packageType Image\.$/,
    );
    await nimbus.lambda.send(new DeleteFunctionCommand({ FunctionName: 'multi' }));
  });

  it('a hostile layer is accepted at create (digest only) but never becomes a root: InvalidImage, nothing outside', async (t) => {
    const nimbus = await startTestNimbus(t);
    const host = new URL(nimbus.url).host;
    const escape = join(nimbus.dataDir, 'images', 'pwned');
    const bad = await tarGz([{ name: 'bin/run', body: 'x' }, { name: '../../pwned', body: 'escaped' }]);
    await push(nimbus.url, 'evil', 'v1', [bad]);
    await nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: 'evil', PackageType: 'Image', Code: { ImageUri: `${host}/evil:v1` }, Role: ROLE }));
    await rejectsWith(nimbus.lambda.send(new InvokeCommand({ FunctionName: 'evil' })), 'ServiceException', /InvalidImage: .*leaves the image root/);
    assert.equal(existsSync(escape), false);
    assert.equal(existsSync(join(nimbus.dataDir, 'pwned')), false);
  });

  it('pulls from a registry that wants an anonymous Bearer token', async (t) => {
    const nimbus = await startTestNimbus(t);
    const other = await startTestNimbus(t);
    const layer = await tarGz([{ name: 'bin/run', body: '#!/bin/sh\n' }]);
    const digest = await push(other.url, 'team/app', 'v7', [layer]);
    // A front that behaves as Docker Hub and GHCR do: 401 with a Bearer challenge, a token endpoint, then the registry.
    const TOKEN = 'anon-token-123';
    let tokenAsked = 0;
    const front = http.createServer((req, res) => {
      if (req.url?.startsWith('/token')) {
        tokenAsked++;
        const q = new URL(req.url, 'http://x').searchParams;
        assert.equal(q.get('scope'), 'repository:team/app:pull');
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: TOKEN }));
        return;
      }
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        const { port } = front.address() as AddressInfo;
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="test",scope="repository:team/app:pull"` }).end();
        return;
      }
      const up = http.request(`${other.url}${req.url ?? '/'}`, { method: req.method, headers: { accept: req.headers.accept ?? '*/*' } }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => front.close(() => r())));
    const frontHost = `127.0.0.1:${(front.address() as AddressInfo).port}`;
    await nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: 'pulled', PackageType: 'Image', Code: { ImageUri: `${frontHost}/team/app:v7` }, Role: ROLE }));
    assert.ok(tokenAsked >= 1);
    const got = await nimbus.lambda.send(new GetFunctionCommand({ FunctionName: 'pulled' }));
    assert.equal(got.Code?.ResolvedImageUri, `${frontHost}/team/app@${digest}`);
    // The layer was copied into Nimbus's own blob store, checked against its digest.
    assert.ok(existsSync(join(nimbus.dataDir, 'registry', 'blobs', 'sha256', sha(layer).slice(7))));
  });
});
