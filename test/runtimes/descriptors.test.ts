/** The Python, Java and custom-runtime descriptors as data: ids, handler checks, launch commands. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinRuntimes } from '../../src/runtimes/registry.js';

const paths = { taskRoot: '/var/task', runtimeDir: '/var/runtime' };

describe('runtime descriptors', () => {
  const registry = builtinRuntimes();

  it('registers every Python, Java and custom runtime id with its family', () => {
    const families: Record<string, string> = {
      'python3.9': 'python', 'python3.10': 'python', 'python3.11': 'python', 'python3.12': 'python', 'python3.13': 'python',
      'java8.al2': 'java', java11: 'java', java17: 'java', java21: 'java',
      provided: 'provided', 'provided.al2': 'provided', 'provided.al2023': 'provided',
    };
    for (const [id, family] of Object.entries(families)) assert.equal(registry.get(id)?.family, family, id);
    assert.equal(registry.get('java8'), undefined, 'java8 (Amazon Linux 1) is deprecated on AWS');
  });

  it('accepts the handler forms each family understands and names the expected form otherwise', () => {
    const python = registry.get('python3.12')!;
    for (const ok of ['lambda_function.lambda_handler', 'pkg.sub.mod.fn', 'pkg/sub/mod.fn']) assert.equal(python.checkHandler(ok), null, ok);
    for (const bad of ['nodot', 'mod.', '.fn']) assert.match(python.checkHandler(bad) ?? '', /module\.function/, bad);

    const java = registry.get('java21')!;
    for (const ok of ['example.Hello', 'example.Hello::handleRequest', 'Hello', 'a.b.Outer$Inner::run']) assert.equal(java.checkHandler(ok), null, ok);
    for (const bad of ['example.Hello::', '::run', 'example..Hello', 'example/Hello', '1bad.Class']) {
      assert.match(java.checkHandler(bad) ?? '', /package\.Class/, bad);
    }

    const custom = registry.get('provided.al2023')!;
    assert.equal(custom.checkHandler('anything at all'), null);
    assert.notEqual(custom.checkHandler(''), null);
  });

  it('starts Python on the real interpreter with the bootstrap from the runtime dir', () => {
    const python = registry.get('python3.9')!;
    const argv = python.command(paths, 'python3.9', 'app.handler');
    assert.equal(argv.at(-1), '/var/runtime/bootstrap.py');
    assert.deepEqual(python.env(paths), { PYTHONPATH: '/var/runtime' });
    assert.match(python.hostRuntimeDir(), /\/dist\/guest\/python\/$/);
  });

  it('starts Java through a launcher that moves the socket and relay-port variables out of the environment', () => {
    const java = registry.get('java17')!;
    const argv = java.command(paths, 'java17', 'example.Hello');
    assert.equal(argv[0], '/bin/sh');
    assert.match(argv[2]!, /unset NIMBUS_RUNTIME_API_SOCKET NIMBUS_API_RELAY_PORTS; exec "\$0" -Dnimbus\.runtimeApiSocket="\$S" -Dnimbus\.apiRelayPorts="\$R" "\$@"/);
    assert.match(argv[3]!, /\/bin\/java$/);
    assert.deepEqual(argv.slice(-3), ['-cp', '/var/runtime/classes', 'nimbus.runtime.Bootstrap']);
  });

  it('starts a custom runtime as the bootstrap at the task root', () => {
    const custom = registry.get('provided')!;
    assert.deepEqual(custom.command(paths, 'provided', 'x'), ['/var/task/bootstrap']);
    assert.deepEqual(custom.hostPaths(), []);
  });
});
