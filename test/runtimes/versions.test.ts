/**
 * A runtime identifier runs on the interpreter version it names, checked from INSIDE the sandbox
 * (`process.version`, `sys.version_info`, `Runtime.version()`), under process isolation and, where
 * the host allows it, namespace isolation (bind-mounted interpreters from /root/.pyenv, the
 * runtime store, /usr/lib/jvm). Every runtime available here is checked; the runtimes CI promises
 * must be available under CI=true (`npm test` provisions the npm and PyPI ones first, see
 * scripts/provision-test-runtimes.mjs); the others must say how to provide them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { builtinRuntimes } from '../../src/runtimes/registry.js';
import { JAVA_IDS, NODE_IDS, PYTHON_IDS, parseRuntime } from '../../src/runtimes/ids.js';
import { createSandboxFactory } from '../../src/sandbox/index.js';
import { detectNamespaceSupport } from '../../src/sandbox/detect.js';
import type { SandboxFactory } from '../../src/sandbox/types.js';
import { buildGuests, event, makeSpec, responseJson, tempDir } from './helpers.js';

/** What CI promises to run (docs/runtimes.md, "Versions in CI"). */
const CI_RUNTIMES = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x', 'python3.9', 'python3.10', 'python3.11', 'python3.12', 'python3.13', 'java17', 'java21', 'java25'];

const inCI = process.env['CI'] === 'true';
const registry = builtinRuntimes();
const ALL = [...NODE_IDS, ...PYTHON_IDS, ...JAVA_IDS];

const NODE_FN = 'export const handler = async () => ({ version: process.version.slice(1), execPath: process.execPath });\n';
const PYTHON_FN = 'import sys\n\ndef handler(event, context):\n    return {"version": ".".join(map(str, sys.version_info[:3])), "executable": sys.executable}\n';
const JAVA_FN = `package probe;
public class Version {
  public java.util.Map<String, Object> handleRequest(java.util.Map<String, Object> event) {
    java.util.Map<String, Object> out = new java.util.HashMap<>();
    out.put("version", Runtime.version().toString());
    out.put("feature", Runtime.version().feature());
    out.put("home", System.getProperty("java.home"));
    return out;
  }
}
`;

function namespaceSkip(): string | false {
  const d = detectNamespaceSupport('0000test0000');
  return d.ok || inCI ? false : `namespace isolation unavailable here (${d.ok ? '' : d.reasons.join('; ')})`;
}

describe('each runtime runs on the exact interpreter version it names', () => {
  const code = tempDir('versions');
  let javaBuilt = false;
  before(() => {
    buildGuests();
    writeFileSync(join(code.path, 'index.mjs'), NODE_FN);
    writeFileSync(join(code.path, 'probe_version.py'), PYTHON_FN);
    mkdirSync(join(code.path, 'src'));
    writeFileSync(join(code.path, 'src', 'Version.java'), JAVA_FN);
    // --release 11: the class runs on every Java runtime from 11 on. Without javac (a laptop with a
    // Java runtime but no JDK) the Java cases skip; CI has one.
    try {
      execFileSync('javac', ['--release', '11', '-d', code.path, join(code.path, 'src', 'Version.java')]);
      javaBuilt = true;
    } catch (e) {
      if (inCI) throw e;
    }
    chmodSync(code.path, 0o755);
    execFileSync('chmod', ['-R', 'a+rX', code.path]);
  });
  after(() => code.remove());

  it('the runtimes CI promises are available', { skip: !inCI && 'checked under CI=true only (locally the machine may lack some)' }, () => {
    const missing = CI_RUNTIMES.map((id) => registry.get(id)!.availability!(id)).filter((a) => !a.ok);
    assert.deepEqual(missing, [], 'run node scripts/provision-test-runtimes.mjs');
  });

  it('a runtime that is not available says why and how to provide it', () => {
    for (const id of ALL) {
      const a = registry.get(id)!.availability!(id);
      if (a.ok) {
        assert.equal(registry.refusal(id), null, id);
        continue;
      }
      const text = registry.refusal(id)!;
      assert.match(text, new RegExp(`^The runtime ${id.replace('.', '\\.')} is not available on this Nimbus: .+\\. To provide it, .+`), text);
      assert.match(text, /nimbus runtimes (install|add)/, text);
    }
  });

  for (const isolation of ['process', 'namespace'] as const) {
    describe(`under ${isolation} isolation`, { skip: isolation === 'namespace' && namespaceSkip() }, () => {
      let factory: SandboxFactory;
      const data = tempDir(`versions-${isolation}`);
      before(() => {
        factory = createSandboxFactory({ isolation, dataDir: data.path, hostPorts: [] }).factory;
      });
      after(async () => {
        await factory.close?.();
        data.remove();
      });

      for (const id of ALL) {
        const a = registry.get(id)!.availability!(id);
        const named = parseRuntime(id)!;
        it(`${id}: ${a.ok ? `${a.interpreter.version} from ${a.interpreter.source}` : 'not available here'}`, { skip: !a.ok && 'not available on this machine' }, async (t) => {
          if (named.family === 'java' && !javaBuilt) return t.skip('javac is not installed (it builds the probe)');
          assert.ok(a.ok);
          const handler = named.family === 'nodejs' ? 'index.handler' : named.family === 'python' ? 'probe_version.handler' : 'probe.Version::handleRequest';
          const sandbox = factory.create(makeSpec(registry.get(id)!, id, handler, code.path));
          try {
            await sandbox.start(60_000);
            const got = responseJson(await sandbox.invoke(event({}))) as { version: string; feature?: number };
            if (named.family === 'java') {
              assert.equal(String(got.feature), named.version, `${id} ran on Java ${got.version}`);
              assert.ok(got.version.startsWith(a.interpreter.version), `${id}: ${got.version} is not ${a.interpreter.version}`);
            } else {
              assert.equal(got.version, a.interpreter.version, `${id} ran on ${got.version}`);
              assert.ok(got.version.startsWith(`${named.version}.`), `${id} ran on ${got.version}`);
            }
          } finally {
            await sandbox.dispose();
          }
        });
      }
    });
  }
});
