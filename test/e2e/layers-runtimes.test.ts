/**
 * Layers in the sandbox: merged read-only at /opt in the function's order, found where each
 * runtime looks on AWS (DG "Layer paths for each Lambda runtime"): Node.js node_modules, Python
 * packages, Java jars, /opt/bin on a custom runtime's PATH, /opt/bootstrap. Every case runs under
 * namespace and process isolation. A deleted layer keeps working for the function that uses it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  CreateFunctionCommand,
  DeleteLayerVersionCommand,
  InvokeCommand,
  PublishLayerVersionCommand,
  UpdateFunctionConfigurationCommand,
  type LambdaClient,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { makeZip, payloadJson, ROLE, startTestNimbus } from '../helpers/nimbus.js';
import { buildGuests, checkTool, failIfMissing, needs, repoRoot, tempDir } from '../runtimes/helpers.js';

const python = checkTool('python3', ['--version']);
const pythonRuntime = python ? 'python3' : `python${execFileSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']).toString().trim()}`;
const javaMissing = checkTool('javac', ['-version']) ?? checkTool('java', ['-version']);
const namespace = process.getuid?.() === 0 ? checkTool('bwrap', ['--version']) : 'namespace isolation needs root';

async function publish(lambda: LambdaClient, name: string, files: Parameters<typeof makeZip>[0]): Promise<string> {
  const p = await lambda.send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: await makeZip(files) } }));
  return p.LayerVersionArn!;
}

async function invoke(lambda: LambdaClient, name: string, payload: unknown = {}): Promise<unknown> {
  const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)), LogType: 'Tail' }));
  const body = payloadJson(r.Payload);
  assert.equal(r.FunctionError, undefined, `${JSON.stringify(body)}\n${Buffer.from(r.LogResult ?? '', 'base64').toString()}`);
  return body;
}

async function create(lambda: LambdaClient, name: string, runtime: string, handler: string, files: Parameters<typeof makeZip>[0], layers: string[]): Promise<void> {
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: runtime as Runtime, Handler: handler, Role: ROLE, Code: { ZipFile: await makeZip(files) }, Layers: layers, Timeout: 30 }));
}

/** A jar of one class, compiled here, for /opt/java/lib. */
async function greeterJar(): Promise<Buffer> {
  const dir = tempDir('layer-jar');
  try {
    mkdirSync(join(dir.path, 'src/lib'), { recursive: true });
    writeFileSync(join(dir.path, 'src/lib/Greeter.java'), 'package lib; public class Greeter { public static String greet(String n) { return "jar greets " + n; } }');
    execFileSync('javac', ['--release', '11', '-d', join(dir.path, 'classes'), join(dir.path, 'src/lib/Greeter.java')]);
    const jar = await makeZip({ 'lib/Greeter.class': readFileSync(join(dir.path, 'classes/lib/Greeter.class')) });
    return jar;
  } finally {
    dir.remove();
  }
}

/** The Java function's class, compiled against the runtime's interfaces and the jar's class. */
function javaFunction(jar: Buffer): Buffer {
  const dir = tempDir('layer-java');
  try {
    mkdirSync(join(dir.path, 'src/example'), { recursive: true });
    writeFileSync(join(dir.path, 'greeter.jar'), jar);
    writeFileSync(
      join(dir.path, 'src/example/Handler.java'),
      'package example; import java.util.Map; public class Handler { public String handleRequest(Map<String, Object> e) { return lib.Greeter.greet(String.valueOf(e.get("name"))); } }',
    );
    const cp = [join(repoRoot, 'dist/guest/java/classes'), join(dir.path, 'greeter.jar')].join(':');
    execFileSync('javac', ['--release', '11', '-cp', cp, '-d', join(dir.path, 'classes'), join(dir.path, 'src/example/Handler.java')]);
    return readFileSync(join(dir.path, 'classes/example/Handler.class'));
  } finally {
    dir.remove();
  }
}

