/**
 * The Java runtime end to end: functions compiled here with the machine's javac against
 * Nimbus's own aws-lambda-java-core interfaces, run by real JVMs under process isolation.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, createWriteStream, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import yazl from 'yazl';
import { java } from '../../src/runtimes/java.js';
import {
  ARN,
  FUNCTION_NAME,
  LOG_STREAM,
  MEMORY_MB,
  Sandboxes,
  buildGuests,
  checkTool,
  errorJson,
  event,
  failIfMissing,
  initErrorJson,
  initFailure,
  makeSpec,
  needs,
  toolTest,
  repoRoot,
  responseJson,
  tempDir,
} from './helpers.js';
import { JAVA_FUNCTIONS, JAVA_LIB, JAVA_USES_LIB } from './java-fixtures.js';
import { UnixSocketSandbox } from './unix-sandbox.js';

function javaTool(name: string): string {
  for (const home of [process.env['NIMBUS_JAVA_HOME'], process.env['JAVA_HOME']]) {
    if (home && existsSync(join(home, 'bin', name))) return join(home, 'bin', name);
  }
  return name;
}

const javac = javaTool('javac');
const missing = checkTool(javac, ['-version']) ?? checkTool(javaTool('java'), ['-version']);
const runtimeClasses = join(repoRoot, 'dist', 'guest', 'java', 'classes');

/** Compiles `sources` (path -> text) into `out` against the runtime's interfaces. */
function compile(sources: Record<string, string>, out: string): void {
  const src = tempDir('java-src');
  try {
    const files = Object.entries(sources).map(([path, text]) => {
      const file = join(src.path, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      return file;
    });
    execFileSync(javac, ['-J-XX:TieredStopAtLevel=1', '-J-XX:+UseSerialGC', '-cp', runtimeClasses, '-d', out, ...files], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } finally {
    src.remove();
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

async function jar(classesDir: string, out: string): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const f of walk(classesDir)) zip.addFile(f, relative(classesDir, f));
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(out));
}

toolTest('a JDK (javac and java) is installed', missing);

/** A JSON document that exercises the runtime's own JSON reader and writer. */
const ECHO = {
  a: [1, { b: null }, [], {}],
  text: 'é ✓ "quoted" back\\slash\nnew line\ttab \u0001 \ud83d\ude00',
  big: 12345678901234567890,
  long: 9007199254740991,
  small: -1.5e-7,
  t: true,
  f: false,
};

describe('java runtime', needs(missing), () => {
  /** Classes at the root, as when a jar is deployed (Lambda extracts it). */
  let jarLayout: ReturnType<typeof tempDir>;
  /** classes/ plus lib/*.jar, as a zip built from a build tool's output. */
  let zipLayout: ReturnType<typeof tempDir>;
  let sandboxes: Sandboxes;
  const spec = (handler: string, codeDir = jarLayout.path) => makeSpec(java, 'java17', handler, codeDir);

  before(async () => {
    failIfMissing(missing);
    buildGuests();
    sandboxes = new Sandboxes();
    jarLayout = tempDir('java-jar');
    zipLayout = tempDir('java-zip');
    // One javac run (it costs seconds), then the classes are laid out two ways.
    compile({ ...JAVA_FUNCTIONS, ...JAVA_LIB, ...JAVA_USES_LIB }, jarLayout.path);
    const lib = tempDir('java-lib');
    try {
      cpSync(join(jarLayout.path, 'example', 'lib'), join(lib.path, 'example', 'lib'), { recursive: true });
      mkdirSync(join(zipLayout.path, 'lib'));
      await jar(lib.path, join(zipLayout.path, 'lib', 'greeter.jar'));
      // Function jars usually bundle aws-lambda-java-core: the runtime's own copy must still win,
      // or the handler's Context would be another class than the one the runtime passes.
      const core = tempDir('java-core');
      try {
        cpSync(join(runtimeClasses, 'com'), join(core.path, 'com'), { recursive: true });
        await jar(core.path, join(zipLayout.path, 'lib', 'aws-lambda-java-core-1.2.3.jar'));
      } finally {
        core.remove();
      }
      mkdirSync(join(zipLayout.path, 'classes', 'example'), { recursive: true });
      copyFileSync(join(jarLayout.path, 'example', 'UsesLib.class'), join(zipLayout.path, 'classes', 'example', 'UsesLib.class'));
    } finally {
      lib.remove();
    }
  });

  after(async () => {
    await sandboxes?.close();
    jarLayout?.remove();
    zipLayout?.remove();
  });

  it('runs a RequestHandler class: Map in, String out, one instance across warm invocations', async () => {
    const { sandbox } = await sandboxes.start(spec('example.Hello'));
    assert.equal(responseJson(await sandbox.invoke(event({ name: 'Nimbus' }))), 'Hello, Nimbus #1');
    const second = await sandbox.invoke(event({ name: 'again' }));
    assert.equal(responseJson(second), 'Hello, again #2');
    assert.match(second.logs, /^stdout line 2\n/m);
    assert.match(second.logs, /^stderr line\n/m);
    assert.match(second.logs, /^logger line\n/m);
    assert.match(second.logs, /^\[WARN\] leveled line\n/m);
    assert.match(second.logs, /^\[INFO\] runtime logger line\n/m);
  });

  it('binds a POJO argument and writes the result from its getters, leaving nulls out', async () => {
    const { sandbox } = await sandboxes.start(spec('example.Pojos::greet'));
    const report = await sandbox.invoke(event({ name: 'Ada', age: 36, tags: ['x', 'y'], address: { city: 'London' }, extra: 1 }));
    const got = responseJson(report) as Record<string, unknown>;
    assert.deepEqual(got, { message: 'Hello Ada (36) from London [x, y]', adult: true, URL: 'https://example.com/33' });
    // Declared-field order first, then getter-only properties, as Jackson writes them.
    assert.deepEqual(Object.keys(got), ['message', 'adult', 'URL']);
  });

  it('binds primitives, strings, lists and maps, and handles void and no-argument methods', async () => {
    const cases: [string, unknown, unknown][] = [
      ['example.Pojos::twice', 21, 42],
      ['example.Pojos::upper', 'abc', 'ABC'],
      ['example.Pojos::sum', [1, 2, 3], 6],
      ['example.Pojos::echo', ECHO, ECHO],
      ['example.Pojos::nothing', { a: 1 }, null],
      ['example.Pojos::noArgs', { ignored: true }, 'no args'],
      ['example.Point::mirror', { x: 1, y: 2 }, { x: 2, y: 1 }],
    ];
    for (const [handler, input, expected] of cases) {
      const { sandbox } = await sandboxes.start(spec(handler));
      assert.deepEqual(responseJson(await sandbox.invoke(event(input))), expected, handler);
      await sandbox.dispose();
    }
  });

  it('runs stream handlers: a RequestStreamHandler class and an (InputStream, OutputStream) method', async () => {
    const streams = await sandboxes.start(spec('example.Streams'));
    assert.equal(responseJson(await streams.sandbox.invoke(event('quiet'))), 'QUIET');
    const copy = await sandboxes.start(spec('example.Streams::copy'));
    assert.deepEqual(responseJson(await copy.sandbox.invoke(event({ a: 1 }))), { copied: { a: 1 } });
  });

  it("reports a handler exception as AWS's Java runtime does", async () => {
    const { sandbox } = await sandboxes.start(spec('example.Fails'));
    const report = await sandbox.invoke(event({}));
    const { body, errorType } = errorJson(report);
    assert.equal(errorType, 'Runtime.UserException');
    assert.deepEqual(Object.keys(body), ['errorMessage', 'errorType', 'stackTrace']);
    assert.equal(body['errorMessage'], 'Error: some_error_msg');
    assert.equal(body['errorType'], 'java.lang.RuntimeException');
    const trace = body['stackTrace'] as string[];
    assert.match(trace[0]!, /^example\.Fails\.handleRequest\(Fails\.java:\d+\)$/);
    assert.ok(!trace.some((f) => f.includes('nimbus.runtime')), `runtime frames are cut: ${trace.join(' | ')}`);
    assert.match(report.logs, /Error: some_error_msg: java\.lang\.RuntimeException\njava\.lang\.RuntimeException: Error: some_error_msg\n\tat example\.Fails\.handleRequest/);
    assert.equal(sandbox.state, 'idle');
  });

  it('reports an event that does not fit the parameter type as a JSON parsing error', async () => {
    const { sandbox } = await sandboxes.start(spec('example.Pojos::twice'));
    const { body } = errorJson(await sandbox.invoke(event({ not: 'a number' })));
    assert.equal(body['errorType'], 'java.lang.RuntimeException');
    assert.equal(body['errorMessage'], 'An error occurred during JSON parsing');
  });

  it('fails init when the handler class cannot be initialised or constructed', async () => {
    const ctor = initErrorJson(await initFailure(sandboxes, spec('example.BadCtor')));
    assert.equal(ctor.errorType, 'Runtime.BadFunctionCode');
    assert.deepEqual(ctor.body, { errorMessage: 'constructor says no', errorType: 'java.lang.IllegalStateException' });
    const err = await initFailure(sandboxes, spec('example.BadStatic'));
    assert.deepEqual(initErrorJson(err).body, {
      errorMessage: 'Error loading class example.BadStatic',
      errorType: 'java.lang.ExceptionInInitializerError',
    });
    assert.match(err.logs, /Caused by: java\.lang\.RuntimeException: static init says no/);
  });

  it('reports a missing class or method on each invocation, as AWS does', async () => {
    const noClass = await sandboxes.start(spec('example.Missing'));
    for (let i = 0; i < 2; i++) {
      const { body } = errorJson(await noClass.sandbox.invoke(event({})));
      assert.deepEqual(body, { errorMessage: 'Class not found: example.Missing', errorType: 'java.lang.ClassNotFoundException' });
    }
    const noMethod = await sandboxes.start(spec('example.Pojos::absent'));
    assert.deepEqual(errorJson(await noMethod.sandbox.invoke(event({}))).body, {
      errorMessage: 'No public method named absent with appropriate method signature found on class example.Pojos',
    });
  });

  it('is killed at the deadline, keeping the output written before it', async () => {
    const { sandbox } = await sandboxes.start(spec('example.Sleeper'));
    const report = await sandbox.invoke(event({}, 800));
    assert.equal(report.result.kind, 'timeout');
    assert.match(report.logs, /going to sleep\n/);
    assert.equal(sandbox.state, 'dead');
  });

  it('gives the handler a Context with the function and invocation fields', async () => {
    const { sandbox } = await sandboxes.start(spec('example.Ctx::handle'));
    const ev = event({}, 20_000, {
      traceId: 'Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1',
      cognitoIdentity: JSON.stringify({ cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' }),
      clientContext: JSON.stringify({ client: { app_title: 'Nimbus app' }, custom: { k: 'v' }, env: {} }),
    });
    const got = responseJson(await sandbox.invoke(ev)) as Record<string, unknown>;
    const remaining = got['remaining'] as number;
    assert.ok(remaining > 10_000 && remaining <= 20_000, `remaining ${remaining}`);
    assert.deepEqual(
      { ...got, remaining: 0 },
      {
        functionName: FUNCTION_NAME,
        functionVersion: '$LATEST',
        invokedFunctionArn: ARN,
        memoryLimitInMB: MEMORY_MB,
        awsRequestId: ev.requestId,
        logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
        logStreamName: LOG_STREAM,
        remaining: 0,
        identityId: 'id-1',
        identityPoolId: 'pool-1',
        appTitle: 'Nimbus app',
        custom: { k: 'v' },
        traceHeader: ev.traceId,
        socketEnv: null,
      },
    );
  });

  it('loads code from classes/ and lib/*.jar, even with aws-lambda-java-core bundled', async () => {
    const { sandbox } = await sandboxes.start(spec('example.UsesLib::handle', zipLayout.path));
    assert.equal(responseJson(await sandbox.invoke(event({ name: 'Ada' }))), `Greetings, Ada, from ${FUNCTION_NAME}`);
  });

  it('speaks the Runtime API over a Unix socket and hides that channel from the function', async () => {
    const scratch = tempDir('java-unix');
    const sandbox = new UnixSocketSandbox(spec('example.Ctx::handle'), { scratchRoot: scratch.path, users: null, nimbusApi: null });
    try {
      await sandbox.start(30_000);
      const got = responseJson(await sandbox.invoke(event({}))) as Record<string, unknown>;
      assert.equal(got['functionName'], FUNCTION_NAME);
      assert.equal(got['socketEnv'], null);
    } finally {
      await sandbox.dispose();
      scratch.remove();
    }
  });
});
