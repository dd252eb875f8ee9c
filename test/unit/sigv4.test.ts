/**
 * The SigV4 verifier, rule by rule, with AWS's exact texts (docs/reference/security.md §1 and §7 rows 3-17).
 * Valid requests are signed by @smithy/signature-v4, the JS SDK's own signer, so nothing here
 * checks the verifier against itself.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import type { SigV4Result } from '../../src/auth/sigv4.js';
import {
  AKID,
  headerValue,
  HOST,
  onWire,
  SECRET,
  sha256Hex,
  signer,
  signHeaderForm,
  smithyRequest,
  verifier,
  withHeader,
  withoutHeader,
  type Unsigned,
} from '../helpers/sigv4.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const INVOKE_PATH = '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn/invocations';
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

const body = new TextEncoder().encode('{"hello":"world"}');
const invoke: Unsigned = { method: 'POST', path: INVOKE_PATH, query: { Qualifier: 'prod' }, headers: { 'content-type': 'application/json' }, body };

async function signed(u: Unsigned = invoke, at = NOW, o: Parameters<typeof signer>[0] = {}) {
  const s = await signHeaderForm(u, new Date(at), o);
  return onWire(s, u.body);
}

function assertFail(r: SigV4Result<{ secret: string }>, status: number, errorType: string, message?: string | RegExp): void {
  assert.equal(r.ok, false, 'expected a refusal');
  if (r.ok) return;
  assert.equal(r.status, status, r.message);
  assert.equal(r.errorType, errorType, r.message);
  if (typeof message === 'string') assert.equal(r.message, message);
  else if (message) assert.match(r.message, message);
}

const b64sha = (s: string): string => createHash('sha256').update(s, 'latin1').digest('base64');

describe('header form', () => {
  test('an SDK-style signed Invoke of an ARN with a qualifier verifies, and says who signed it', async () => {
    const r = verifier().verify(await signed(), NOW);
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.equal(r.accessKeyId, AKID);
    assert.equal(r.region, 'us-east-1');
    assert.equal(r.service, 'lambda');
    assert.equal(r.presigned, false);
    assert.equal(r.key.name, `key ${AKID}`);
    assert.equal(r.signedAt, NOW);
  });

  test('single-encoded canonical URI (the S3 rule) is refused for Lambda (row 3)', async () => {
    const r = verifier().verify(await signed(invoke, NOW, { uriEscapePath: false }), NOW);
    assertFail(r, 403, 'InvalidSignatureException', MISMATCH);
  });

  test('wrong secret: 403 InvalidSignatureException with AWS text (row 4)', async () => {
    const r = verifier().verify(await signed(invoke, NOW, { secret: 'not-the-secret' }), NOW);
    assertFail(r, 403, 'InvalidSignatureException', MISMATCH);
  });

  test('unknown access key: 403 UnrecognizedClientException (row 5)', async () => {
    const r = verifier().verify(await signed(invoke, NOW, { accessKeyId: 'AKIDUNKNOWN' }), NOW);
    assertFail(r, 403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
  });

  test('clock skew: 299 s either way passes, 301 s does not, with AWS text (rows 6, 7)', async () => {
    const v = verifier();
    assert.ok(v.verify(await signed(invoke, NOW - 299_000), NOW).ok);
    assert.ok(v.verify(await signed(invoke, NOW + 299_000), NOW).ok);
    assert.ok(v.verify(await signed(invoke, NOW - 300_000), NOW).ok, 'exactly five minutes is still inside');
    const old = v.verify(await signed(invoke, NOW - 301_000), NOW);
    assertFail(old, 403, 'InvalidSignatureException', /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
    const ahead = v.verify(await signed(invoke, NOW + 301_000), NOW);
    assertFail(ahead, 403, 'InvalidSignatureException', /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$/);
  });

  test('skew messages match the ones AWS sent (serverless#27; an Elastic Beanstalk report)', async () => {
    const v = verifier();
    const at = Date.UTC(2015, 7, 6, 13, 12, 23);
    const r = v.verify(await signed(invoke, at), Date.UTC(2015, 7, 6, 13, 20, 34));
    assertFail(r, 403, 'InvalidSignatureException', 'Signature expired: 20150806T131223Z is now earlier than 20150806T131534Z (20150806T132034Z - 5 min.)');
    const future = Date.UTC(2017, 3, 24, 1, 39, 26);
    const r2 = v.verify(await signed(invoke, future), Date.UTC(2017, 3, 24, 1, 33, 32));
    assertFail(r2, 403, 'InvalidSignatureException', 'Signature not yet current: 20170424T013926Z is still later than 20170424T013832Z (20170424T013332Z + 5 min.)');
  });

  test('credential scope: region, service, terminator and date, alone and together (row 9)', async () => {
    const v = verifier();
    assertFail(v.verify(await signed(invoke, NOW, { region: 'ap-south-1' }), NOW), 403, 'InvalidSignatureException', "Credential should be scoped to a valid region, not 'ap-south-1'. ");
    assertFail(v.verify(await signed(invoke, NOW, { service: 's3' }), NOW), 403, 'InvalidSignatureException', "Credential should be scoped to correct service: 'lambda'. ");
    const good = await signed();
    const auth = headerValue(good, 'authorization')!;
    const dayOff = withHeader(good, 'authorization', auth.replace('/20240501/', '/20240430/'));
    assertFail(v.verify(dayOff, NOW), 403, 'InvalidSignatureException', "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240430' != '20240501', from '20240501T120000Z'.");
    const all = withHeader(good, 'authorization', auth.replace('/20240501/us-east-1/lambda/aws4_request', '/b/c/dynamodb/e'));
    assertFail(
      v.verify(all, NOW),
      403,
      'InvalidSignatureException',
      "Credential should be scoped to a valid region, not 'c'. Credential should be scoped to correct service: 'lambda'. Credential should be scoped with a valid terminator: 'aws4_request', not 'e'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: 'b' != '20240501', from '20240501T120000Z'.",
    );
  });

  test('several allowed regions and services', async () => {
    const v = verifier({ services: ['lambda', 'sqs'] });
    const r = v.verify(await signed(invoke, NOW, { region: 'eu-west-1', service: 'sqs' }), NOW);
    assert.ok(r.ok && r.region === 'eu-west-1' && r.service === 'sqs');
  });

  test('tampering: a body byte, a signed header value, an extra query parameter; an added unsigned header is fine (row 10)', async () => {
    const v = verifier();
    const good = await signed();
    const otherBody = new Uint8Array(body);
    otherBody[3] = otherBody[3]! ^ 1;
    // The SDK signs x-amz-content-sha256; without it the body hash still lands in the canonical request.
    assertFail(v.verify({ ...good, payloadSha256: sha256Hex(otherBody) }, NOW), 403, 'InvalidSignatureException', MISMATCH);
    const noSha = onWire(await signHeaderForm(invoke, new Date(NOW), { applyChecksum: false }), body);
    assert.equal(headerValue(noSha, 'x-amz-content-sha256'), undefined);
    assert.ok(v.verify(noSha, NOW).ok);
    assertFail(v.verify({ ...noSha, payloadSha256: sha256Hex(otherBody) }, NOW), 403, 'InvalidSignatureException', MISMATCH);
    assertFail(v.verify(withHeader(good, 'content-type', 'text/plain'), NOW), 403, 'InvalidSignatureException', MISMATCH);
    assertFail(v.verify({ ...good, rawUrl: `${good.rawUrl}&extra=1` }, NOW), 403, 'InvalidSignatureException', MISMATCH);
    assert.ok(v.verify({ ...good, rawHeaders: [...good.rawHeaders, 'User-Agent', 'curl/8', 'X-Unsigned', 'x'] }, NOW).ok);
  });

  test('x-amz-content-sha256: another hash and UNSIGNED-PAYLOAD are 403, STREAMING-* is 400 (row 11)', async () => {
    const v = verifier();
    const good = await signed();
    assertFail(v.verify(withHeader(good, 'x-amz-content-sha256', sha256Hex('other')), NOW), 403, 'InvalidSignatureException', MISMATCH);
    assertFail(v.verify(withHeader(good, 'x-amz-content-sha256', 'UNSIGNED-PAYLOAD'), NOW), 403, 'InvalidSignatureException', MISMATCH);
    // Even signed honestly by the client, UNSIGNED-PAYLOAD is not Lambda's.
    const unsigned = onWire(await signHeaderForm({ ...invoke, headers: { ...invoke.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }, new Date(NOW)), body);
    assertFail(v.verify(unsigned, NOW), 403, 'InvalidSignatureException', MISMATCH);
    const streaming = v.verify(withHeader(good, 'x-amz-content-sha256', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'), NOW);
    assertFail(streaming, 400, 'IncompleteSignatureException', /aws-chunked/);
    // Unsigned (the CLI signs only host;x-amz-date), the header must still tell the truth,
    // because code after auth may read it.
    const cliLike = onWire(await signHeaderForm(invoke, new Date(NOW), { applyChecksum: false }), body);
    assert.ok(v.verify(withHeader(cliLike, 'x-amz-content-sha256', sha256Hex(body)), NOW).ok);
    assertFail(v.verify(withHeader(cliLike, 'x-amz-content-sha256', sha256Hex('other')), NOW), 403, 'InvalidSignatureException', MISMATCH);
  });

  test('repeated Authorization or Host is 400; repeated X-Amz-Date fails its format check; never 2xx (row 12)', async () => {
    const v = verifier();
    const good = await signed();
    assertFail(v.verify({ ...good, rawHeaders: [...good.rawHeaders, 'Authorization', headerValue(good, 'authorization')!] }, NOW), 400, 'IncompleteSignatureException', /More than one 'Authorization' header/);
    assertFail(v.verify({ ...good, rawHeaders: [...good.rawHeaders, 'Host', 'evil.example'] }, NOW), 400, 'IncompleteSignatureException', /More than one 'Host' header/);
    assertFail(
      v.verify({ ...good, rawHeaders: [...good.rawHeaders, 'X-Amz-Date', '20240501T120000Z'] }, NOW),
      400,
      'IncompleteSignatureException',
      "Date must be in ISO-8601 'basic format'. Got '20240501T120000Z,20240501T120000Z'. See http://en.wikipedia.org/wiki/ISO_8601",
    );
  });

  test('SignedHeaders without host, naming an absent header, or out of order (row 13)', async () => {
    const v = verifier();
    const good = await signed();
    const auth = headerValue(good, 'authorization')!;
    const noHost = withHeader(good, 'authorization', auth.replace(';host;', ';'));
    assertFail(v.verify(noHost, NOW), 403, 'InvalidSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    assertFail(v.verify(withoutHeader(good, 'content-type'), NOW), 403, 'InvalidSignatureException', MISMATCH);
    const unsorted = withHeader(good, 'authorization', auth.replace('SignedHeaders=content-type;host;', 'SignedHeaders=host;content-type;'));
    assertFail(v.verify(unsorted, NOW), 403, 'InvalidSignatureException', MISMATCH);
    const upper = withHeader(good, 'authorization', auth.replace('SignedHeaders=content-type;host;', 'SignedHeaders=Content-Type;host;'));
    assertFail(v.verify(upper, NOW), 403, 'InvalidSignatureException', MISMATCH);
  });

  test('targets that are not origin-form or not normalised are 400 before any auth (row 14)', () => {
    const v = verifier();
    for (const rawUrl of ['/a/../b', '/a/./b', '//2015-03-31/functions', '/a//b', '/x%00y', '/x%ZZ', '/ok?x=%G1', '/ok?x=%00', 'http://evil.example/2015-03-31/functions', '*']) {
      const r = v.verify({ method: 'GET', rawUrl, rawHeaders: ['Host', HOST], payloadSha256: sha256Hex('') }, NOW);
      assertFail(r, 400, 'ValidationException', /^Invalid request target: /);
    }
  });

  test('malformed signatures never throw: 63 or 65 hex, upper case, non-hex, non-ASCII (row 16)', async () => {
    const v = verifier();
    const good = await signed();
    const auth = headerValue(good, 'authorization')!;
    const sig = auth.slice(auth.indexOf('Signature=') + 10);
    for (const bad of [sig.slice(1), `${sig}0`, sig.toUpperCase(), `${sig.slice(0, 63)}g`, `${sig.slice(0, 63)}\u00e9`, 'zz', '0'.repeat(64)]) {
      const r = v.verify(withHeader(good, 'authorization', auth.replace(sig, bad)), NOW);
      assertFail(r, 403, 'InvalidSignatureException', MISMATCH);
    }
  });

  test('Authorization components may be separated by ", ", ",", extra commas or tabs', async () => {
    const v = verifier();
    const good = await signed();
    const auth = headerValue(good, 'authorization')!;
    for (const sep of [',', ',,', ' , ', '\t,', ', ,']) {
      const respaced = auth.replace(/, /g, sep);
      assert.notEqual(respaced, auth);
      const r = v.verify(withHeader(good, 'authorization', respaced), NOW);
      assert.ok(r.ok, `separator ${JSON.stringify(sep)}: ${r.ok ? '' : r.message}`);
    }
  });

  test('duplicate signed headers are joined with commas, odd spaces collapsed, names in any case', async () => {
    const u: Unsigned = { method: 'GET', path: '/2015-03-31/functions/', headers: { 'x-multi': 'one,two  three', 'x-odd': '\t lead  and   trail \t' } };
    const s = await signHeaderForm(u, new Date(NOW));
    const wire = onWire(s);
    const raw: string[] = [];
    for (let i = 0; i < wire.rawHeaders.length; i += 2) {
      const [n, val] = [wire.rawHeaders[i]!, wire.rawHeaders[i + 1]!];
      if (n === 'x-multi') raw.push('X-Multi', 'one', 'x-MULTI', 'two three');
      else raw.push(n.toUpperCase(), val);
    }
    assert.ok(verifier().verify({ ...wire, rawHeaders: raw }, NOW).ok);
    const swapped: string[] = raw.map((x) => (x === 'one' ? 'two three' : x === 'two three' ? 'one' : x));
    assertFail(verifier().verify({ ...wire, rawHeaders: swapped }, NOW), 403, 'InvalidSignatureException', MISMATCH);
  });

  test('the query is canonicalised from any wire encoding: +, lower-case hex, no =, repeated keys', async () => {
    const v = verifier();
    const u: Unsigned = { method: 'GET', path: '/2015-03-31/functions/', query: { Marker: 'a b+c/d=e&f~g*', FunctionVersion: 'ALL', empty: '', tag: ['z', 'a', 'M'] } };
    const s = await signHeaderForm(u, new Date(NOW));
    assert.ok(v.verify(onWire(s), NOW).ok);
    const odd = 'tag=z&empty&Marker=a+b%2bc%2fd%3de%26f~g%2a&tag=a&FunctionVersion=%41LL&tag=M&&';
    assert.ok(v.verify(onWire(s, undefined, odd), NOW).ok, 'same parameters, another spelling');
    assertFail(v.verify(onWire(s, undefined, odd.replace('tag=a', 'tag=b')), NOW), 403, 'InvalidSignatureException', MISMATCH);
  });

  test('the Date header stands in for X-Amz-Date, in IMF-fixdate', async () => {
    // smithy always writes X-Amz-Date, so build this one from its exported steps.
    const sig = signer();
    const at = new Date(NOW);
    const req = { ...smithyRequest({ method: 'GET', path: '/2015-03-31/functions/' }), headers: { host: HOST, date: at.toUTCString() } };
    const internals = sig as unknown as {
      createCanonicalRequest(r: object, h: Record<string, string>, p: string): string;
      createStringToSign(d: string, s: string, c: string, a: string): Promise<string>;
    };
    const canonical = internals.createCanonicalRequest(req, { host: HOST, date: at.toUTCString() }, sha256Hex(''));
    const sts = await internals.createStringToSign('20240501T120000Z', '20240501/us-east-1/lambda/aws4_request', canonical, 'AWS4-HMAC-SHA256');
    const signature = await sig.sign(sts, { signingDate: at });
    const rawHeaders = ['Host', HOST, 'Date', 'Wed, 01 May 2024 12:00:00 GMT', 'Authorization', `AWS4-HMAC-SHA256 Credential=${AKID}/20240501/us-east-1/lambda/aws4_request, SignedHeaders=date;host, Signature=${signature}`];
    const r = verifier().verify({ method: 'GET', rawUrl: '/2015-03-31/functions/', rawHeaders, payloadSha256: sha256Hex('') }, NOW + 60_000);
    assert.ok(r.ok, r.ok ? '' : r.message);
    const late = verifier().verify({ method: 'GET', rawUrl: '/2015-03-31/functions/', rawHeaders, payloadSha256: sha256Hex('') }, NOW + 10 * 60_000);
    assertFail(late, 403, 'InvalidSignatureException', 'Signature expired: 20240501T120000Z is now earlier than 20240501T120500Z (20240501T121000Z - 5 min.)');
    const badDate = rawHeaders.map((x) => (x.endsWith('GMT') ? 'Wed, 32 May 2024 12:00:00 GMT' : x));
    assertFail(verifier().verify({ method: 'GET', rawUrl: '/', rawHeaders: badDate, payloadSha256: sha256Hex('') }, NOW), 400, 'IncompleteSignatureException', "Date must be in ISO-8601 'basic format'. Got 'Wed, 32 May 2024 12:00:00 GMT'. See http://en.wikipedia.org/wiki/ISO_8601");
  });

  test('session tokens reach the key store, which decides', async () => {
    const v = verifier({ secretFor: (id, token) => (id === AKID && token === 'tok-1' ? { secret: SECRET, name: 'temp' } : undefined) });
    const r = v.verify(await signed(invoke, NOW, { sessionToken: 'tok-1' }), NOW);
    assert.ok(r.ok && r.sessionToken === 'tok-1' && r.key.name === 'temp');
    assertFail(v.verify(await signed(invoke, NOW, { sessionToken: 'tok-2' }), NOW), 403, 'UnrecognizedClientException');
    assertFail(v.verify(await signed(invoke, NOW), NOW), 403, 'UnrecognizedClientException');
  });

  test('a rotated secret is not served from the signing-key cache', async () => {
    const keys: Record<string, string> = { [AKID]: SECRET };
    const v = verifier({}, keys);
    const req = await signed();
    assert.ok(v.verify(req, NOW).ok);
    keys[AKID] = 'rotated-secret';
    assertFail(v.verify(req, NOW), 403, 'InvalidSignatureException', MISMATCH);
    assert.ok(v.verify(await signed(invoke, NOW, { secret: 'rotated-secret' }), NOW).ok);
  });

  test('begin() checks all but the body: a stranger is refused before the body is read', async () => {
    const v = verifier();
    const stranger = v.begin(await signed(invoke, NOW, { accessKeyId: 'AKIDSTRANGER' }), NOW);
    assert.equal(stranger.ok, false);
    const pending = v.begin(await signed(), NOW);
    assert.equal(pending.ok, 'pending');
    if (pending.ok !== 'pending') return;
    assert.equal(pending.accessKeyId, AKID);
    assert.ok(pending.finish(sha256Hex(body)).ok);
    assertFail(pending.finish(sha256Hex('another body')), 403, 'InvalidSignatureException', MISMATCH);
  });
});

describe('malformed or missing authentication', () => {
  const rawUrl = '/2015-03-31/functions/';
  const req = (...rawHeaders: string[]) => ({ method: 'GET', rawUrl, rawHeaders: ['Host', HOST, ...rawHeaders], payloadSha256: sha256Hex('') });

  test('nothing at all, or another scheme: 403 Missing Authentication Token', () => {
    const v = verifier();
    for (const r of [req(), req('Authorization', 'Bearer abc.def'), req('Authorization', 'Basic dXNlcjpwYXNz')]) {
      assertFail(v.verify(r, NOW), 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
  });

  test('missing components and date: one IncompleteSignature message listing all, header echoed hashed', () => {
    const auth = 'AWS4-HMAC-SHA256 ';
    assertFail(
      verifier().verify(req('Authorization', auth), NOW),
      400,
      'IncompleteSignatureException',
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
        `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. (Hashed with SHA-256 and encoded with Base64) Authorization=${b64sha(auth)}`,
    );
    const partial = `AWS4-HMAC-SHA256 Credential=${AKID}/20240501/us-east-1/lambda/aws4_request,SignedHeaders=host`;
    assertFail(
      verifier().verify(req('X-Amz-Date', '20240501T120000Z', 'Authorization', partial), NOW),
      400,
      'IncompleteSignatureException',
      `Authorization header requires 'Signature' parameter. (Hashed with SHA-256 and encoded with Base64) Authorization=${b64sha(partial)}`,
    );
  });

  test('a component without = (a space inside the credential, as in fhir-works#379)', () => {
    const auth = `AWS4-HMAC-SHA256 Credential=${AKID} /20240501/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;
    assertFail(
      verifier().verify(req('X-Amz-Date', '20240501T120000Z', 'Authorization', auth), NOW),
      400,
      'IncompleteSignatureException',
      `Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '${b64sha(auth)}'.`,
    );
  });

  test('bad X-Amz-Date, impossible dates, other algorithms, short credentials, repeated components', () => {
    const v = verifier();
    const auth = (alg: string, cred: string) => `${alg} Credential=${cred}, SignedHeaders=host;x-amz-date, Signature=${'a'.repeat(64)}`;
    const cred = `${AKID}/20240501/us-east-1/lambda/aws4_request`;
    const iso = (got: string) => `Date must be in ISO-8601 'basic format'. Got '${got}'. See http://en.wikipedia.org/wiki/ISO_8601`;
    assertFail(v.verify(req('X-Amz-Date', '201', 'Authorization', auth('AWS4-HMAC-SHA256', cred)), NOW), 400, 'IncompleteSignatureException', iso('201'));
    assertFail(v.verify(req('X-Amz-Date', '20240231T120000Z', 'Authorization', auth('AWS4-HMAC-SHA256', cred)), NOW), 400, 'IncompleteSignatureException', iso('20240231T120000Z'));
    assertFail(
      v.verify(req('X-Amz-Date', '20240501T120000Z', 'Authorization', auth('AWS4-ECDSA-P256-SHA256', cred)), NOW),
      400,
      'IncompleteSignatureException',
      "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256' (only AWS4-HMAC-SHA256 for now). ",
    );
    assertFail(
      v.verify(req('X-Amz-Date', '20240501T120000Z', 'Authorization', auth('AWS4-HMAC-SHA256', 'a/b/c/d')), NOW),
      400,
      'IncompleteSignatureException',
      "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'",
    );
    // Trailing slashes are ignored: this one gets as far as the signature.
    assertFail(v.verify(req('X-Amz-Date', '20240501T120000Z', 'Authorization', auth('AWS4-HMAC-SHA256', `${cred}//`)), NOW), 403, 'InvalidSignatureException', MISMATCH);
    assertFail(
      v.verify(req('X-Amz-Date', '20240501T120000Z', 'Authorization', `${auth('AWS4-HMAC-SHA256', cred)}, Signature=${'b'.repeat(64)}`), NOW),
      400,
      'IncompleteSignatureException',
      /repeats 'Signature'/,
    );
  });
});

describe('presigned query form (row 17)', () => {
  const get: Unsigned = { method: 'GET', path: '/2015-03-31/functions/my-fn%3A%24LATEST/url-invoke', query: { q: 'a b' } };

  async function presigned(expiresIn = 900, at = NOW, o: Parameters<typeof signer>[0] = {}) {
    const p = await signer(o).presign(smithyRequest(get), { signingDate: new Date(at), expiresIn });
    return onWire(p);
  }

  test('a smithy-presigned URL verifies when enabled', async () => {
    const r = verifier({ allowPresigned: true }).verify(await presigned(), NOW + 60_000);
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.equal(r.presigned, true);
  });

  test('off by default: treated as unauthenticated', async () => {
    assertFail(verifier().verify(await presigned(), NOW), 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  });

  test('expired, not yet valid, X-Amz-Expires out of range, tampered', async () => {
    const v = verifier({ allowPresigned: true });
    assertFail(v.verify(await presigned(900), NOW + 901_000), 403, 'InvalidSignatureException', 'Signature expired: 20240501T120000Z is now earlier than 20240501T120001Z (20240501T121501Z - 900 sec.)');
    assert.ok(v.verify(await presigned(900), NOW + 900_000).ok);
    assertFail(v.verify(await presigned(900, NOW + 301_000), NOW), 403, 'InvalidSignatureException', /^Signature not yet current: /);
    const week = await presigned(604_800);
    assert.ok(v.verify(week, NOW + 604_000_000).ok);
    for (const bad of ['604801', '0', '-5', '1.5', 'x']) {
      const r = v.verify({ ...week, rawUrl: week.rawUrl.replace('X-Amz-Expires=604800', `X-Amz-Expires=${bad}`) }, NOW);
      assertFail(r, 400, 'IncompleteSignatureException', `X-Amz-Expires must be a whole number of seconds from 1 to 604800, got '${bad}'.`);
    }
    const good = await presigned();
    assertFail(v.verify({ ...good, rawUrl: good.rawUrl.replace('q=a%20b', 'q=a%20c') }, NOW), 403, 'InvalidSignatureException', MISMATCH);
    assertFail(v.verify({ ...good, rawUrl: `${good.rawUrl}&X-Amz-Signature=${'0'.repeat(64)}` }, NOW), 400, 'IncompleteSignatureException', /repeats 'X-Amz-Signature'/);
  });

  test('missing parameters, both forms at once, session token', async () => {
    const v = verifier({ allowPresigned: true });
    const good = await presigned();
    const noCred = good.rawUrl.replace(/&?X-Amz-Credential=[^&]*/, '').replace(/&?X-Amz-Date=[^&]*/, '');
    assertFail(
      v.verify({ ...good, rawUrl: noCred }, NOW),
      400,
      'IncompleteSignatureException',
      "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.",
    );
    const both = { ...good, rawHeaders: [...good.rawHeaders, 'Authorization', `AWS4-HMAC-SHA256 Credential=x, SignedHeaders=host, Signature=y`] };
    assertFail(v.verify(both, NOW), 403, 'InvalidSignatureException', "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
    const tv = verifier({ allowPresigned: true, secretFor: (id, token) => (id === AKID && token === 'tok' ? { secret: SECRET, name: 't' } : undefined) });
    const withToken = await presigned(900, NOW, { sessionToken: 'tok' });
    assert.match(withToken.rawUrl, /X-Amz-Security-Token=tok/);
    const r = tv.verify(withToken, NOW);
    assert.ok(r.ok && r.sessionToken === 'tok');
    assertFail(tv.verify({ ...withToken, rawUrl: withToken.rawUrl.replace('X-Amz-Security-Token=tok', 'X-Amz-Security-Token=tik') }, NOW), 403, 'UnrecognizedClientException');
  });
});
