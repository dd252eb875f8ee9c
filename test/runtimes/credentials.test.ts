/** Execution-role credentials: issued per function from the data directory's secret, verifiable, unforgeable. */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CREDENTIAL_LIFETIME_MS, CredentialIssuer } from '../../src/runtimes/credentials.js';
import { tempDir } from './helpers.js';

const FN = { accountId: '000000000000', region: 'us-east-1', name: 'orders', role: 'arn:aws:iam::000000000000:role/orders-role' };
const NOW = Date.UTC(2026, 0, 1);

describe('execution-role credentials', () => {
  it('have the shape of AWS temporary credentials and verify back to their function and role', () => {
    const dir = tempDir('creds');
    try {
      const issuer = CredentialIssuer.forDataDir(dir.path);
      assert.equal(statSync(join(dir.path, 'credentials.key')).mode & 0o777, 0o600);
      const c = issuer.issue(FN, NOW);
      assert.match(c.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
      assert.match(c.secretAccessKey, /^[A-Za-z0-9+/]{40}$/);
      assert.equal(c.expiration, NOW + CREDENTIAL_LIFETIME_MS);
      const v = issuer.verify(c.accessKeyId, c.sessionToken, NOW + 1000);
      assert.deepEqual(v?.claims, { a: FN.accountId, r: FN.region, f: FN.name, role: FN.role, exp: (NOW + CREDENTIAL_LIFETIME_MS) / 1000 });
      assert.equal(v?.secretAccessKey, c.secretAccessKey);
      // The same data directory gives the same secret: credentials survive a restart.
      assert.equal(CredentialIssuer.forDataDir(dir.path).verify(c.accessKeyId, c.sessionToken, NOW)?.secretAccessKey, c.secretAccessKey);
    } finally {
      dir.remove();
    }
  });

  it('refuse tampered, mismatched, foreign and expired credentials', () => {
    const a = new CredentialIssuer(Buffer.alloc(32, 1));
    const b = new CredentialIssuer(Buffer.alloc(32, 2));
    const c = a.issue(FN, NOW);
    const other = a.issue({ ...FN, name: 'billing' }, NOW);
    const [prefix, body, tag] = c.sessionToken.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ a: FN.accountId, r: FN.region, f: 'admin', role: FN.role, exp: 9e9 })).toString('base64url');
    assert.equal(a.verify(c.accessKeyId, `${prefix}.${forged}.${tag}`, NOW), null, 'claims changed under the same tag');
    assert.equal(a.verify(other.accessKeyId, c.sessionToken, NOW), null, "another function's key id");
    assert.equal(b.verify(c.accessKeyId, c.sessionToken, NOW), null, 'issued with another secret');
    assert.equal(a.verify(c.accessKeyId, `${prefix}.${body}.${tag}x`, NOW), null, 'bad tag');
    assert.equal(a.verify(c.accessKeyId, c.sessionToken, NOW + CREDENTIAL_LIFETIME_MS), null, 'expired');
    assert.equal(a.verify(c.accessKeyId, 'not a token', NOW), null);
    assert.notEqual(a.issue(FN, NOW).accessKeyId, b.issue(FN, NOW).accessKeyId);
  });
});
