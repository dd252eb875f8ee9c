/**
 * Nimbus's container registry (src/registry) end to end: images made with umoci and pushed with
 * skopeo, as a user without a Docker daemon does; the Distribution API's chunked and monolithic
 * uploads over plain HTTP; the refusals (a digest that does not match, a manifest naming blobs
 * the registry lacks or lying about their size, bad names); ECR's API through the AWS CLI; and
 * `--auth keys`, where only the password from get-login-password (or a key) opens the registry.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { AWS_CLI, awsCliHome } from '../helpers/aws-cli.js';
import { startTestNimbus } from '../helpers/nimbus.js';
import { buildImage, imageToolsOr, pushImage, skopeo } from '../helpers/oci-image.js';

const run = promisify(execFile);
const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function aws(t: TestContext, url: string, args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  const home = awsCliHome(t, 'nimbus-ecr-cli-');
  const r = await run(AWS_CLI, ['--endpoint-url', url, '--output', 'json', ...args], { env: home.env(extraEnv) });
  return r.stdout;
}

describe('registry: OCI Distribution API', () => {
  it('takes an image pushed with skopeo and gives the same image back; ECR lists it', async (t) => {
    if (!imageToolsOr(t)) return;
    const nimbus = await startTestNimbus(t);
    const host = new URL(nimbus.url).host;
    const layout = await buildImage(t, { layers: [{ '/var/task/index.js': 'exports.handler = async () => 42;\n' }], cmd: ['index.handler'], workdir: '/var/task' });
    await pushImage(layout, `${host}/hello/world:v1`);
    const inspected = JSON.parse((await skopeo(['inspect', '--tls-verify=false', `docker://${host}/hello/world:v1`])).stdout) as { Digest: string; Layers: string[] };
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    assert.equal(inspected.Digest, index.manifests[0]!.digest, 'the manifest is stored byte for byte');
    // Every blob comes back with the bytes it was pushed with.
    for (const layer of inspected.Layers) {
      const res = await fetch(`${nimbus.url}/v2/hello/world/blobs/${layer}`);
      assert.equal(res.status, 200);
      assert.equal(sha(Buffer.from(await res.arrayBuffer())), layer);
    }
    const images = JSON.parse(await aws(t, nimbus.url, ['ecr', 'describe-images', '--repository-name', 'hello/world'])) as { imageDetails: { imageDigest: string; imageTags: string[] }[] };
    assert.deepEqual(images.imageDetails.map((i) => [i.imageDigest, i.imageTags]), [[inspected.Digest, ['v1']]]);
    const tags = (await (await fetch(`${nimbus.url}/v2/hello/world/tags/list`)).json()) as { tags: string[] };
    assert.deepEqual(tags.tags, ['v1']);
    // Pulled back into a new layout by another tool's code path (skopeo's reader).
    const out = join(layout, '..', 'pulled');
    await skopeo(['copy', '--quiet', '--src-tls-verify=false', `docker://${host}/hello/world:v1`, `oci:${out}:x`]);
    assert.ok(readdirSync(join(out, 'blobs', 'sha256')).includes(inspected.Digest.slice(7)));
  });

  it('chunked and monolithic uploads; refuses a mismatched digest, unknown blobs, a lying size, bad names', async (t) => {
    const nimbus = await startTestNimbus(t);
    const base = `${nimbus.url}/v2/chunks`;
    const v2 = await fetch(`${nimbus.url}/v2/`);
    assert.equal(v2.status, 200);
    assert.equal(v2.headers.get('docker-distribution-api-version'), 'registry/2.0');

    // Chunked: POST, two PATCHes, PUT with the digest.
    const blob = Buffer.from('a'.repeat(5000) + 'b'.repeat(3000));
    const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
    assert.equal(start.status, 202);
    const loc = start.headers.get('location')!;
    const p1 = await fetch(new URL(loc, nimbus.url), { method: 'PATCH', body: blob.subarray(0, 5000), headers: { 'Content-Range': '0-4999' } });
    assert.equal(p1.status, 202);
    assert.equal(p1.headers.get('range'), '0-4999');
    // A chunk that does not continue where the upload is: 416.
    const wrong = await fetch(new URL(loc, nimbus.url), { method: 'PATCH', body: 'x', headers: { 'Content-Range': '10-10' } });
    assert.equal(wrong.status, 416);
    const p2 = await fetch(new URL(loc, nimbus.url), { method: 'PATCH', body: blob.subarray(5000) });
    assert.equal(p2.headers.get('range'), '0-7999');
    const done = await fetch(new URL(`${loc}?digest=${sha(blob)}`, nimbus.url), { method: 'PUT' });
    assert.equal(done.status, 201);
    assert.equal(done.headers.get('docker-content-digest'), sha(blob));
    const head = await fetch(`${base}/blobs/${sha(blob)}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '8000');

    // Monolithic with a digest that is not the content's: refused, nothing stored under it.
    const lie = sha('something else');
    const mono = await fetch(`${base}/blobs/uploads/?digest=${lie}`, { method: 'POST', body: 'actual bytes' });
    assert.equal(mono.status, 400);
    assert.equal(((await mono.json()) as { errors: { code: string }[] }).errors[0]!.code, 'DIGEST_INVALID');
    assert.equal((await fetch(`${base}/blobs/${lie}`, { method: 'HEAD' })).status, 404);
    assert.deepEqual(readdirSync(join(nimbus.dataDir, 'registry', 'uploads')), [], 'the refused upload is gone');

    // A config blob, monolithic.
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } }));
    assert.equal((await fetch(`${base}/blobs/uploads/?digest=${sha(config)}`, { method: 'POST', body: config })).status, 201);
    const manifest = (layerDigest: string, layerSize: number): string =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layerSize }],
      });
    const put = (ref: string, body: string): Promise<Response> =>
      fetch(`${base}/manifests/${ref}`, { method: 'PUT', body, headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' } });
    const code = async (r: Response): Promise<string> => ((await r.json()) as { errors: { code: string }[] }).errors[0]!.code;
    const unknown = await put('t1', manifest(sha('nope'), 4));
    assert.equal(unknown.status, 404);
    assert.equal(await code(unknown), 'MANIFEST_BLOB_UNKNOWN');
    const huge = await put('t1', manifest(sha(blob), 10 * 1024 ** 3));
    assert.equal(huge.status, 400);
    assert.equal(await code(huge), 'MANIFEST_INVALID');
    const good = manifest(sha(blob), blob.length);
    const byWrongDigest = await put(sha('not this manifest'), good);
    assert.equal(await code(byWrongDigest), 'DIGEST_INVALID');
    const ok = await put('t1', good);
    assert.equal(ok.status, 201);
    assert.equal(ok.headers.get('docker-content-digest'), sha(good));
    const got = await fetch(`${base}/manifests/t1`);
    assert.equal(await got.text(), good);
    assert.equal(got.headers.get('content-type'), 'application/vnd.oci.image.manifest.v1+json');
    assert.equal((await fetch(`${base}/manifests/${sha(good)}`, { method: 'HEAD' })).headers.get('content-length'), String(good.length));

    // Blobs are stored once, but readable only in the repositories that hold them: another
    // repository must upload or mount it first (a mount from a repository that holds it is immediate).
    assert.equal((await fetch(`${nimbus.url}/v2/elsewhere/blobs/uploads/`, { method: 'POST' })).status, 202);
    assert.equal((await fetch(`${nimbus.url}/v2/elsewhere/blobs/${sha(blob)}`, { method: 'HEAD' })).status, 404);
    const mountFromNowhere = await fetch(`${nimbus.url}/v2/elsewhere/blobs/uploads/?mount=${sha(blob)}&from=nosuchrepo`, { method: 'POST' });
    assert.equal(mountFromNowhere.status, 202, 'not mounted: an ordinary upload starts');
    const mounted = await fetch(`${nimbus.url}/v2/elsewhere/blobs/uploads/?mount=${sha(blob)}&from=chunks`, { method: 'POST' });
    assert.equal(mounted.status, 201);
    assert.equal((await fetch(`${nimbus.url}/v2/elsewhere/blobs/${sha(blob)}`, { method: 'HEAD' })).status, 200);

    assert.equal(await code(await fetch(`${nimbus.url}/v2/Bad..Name/tags/list`)), 'NAME_INVALID');
    assert.equal(await code(await fetch(`${nimbus.url}/v2/nosuch/tags/list`)), 'NAME_UNKNOWN');
    assert.equal(await code(await fetch(`${base}/manifests/nosuchtag`)), 'MANIFEST_UNKNOWN');
    assert.equal(await code(await fetch(`${base}/blobs/uploads/00000000-0000-0000-0000-000000000000`, { method: 'PATCH', body: 'x' })), 'BLOB_UPLOAD_UNKNOWN');
  });

  it('ECR API through the AWS CLI: repositories, listings, deletions', async (t) => {
    const nimbus = await startTestNimbus(t);
    const created = JSON.parse(await aws(t, nimbus.url, ['ecr', 'create-repository', '--repository-name', 'team/app'])) as { repository: { repositoryUri: string; repositoryArn: string } };
    assert.equal(created.repository.repositoryUri, '000000000000.dkr.ecr.us-east-1.amazonaws.com/team/app');
    assert.equal(created.repository.repositoryArn, 'arn:aws:ecr:us-east-1:000000000000:repository/team/app');
    await assert.rejects(aws(t, nimbus.url, ['ecr', 'create-repository', '--repository-name', 'team/app']), /RepositoryAlreadyExistsException/);
    await assert.rejects(aws(t, nimbus.url, ['ecr', 'describe-repositories', '--repository-names', 'nope']), /RepositoryNotFoundException/);
    const listed = JSON.parse(await aws(t, nimbus.url, ['ecr', 'describe-repositories'])) as { repositories: { repositoryName: string }[] };
    assert.deepEqual(listed.repositories.map((r) => r.repositoryName), ['team/app']);
    const password = (await aws(t, nimbus.url, ['ecr', 'get-login-password'])).trim();
    assert.match(password, /^NRT1\./);
    await aws(t, nimbus.url, ['ecr', 'delete-repository', '--repository-name', 'team/app']);
    assert.deepEqual((JSON.parse(await aws(t, nimbus.url, ['ecr', 'describe-repositories'])) as { repositories: unknown[] }).repositories, []);
  });

  it('with --auth keys the registry needs the ECR password or a key', async (t) => {
    if (!imageToolsOr(t)) return;
    const nimbus = await startTestNimbus(t, { auth: 'keys' });
    const key = await nimbus.accounts.createKey('default', { name: 'pusher' });
    const host = new URL(nimbus.url).host;
    const anon = await fetch(`${nimbus.url}/v2/`);
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get('www-authenticate') ?? '', /^Basic /);
    const forged = await fetch(`${nimbus.url}/v2/`, { headers: { Authorization: `Basic ${Buffer.from('AWS:NRT1.e30.AAAA').toString('base64')}` } });
    assert.equal(forged.status, 401);
    const env = { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey };
    const password = (await aws(t, nimbus.url, ['ecr', 'get-login-password'], env)).trim();
    const layout = await buildImage(t, { layers: [{ '/a': 'a' }] });
    await assert.rejects(pushImage(layout, `${host}/locked:v1`), /401|unauthorized|authentication required/i);
    await pushImage(layout, `${host}/locked:v1`, `AWS:${password}`);
    await pushImage(layout, `${host}/locked:v2`, `${key.accessKeyId}:${key.secretAccessKey}`);
    const tags = await fetch(`${nimbus.url}/v2/locked/tags/list`, { headers: { Authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}` } });
    assert.deepEqual(((await tags.json()) as { tags: string[] }).tags, ['v1', 'v2']);
    const catalog = await fetch(`${nimbus.url}/v2/_catalog`, { headers: { Authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}` } });
    assert.deepEqual(await catalog.json(), { repositories: ['locked'] });

    // A key whose identity policy allows pulling only: it reads, and its push is refused (DENIED).
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'], Resource: 'arn:aws:ecr:*:*:repository/locked' }, { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' }] });
    const reader = await nimbus.accounts.createKey('default', { name: 'reader', policy });
    const asReader = { Authorization: `Basic ${Buffer.from(`${reader.accessKeyId}:${reader.secretAccessKey}`).toString('base64')}` };
    assert.equal((await fetch(`${nimbus.url}/v2/locked/manifests/v1`, { headers: asReader })).status, 200);
    const denied = await fetch(`${nimbus.url}/v2/locked/blobs/uploads/`, { method: 'POST', headers: asReader });
    assert.equal(denied.status, 403);
    assert.equal(((await denied.json()) as { errors: { code: string }[] }).errors[0]!.code, 'DENIED');
    assert.equal((await fetch(`${nimbus.url}/v2/other/tags/list`, { headers: asReader })).status, 403, 'another repository is not in the policy');
    // The key's ECR password carries the key: the same policy applies to it, and it dies with the key.
    const readerPassword = (await aws(t, nimbus.url, ['ecr', 'get-login-password'], { AWS_ACCESS_KEY_ID: reader.accessKeyId, AWS_SECRET_ACCESS_KEY: reader.secretAccessKey })).trim();
    const withReaderPassword = { Authorization: `Basic ${Buffer.from(`AWS:${readerPassword}`).toString('base64')}` };
    assert.equal((await fetch(`${nimbus.url}/v2/locked/manifests/v1`, { headers: withReaderPassword })).status, 200);
    assert.equal((await fetch(`${nimbus.url}/v2/locked/blobs/uploads/`, { method: 'POST', headers: withReaderPassword })).status, 403);
    await nimbus.accounts.revokeKey(reader.accessKeyId);
    assert.equal((await fetch(`${nimbus.url}/v2/locked/manifests/v1`, { headers: withReaderPassword })).status, 401);
  });
});
