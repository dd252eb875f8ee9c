/** Which JDK compiles a Java function (src/sam/build/jdk.ts). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chooseJdk, releaseMajor, runtimeMajor } from '../../src/sam/build/jdk.js';
import { SamError } from '../../src/sam/errors.js';

const jdks = [
  { home: '/jvm/17', major: 17 },
  { home: '/jvm/25', major: 25 },
  { home: '/jvm/21', major: 21 },
];

describe('JDK for a Java build', () => {
  it('reads the feature release of a runtime and of a release file', (t) => {
    assert.equal(runtimeMajor('java21'), 21);
    assert.equal(runtimeMajor('java8.al2'), 8);
    assert.equal(runtimeMajor('nodejs20.x'), undefined);
    const home = mkdtempSync(join(tmpdir(), 'nimbus-jdk-'));
    t.after(() => rmSync(home, { recursive: true, force: true }));
    writeFileSync(join(home, 'release'), 'IMPLEMENTOR="Eclipse Adoptium"\nJAVA_VERSION="25.0.3"\n');
    assert.equal(releaseMajor(home), 25);
    writeFileSync(join(home, 'release'), 'JAVA_VERSION="1.8.0_402"\n');
    assert.equal(releaseMajor(home), 8);
    assert.equal(releaseMajor(join(home, 'missing')), undefined);
  });

  it("takes the runtime's own release, else the oldest newer JDK", () => {
    assert.equal(chooseJdk('java21', 'Fn', {}, jdks)?.home, '/jvm/21');
    assert.equal(chooseJdk('java17', 'Fn', {}, jdks)?.home, '/jvm/17');
    assert.equal(chooseJdk('java11', 'Fn', {}, jdks)?.home, '/jvm/17');
    assert.equal(chooseJdk('java21', 'Fn', {}, [jdks[0]!, jdks[1]!])?.home, '/jvm/25');
  });

  it('NIMBUS_JAVA_HOME wins, as the operator set it', () => {
    assert.equal(chooseJdk('java21', 'Fn', { NIMBUS_JAVA_HOME: '/opt/jdk' }, jdks)?.home, '/opt/jdk');
  });

  it('refuses when every JDK is older than the runtime, saying what it found', () => {
    assert.throws(
      () => chooseJdk('java25', 'HelloFn', {}, [jdks[0]!, jdks[2]!]),
      (e: unknown) => e instanceof SamError && /HelloFn: java25 needs a JDK 25 or newer/.test(e.message) && e.message.includes('17 (/jvm/17)') && e.message.includes('NIMBUS_JAVA_HOME'),
    );
    assert.throws(() => chooseJdk('java21', 'Fn', {}, []), /JDKs found: none/);
  });
});
