/**
 * Differential property test (docs/reference/security.md §5.3.1, §7 row 15): random requests are signed by
 * @smithy/signature-v4 (the JS SDK's signer), put into the shape the server sees, and must verify;
 * then each single-field change (method, a path byte, the query, a signed header, a body byte, the
 * date, the region, the secret, the signature) must be refused. Header form and presigned form.
 * The seed is fixed so CI is repeatable; set SIGV4_FC_SEED for another one (a nightly may).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALWAYS_UNSIGNABLE_HEADERS } from '@smithy/signature-v4';
import fc from 'fast-check';
import type { SigV4Request } from '../../src/auth/sigv4.js';
import { AKID, headerValue, rfc3986, SECRET, sha256Hex, signer, smithyRequest, verifier, wireQuery, type Unsigned } from '../helpers/sigv4.js';

const SEED = Number(process.env['SIGV4_FC_SEED'] ?? 20240501);
const RUNS = 1000;
const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'] as const;
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'] as const;

// ---- what a request is made of (decoded text), and the ways clients spell it on the wire

const reserved = fc.string({ unit: fc.constantFrom(...":@$&+,;=!'()*%/ ?#[]~"), minLength: 1, maxLength: 6 });
const unicode = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 5 });
const plain = fc.stringMatching(/^[A-Za-z0-9_.~-]{1,10}$/);
const percentText = fc.stringMatching(/^%[0-9A-Fa-f]{2}[a-z]{0,3}$/);
const arn = fc.constantFrom('arn:aws:lambda:us-east-1:123456789012:function:my-fn:$LATEST', 'my-fn:prod', 'arn:aws:lambda:eu-west-1:000000000000:function:f');
const text = fc.oneof(plain, unicode, reserved, percentText, arn);

type Spelling = 'sdk' | 'lower' | 'minimal' | 'plus';
const hexLower = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
/** Path: pchar may stay raw (RFC 3986 §3.3); the SDK encodes everything but unreserved. */
function spellSegment(t: string, how: Spelling): string {
  if (how === 'lower') return hexLower(rfc3986(t));
  if (how === 'minimal') return [...t].map((c) => (/^[A-Za-z0-9\-._~!$&'()*+,;=:@]$/.test(c) ? c : rfc3986(c))).join('');
  return rfc3986(t);
}
/** Query: `+` and `&`, `=`, `#`, `%` must be encoded; other pchar, `/` and `?` may stay raw. */
function spellQuery(t: string, how: Spelling): string {
  if (how === 'lower') return hexLower(rfc3986(t));
  if (how === 'plus') return rfc3986(t).replace(/%20/g, '+');
  if (how === 'minimal') return [...t].map((c) => (/^[A-Za-z0-9\-._~!$'()*,;:@/?]$/.test(c) ? c : rfc3986(c))).join('');
  return rfc3986(t);
}
const spelling = fc.constantFrom<Spelling>('sdk', 'lower', 'minimal', 'plus');

const segment = fc.tuple(text, spelling).filter(([t]) => t !== '.' && t !== '..');
const path = fc.record({ segments: fc.array(segment, { maxLength: 4 }), trailingSlash: fc.boolean() }).map(({ segments, trailingSlash }) => {
  const p = '/' + segments.map(([t, how]) => spellSegment(t, how)).join('/');
  return segments.length > 0 && trailingSlash ? `${p}/` : p;
});

const queryKey = fc.oneof(plain, unicode, reserved, arn).filter((k) => !k.toLowerCase().startsWith('x-amz-'));
const queryValue = fc.oneof(fc.constant(''), plain, unicode, reserved, percentText, arn);
const query = fc.uniqueArray(fc.record({ key: queryKey, values: fc.array(queryValue, { minLength: 1, maxLength: 3 }), how: spelling, bareEmpty: fc.boolean() }), {
  selector: (p) => p.key,
  maxLength: 4,
});

const RESERVED_HEADERS = new Set(['host', 'authorization', 'x-amz-date', 'date', 'x-amz-content-sha256', 'x-amz-security-token']);
const headerName = fc
  .oneof(fc.stringMatching(/^x-[a-z0-9-]{1,10}$/), fc.constantFrom('content-type', 'accept', 'x-amz-user-agent', 'amz-sdk-request', 'amz-sdk-invocation-id', 'x-amz-invocation-type', 'content-md5'))
  .filter((n) => !RESERVED_HEADERS.has(n) && !(n in ALWAYS_UNSIGNABLE_HEADERS) && !/^(proxy|sec)-/.test(n));
const headerChar = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 3, arbitrary: fc.constantFrom(' ', '  ', '\t', ' \t ') },
  { weight: 1, arbitrary: fc.integer({ min: 0xa1, max: 0xff }).map((c) => String.fromCharCode(c)) },
);
const headerText = fc.string({ unit: headerChar, maxLength: 16 });
/** A header either once (any spacing, trimmed by the verifier) or repeated (parts joined by `,`). */
const header = fc.record({
  name: headerName,
  parts: fc.oneof(
    headerText.map((v) => [v]),
    fc.array(headerText.map((v) => v.replace(/,/g, '').replace(/^[ \t]+|[ \t]+$/g, '')), { minLength: 2, maxLength: 3 }),
  ),
});
const headers = fc.uniqueArray(header, { selector: (h) => h.name, maxLength: 5 });

const request = fc.record({
  method: fc.constantFrom(...METHODS),
  path,
  query,
  headers,
  body: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
  caseSeed: fc.integer({ min: 0, max: 0x7fffffff }),
  reverse: fc.boolean(),
});
type Req = typeof request extends fc.Arbitrary<infer T> ? T : never;

const mixedCase = (name: string, seed: number) => [...name].map((c, i) => ((seed >> i % 31) & 1 ? c.toUpperCase() : c)).join('');

function unsignedOf(r: Req): Unsigned {
  const q: Record<string, string[]> = {};
  for (const p of r.query) q[p.key] = p.values;
  const h: Record<string, string> = {};
  for (const x of r.headers) h[x.name] = x.parts.join(',');
  return { method: r.method, path: r.path, query: q, headers: h, ...(r.body ? { body: r.body } : {}) };
}

function rawQueryOf(r: Req, extra: readonly (readonly [string, string])[] = []): string {
  const items: string[] = [];
  for (const p of r.query) {
    for (const v of p.values) items.push(v === '' && p.bareEmpty ? spellQuery(p.key, p.how) : `${spellQuery(p.key, p.how)}=${spellQuery(v, p.how)}`);
  }
  for (const [k, v] of extra) items.push(`${rfc3986(k)}=${rfc3986(v)}`);
  return items.join('&');
}

/** The signed request as Node would hand it over: names in any case, repeated headers split. */
function wire(r: Req, signedHeaders: Record<string, string>, rawQuery: string): SigV4Request {
  const parts = new Map(r.headers.map((h) => [h.name, h.parts]));
  const groups: string[][] = [];
  for (const [name, value] of Object.entries(signedHeaders)) {
    const split = parts.get(name);
    // The parts of a repeated header keep their order (it is signed); the headers need not.
    groups.push((split && split.length > 1 ? split : [value]).flatMap((v) => [mixedCase(name, r.caseSeed), v]));
  }
  groups.push(['User-Agent', 'unsigned/1.0']);
  if (r.reverse) groups.reverse();
  return { method: r.method, rawUrl: rawQuery ? `${r.path}?${rawQuery}` : r.path, rawHeaders: groups.flat(), payloadSha256: sha256Hex(r.body ?? new Uint8Array()) };
}

// ---- single-field mutations; each must be refused

const basic = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');

function setHeader(req: SigV4Request, name: string, f: (v: string) => string): SigV4Request {
  const raw = req.rawHeaders.slice();
  const i = raw.findIndex((v, j) => j % 2 === 0 && v.toLowerCase() === name);
  raw[i + 1] = f(raw[i + 1]!);
  return { ...req, rawHeaders: raw };
}

function mutatePath(p: string, at: number): string {
  if (p.length === 1) return '/q';
  const i = 1 + (at % (p.length - 1));
  return p.slice(0, i) + (p[i] === 'q' ? 'r' : 'q') + p.slice(i + 1);
}

function flipBody(body: Uint8Array | undefined, at: number): string {
  if (!body || body.length === 0) return sha256Hex(new Uint8Array([0]));
  const b = new Uint8Array(body);
  b[at % b.length] = b[at % b.length]! ^ 0x01;
  return sha256Hex(b);
}

const otherMethod = (m: string) => METHODS[(METHODS.indexOf(m as (typeof METHODS)[number]) + 1) % METHODS.length]!;
const flipHex = (sig: string) => (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1);

test(`header form: ${RUNS} smithy-signed requests verify, and every single-field change is refused`, async () => {
  const v = verifier({ regions: REGIONS, services: ['lambda', 'sqs'], secretFor: (id, token) => (id === AKID ? { secret: SECRET, name: token ?? '' } : undefined) });
  const wrongSecret = verifier({ regions: REGIONS, services: ['lambda', 'sqs'] }, { [AKID]: `${SECRET}x` });
  let runs = 0;
  let refusals = 0;
  await fc.assert(
    fc.asyncProperty(
      request,
      fc.record({
        offsetS: fc.integer({ min: -290, max: 290 }),
        region: fc.constantFrom(...REGIONS),
        service: fc.constantFrom('lambda', 'sqs'),
        applyChecksum: fc.boolean(),
        token: fc.option(fc.stringMatching(/^[A-Za-z0-9+/=]{8,24}$/), { nil: undefined }),
        at: fc.nat(),
      }),
      async (r, o) => {
        runs++;
        const s = await signer({ region: o.region, service: o.service, applyChecksum: o.applyChecksum, ...(o.token ? { sessionToken: o.token } : {}) }).sign(smithyRequest(unsignedOf(r)), {
          signingDate: new Date(NOW + o.offsetS * 1000),
        });
        const rawQuery = rawQueryOf(r);
        const req = wire(r, s.headers, rawQuery);
        const ok = v.verify(req, NOW);
        assert.ok(ok.ok, `${ok.ok ? '' : ok.message}\n${JSON.stringify(req)}`);
        assert.equal(ok.region, o.region);
        assert.equal(ok.service, o.service);
        assert.equal(ok.sessionToken, o.token);

        const auth = headerValue(req, 'authorization')!;
        const signed = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';');
        const sig = /Signature=([0-9a-f]{64})/.exec(auth)![1]!;
        const victim = signed[o.at % signed.length]!;
        const otherRegion = REGIONS[(REGIONS.indexOf(o.region as (typeof REGIONS)[number]) + 1) % REGIONS.length]!;
        const mutants: [string, SigV4Request, typeof v][] = [
          ['method', { ...req, method: otherMethod(r.method) }, v],
          ['path byte', { ...req, rawUrl: mutatePath(r.path, o.at) + (rawQuery ? `?${rawQuery}` : '') }, v],
          ['extra query parameter', { ...req, rawUrl: `${r.path}?${rawQueryOf(r, [['nimbus-extra', '1']])}` }, v],
          ['signed header value', setHeader(req, victim, (x) => `${x}x`), v],
          ['body byte', { ...req, payloadSha256: flipBody(r.body, o.at) }, v],
          ['date', setHeader(req, 'x-amz-date', () => basic(NOW + o.offsetS * 1000 + 1000)), v],
          ['region', setHeader(req, 'authorization', (x) => x.replace(`/${o.region}/`, `/${otherRegion}/`)), v],
          ['secret', req, wrongSecret],
          ['signature', setHeader(req, 'authorization', (x) => x.replace(sig, flipHex(sig))), v],
        ];
        if (r.query.length > 0) {
          const first = r.query[0]!;
          const changed = { ...r, query: [{ ...first, values: [...first.values.slice(0, -1), `${first.values.at(-1)}Z`] }, ...r.query.slice(1)] };
          mutants.push(['query value', { ...req, rawUrl: `${r.path}?${rawQueryOf(changed)}` }, v]);
        }
        for (const [what, m, verifierUsed] of mutants) {
          const res = verifierUsed.verify(m, NOW);
          assert.equal(res.ok, false, `${what} change was accepted: ${JSON.stringify(m)}`);
          refusals++;
        }
      },
    ),
    { seed: SEED, numRuns: RUNS },
  );
  assert.equal(runs, RUNS);
  assert.ok(refusals >= RUNS * 9);
});

test(`presigned form: ${RUNS} smithy-presigned URLs verify, and every single-field change is refused`, async () => {
  const v = verifier({ allowPresigned: true, regions: REGIONS });
  const wrongSecret = verifier({ allowPresigned: true, regions: REGIONS }, { [AKID]: `${SECRET}x` });
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(
      request,
      fc.integer({ min: 1, max: 604_800 }),
      fc.record({ region: fc.constantFrom(...REGIONS), at: fc.nat(), frac: fc.double({ min: 0, max: 1, noNaN: true }) }),
      async (r, expires, o) => {
        runs++;
        // Any moment from 290 s before signing to the end of the URL's life.
        const offsetS = -290 + Math.floor(o.frac * (expires + 290));
        const signedAt = NOW - offsetS * 1000;
        const p = await signer({ region: o.region }).presign(smithyRequest(unsignedOf(r)), { signingDate: new Date(signedAt), expiresIn: expires });
        const pq = (p.query ?? {}) as Record<string, string>;
        const amz = wireQuery(Object.fromEntries(Object.entries(pq).filter(([k]) => k.toLowerCase().startsWith('x-amz-'))) as Record<string, string>);
        const rawQuery = [rawQueryOf(r), amz].filter(Boolean).join('&');
        const req = wire(r, p.headers, rawQuery);
        const ok = v.verify(req, NOW);
        assert.ok(ok.ok, `${ok.ok ? '' : ok.message}\n${JSON.stringify(req)}`);
        assert.equal(ok.presigned, true);

        const sig = String(pq['X-Amz-Signature']);
        const signedList = String(pq['X-Amz-SignedHeaders']).split(';');
        const victim = signedList[o.at % signedList.length]!;
        const otherRegion = REGIONS[(REGIONS.indexOf(o.region as (typeof REGIONS)[number]) + 1) % REGIONS.length]!;
        const url = (f: (u: string) => string) => ({ ...req, rawUrl: f(req.rawUrl) });
        const mutants: [string, SigV4Request, typeof v][] = [
          ['method', { ...req, method: otherMethod(r.method) }, v],
          ['path byte', url((u) => mutatePath(r.path, o.at) + u.slice(r.path.length)), v],
          ['extra query parameter', url((u) => `${u}&nimbus-extra=1`), v],
          ['signed header value', setHeader(req, victim, (x) => `${x}x`), v],
          ['body byte', { ...req, payloadSha256: flipBody(r.body, o.at) }, v],
          ['date', url((u) => u.replace(/X-Amz-Date=\w+/, `X-Amz-Date=${basic(signedAt - 1000)}`)), v],
          ['expires', url((u) => u.replace(/X-Amz-Expires=\d+/, `X-Amz-Expires=${expires === 1 ? 2 : expires - 1}`)), v],
          ['region', url((u) => u.replace(`%2F${o.region}%2F`, `%2F${otherRegion}%2F`)), v],
          ['secret', req, wrongSecret],
          ['signature', url((u) => u.replace(sig, flipHex(sig))), v],
        ];
        for (const [what, m, verifierUsed] of mutants) {
          assert.equal(verifierUsed.verify(m, NOW).ok, false, `${what} change was accepted: ${JSON.stringify(m)}`);
        }
      },
    ),
    { seed: SEED, numRuns: RUNS },
  );
  assert.equal(runs, RUNS);
});