for (const isolation of ['namespace', 'process'] as const) {
  describe(`layers under ${isolation} isolation`, needs(isolation === 'namespace' ? namespace : null), () => {
    it('Node.js: a layer\'s node_modules (plain and nodeNN), later layers winning over earlier ones', async (t) => {
      failIfMissing(isolation === 'namespace' ? namespace : null);
      const { lambda } = await startTestNimbus(t, { isolation });
      const base = await publish(lambda, 'base', {
        'nodejs/node_modules/greeting/index.js': 'module.exports = (n) => "hello " + n;',
        'nodejs/node_modules/version/index.js': 'module.exports = "base";',
        'nodejs/node20/node_modules/major/index.js': 'module.exports = "node20 modules";',
      });
      const override = await publish(lambda, 'override', { 'nodejs/node_modules/version/index.js': 'module.exports = "override";' });
      await create(lambda, 'node-app', 'nodejs20.x', 'index.handler', {
        'index.js': `const fs = require('fs'); const greet = require('greeting'); const version = require('version'); const major = require('major');
exports.handler = async (e) => {
  let write = 'written';
  try { fs.writeFileSync(require.resolve('version'), 'changed'); } catch (err) { write = err.code; }
  return { greeting: greet(e.name), version, major, opt: fs.readdirSync('/opt'), write };
};`,
      }, [base, override]);
      const out = (await invoke(lambda, 'node-app', { name: 'layers' })) as Record<string, unknown>;
      assert.equal(out['greeting'], 'hello layers');
      assert.equal(out['version'], 'override');
      assert.equal(out['major'], 'node20 modules');
      // Read-only: EROFS on the mount; under process isolation the files are root's and the sandbox user's are not.
      assert.ok(out['write'] === 'EROFS' || out['write'] === 'EACCES', String(out['write']));
      // Only a mount namespace has /opt of the function's own; process isolation passes the merged directory instead.
      if (isolation === 'namespace') assert.deepEqual(out['opt'], ['nodejs']);
    });

    it(`Python: a layer's /opt/python package and its site-packages (${pythonRuntime})`, needs(python), async (t) => {
      failIfMissing(python);
      if (isolation === 'namespace') failIfMissing(namespace);
      buildGuests();
      const { lambda } = await startTestNimbus(t, { isolation });
      const layer = await publish(lambda, 'pylib', {
        'python/shared_util.py': 'def shout(s):\n    return s.upper()\n',
        [`python/lib/${pythonRuntime}/site-packages/sitepkg/__init__.py`]: 'NAME = "from site-packages"\n',
      });
      await create(lambda, 'py-app', pythonRuntime, 'app.handler', {
        'app.py': 'import shared_util, sitepkg\n\ndef handler(event, context):\n    return {"shout": shared_util.shout(event["name"]), "site": sitepkg.NAME, "file": shared_util.__file__.endswith("/python/shared_util.py")}\n',
      }, [layer]);
      assert.deepEqual(await invoke(lambda, 'py-app', { name: 'layers' }), { shout: 'LAYERS', site: 'from site-packages', file: true });
    });

    it("Java: a jar from /opt/java/lib on the function's class path", needs(javaMissing), async (t) => {
      failIfMissing(javaMissing);
      if (isolation === 'namespace') failIfMissing(namespace);
      buildGuests();
      const { lambda } = await startTestNimbus(t, { isolation });
      const jar = await greeterJar();
      const layer = await publish(lambda, 'javalib', { 'java/lib/greeter.jar': jar });
      await create(lambda, 'java-app', 'java17', 'example.Handler::handleRequest', { 'example/Handler.class': javaFunction(jar) }, [layer]);
      assert.equal(await invoke(lambda, 'java-app', { name: 'layers' }), 'jar greets layers');
    });

    it('custom runtime: /opt/bin on PATH, /opt/lib on LD_LIBRARY_PATH, and the bootstrap from a layer', async (t) => {
      if (isolation === 'namespace') failIfMissing(namespace);
      const { lambda } = await startTestNimbus(t, { isolation });
      const tools = await publish(lambda, 'tools', { 'bin/layer-tool': { content: '#!/bin/sh\necho "tool ran: $1"\n', mode: 0o100755 } });
      const runtime = await publish(lambda, 'runtime', {
        bootstrap: {
          mode: 0o100755,
          content: `#!/bin/bash
set -euo pipefail
API="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  H="$(mktemp)"
  curl -sS -LD "$H" "$API/invocation/next" > /dev/null
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$H" | tr -d '[:space:]' | cut -d: -f2)
  OUT=$(layer-tool "$_HANDLER")
  curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"out\\":\\"$OUT\\",\\"path\\":\\"$PATH\\",\\"libs\\":\\"$LD_LIBRARY_PATH\\"}" > /dev/null
done
`,
        },
      });
      // No bootstrap in the function: the runtime layer's /opt/bootstrap runs, and finds the tool on PATH.
      await create(lambda, 'custom-app', 'provided.al2023', 'greet', { 'README.txt': 'code lives in the layers' }, [tools, runtime]);
      const out = (await invoke(lambda, 'custom-app')) as { out: string; path: string; libs: string };
      assert.equal(out.out, 'tool ran: greet');
      // AWS's /opt/bin and /opt/lib (rewritten to the merged directory where there is no /opt of the function's own).
      assert.ok(out.path.split(':').some((d) => d.endsWith('/opt/bin')), out.path);
      assert.ok(out.libs.split(':').some((d) => d.endsWith('/opt/lib')), out.libs);
      if (isolation === 'namespace') assert.ok(out.path.split(':').includes('/opt/bin'));
    });

    it('a deleted layer version keeps working for the function that uses it, through new sandboxes', async (t) => {
      if (isolation === 'namespace') failIfMissing(namespace);
      const { lambda } = await startTestNimbus(t, { isolation });
      const arn = await publish(lambda, 'gone', { 'nodejs/node_modules/kept/index.js': 'module.exports = "still here";' });
      await create(lambda, 'keeps', 'nodejs20.x', 'index.handler', { 'index.js': "exports.handler = async () => require('kept');" }, [arn]);
      assert.equal(await invoke(lambda, 'keeps'), 'still here');
      const [name, version] = arn.split(':').slice(-2) as [string, string];
      await lambda.send(new DeleteLayerVersionCommand({ LayerName: name, VersionNumber: Number(version) }));
      // A configuration change retires the warm sandbox: the next invocation is a cold start.
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'keeps', Description: 'after the delete' }));
      assert.equal(await invoke(lambda, 'keeps'), 'still here');
    });
  });
}
