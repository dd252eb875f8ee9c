/**
 * Planning a SAM template's layers (src/sam/layers.ts): both resource types, `!Ref` from a
 * function's and Globals' `Layers`, literal ARNs kept, content paths, BuildMethod refused for a
 * folder that is not laid out as /opt, and placeholders resolved once the layers are published.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SamError } from '../../src/sam/errors.js';
import { layerPlaceholder, layerZips, resolvedLayers } from '../../src/sam/layers.js';
import { zipFolder } from '../../src/cli/zip-folder.js';
import { planDeployment, type DeployPlan } from '../../src/sam/plan.js';
import { parseTemplate } from '../../src/sam/template.js';

const base = mkdtempSync(join(tmpdir(), 'nimbus-sam-layers-'));
after(() => rmSync(base, { recursive: true, force: true }));
mkdirSync(join(base, 'built/nodejs/node_modules'), { recursive: true });
mkdirSync(join(base, 'unbuilt'), { recursive: true });

const opts = { stack: 'shop', stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/shop/0d1c2b3a', region: 'eu-west-1', accountId: '123456789012', baseDir: base };
const plan = (text: string): DeployPlan => planDeployment(parseTemplate(`Transform: AWS::Serverless-2016-10-31\n${text}`), opts);

test("both layer types are planned, and a function's Layers (own and Globals') name them by placeholder until published", () => {
  const p = plan(`Globals:
  Function:
    Layers: [!Ref Shared]
Resources:
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties: { LayerName: shared-deps, ContentUri: built/, CompatibleRuntimes: [nodejs20.x], Description: deps, LicenseInfo: MIT }
    Metadata: { BuildMethod: nodejs20.x }
  Raw:
    Type: AWS::Lambda::LayerVersion
    Properties: { Content: layer.zip, CompatibleArchitectures: [x86_64] }
  Fn:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: app.handler, Layers: [!Ref Shared, !Ref Raw, "arn:aws:lambda:eu-west-1:123456789012:layer:other:3"] }
  Plain:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: app.handler }
`);
  assert.deepEqual(p.layers, [
    { logicalId: 'Shared', name: 'shared-deps', content: { kind: 'folder', path: join(base, 'built/') }, settings: { Description: 'deps', CompatibleRuntimes: ['nodejs20.x'], LicenseInfo: 'MIT' } },
    { logicalId: 'Raw', name: p.layers[1]!.name, content: { kind: 'archive', path: join(base, 'layer.zip') }, settings: { CompatibleArchitectures: ['x86_64'] } },
  ]);
  // Without a LayerName, a layer is named like the stack's other resources: <stack>-<LogicalId>-<suffix>.
  assert.match(p.layers[1]!.name, /^shop-Raw-[A-Za-z0-9]{12}$/);
  const fn = p.functions.find((f) => f.logicalId === 'Fn')!;
  assert.deepEqual(fn.layers, [layerPlaceholder('Shared'), layerPlaceholder('Raw'), 'arn:aws:lambda:eu-west-1:123456789012:layer:other:3']);
  assert.deepEqual(p.functions.find((f) => f.logicalId === 'Plain')!.layers, [layerPlaceholder('Shared')]);
  assert.equal(p.warnings.some((w) => /Shared|Raw/.test(w)), false, 'no warning about the layer resources');
  const arns = new Map([[layerPlaceholder('Shared'), 'arn:aws:lambda:eu-west-1:123456789012:layer:shared-deps:4'], [layerPlaceholder('Raw'), 'arn:aws:lambda:eu-west-1:123456789012:layer:raw:1']]);
  assert.deepEqual(resolvedLayers('Fn', fn.layers!, arns), [
    'arn:aws:lambda:eu-west-1:123456789012:layer:shared-deps:4',
    'arn:aws:lambda:eu-west-1:123456789012:layer:raw:1',
    'arn:aws:lambda:eu-west-1:123456789012:layer:other:3',
  ]);
});

test('layer content in S3 (a packaged template) is planned for the server to read', () => {
  const content = (props: string, type = 'AWS::Serverless::LayerVersion'): unknown => plan(`Resources:\n  L:\n    Type: ${type}\n    Properties: ${props}\n`).layers[0]!.content;
  assert.deepEqual(content('{ ContentUri: "s3://bucket/dir/layer.zip" }'), { kind: 's3', bucket: 'bucket', key: 'dir/layer.zip' });
  assert.deepEqual(content('{ ContentUri: { Bucket: b, Key: k, Version: "2" } }'), { kind: 's3', bucket: 'b', key: 'k', version: '2' });
  assert.deepEqual(content('{ Content: { S3Bucket: b, S3Key: k } }', 'AWS::Lambda::LayerVersion'), { kind: 's3', bucket: 'b', key: 'k' });
});

test('a BuildMethod on a folder not laid out as /opt is refused with the way out', () => {
  const bad = (props: string, metadata: string, message: RegExp): void =>
    assert.throws(
      () => plan(`Resources:\n  L:\n    Type: AWS::Serverless::LayerVersion\n    Properties: ${props}\n${metadata}`),
      (e: Error) => e instanceof SamError && message.test(e.message),
    );
  bad('{ ContentUri: { Bucket: b } }', '', /L: ContentUri must be a local folder, a \.zip file, s3:\/\/bucket\/key or \{Bucket, Key\}/);
  bad('{ ContentUri: unbuilt/ }', '    Metadata: { BuildMethod: makefile }\n', /L: Metadata.BuildMethod makefile .*run sam build/);
  bad('{ ContentUri: unbuilt/ }', '    Metadata: { BuildMethod: java21 }\n', /L: Metadata.BuildMethod java21 .*run sam build/);
});

test('a folder not laid out as /opt with a Python or Node.js BuildMethod is built as sam build does; one laid out already is deployed as it is', () => {
  const layer = (dir: string, method: string): DeployPlan['layers'][number] =>
    plan(`Resources:\n  L:\n    Type: AWS::Serverless::LayerVersion\n    Properties: { ContentUri: ${dir} }\n    Metadata: { BuildMethod: ${method} }\n`).layers[0]!;
  assert.equal(layer('unbuilt/', 'python3.12').build, 'python3.12');
  assert.equal(layer('unbuilt/', 'nodejs22.x').build, 'nodejs22.x');
  assert.equal(layer('built/', 'nodejs20.x').build, undefined);
});

test('a BuildMethod layer is zipped under python/ or nodejs/ as sam build lays it out, the same bytes each time for the same files', async () => {
  const src = join(base, 'src-layers');
  mkdirSync(join(src, 'py'), { recursive: true });
  mkdirSync(join(src, 'js'), { recursive: true });
  writeFileSync(join(src, 'py', 'helpers.py'), 'X = 1\n');
  writeFileSync(join(src, 'py', 'requirements.txt'), '# nothing to install\n');
  writeFileSync(join(src, 'js', 'package.json'), '{"name":"l","version":"1.0.0"}');
  writeFileSync(join(src, 'js', 'shout.js'), 'exports.shout = (s) => s.toUpperCase();\n');
  const layers = [
    { logicalId: 'Py', name: 'py', content: { kind: 'folder' as const, path: join(src, 'py') }, build: 'python3.12', settings: {} },
    { logicalId: 'Js', name: 'js', content: { kind: 'folder' as const, path: join(src, 'js') }, build: 'nodejs20.x', settings: {} },
  ];
  const opts = { cacheDir: join(base, 'cache'), out: (): void => undefined };
  const first = await layerZips(layers, zipFolder, opts);
  const names = (zip: Buffer): string[] => {
    // Central directory file names (signature PK\x01\x02, name length at +28, name at +46).
    const out: string[] = [];
    for (let i = zip.indexOf('PK\x01\x02'); i >= 0; i = zip.indexOf('PK\x01\x02', i + 4)) out.push(zip.subarray(i + 46, i + 46 + zip.readUInt16LE(i + 28)).toString());
    return out.sort();
  };
  assert.deepEqual(names(first.get('Py')!), ['python/helpers.py', 'python/requirements.txt']);
  assert.deepEqual(names(first.get('Js')!), ['nodejs/package.json', 'nodejs/shout.js']);
  // Zip times have a 2-second resolution: the second build's copies are made in a later interval.
  await new Promise((r) => setTimeout(r, 2100));
  const second = await layerZips(layers, zipFolder, opts);
  assert.ok(second.get('Py')!.equals(first.get('Py')!), 'an unchanged Python layer zips to the same bytes');
  assert.ok(second.get('Js')!.equals(first.get('Js')!), 'an unchanged Node.js layer zips to the same bytes');
});
