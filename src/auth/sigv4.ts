/**
 * Server-side AWS Signature Version 4 verification, answering as AWS does: which requests pass,
 * and for the others the status, `x-amzn-ErrorType` and message AWS would send. Pure: no I/O, no
 * clock (the caller passes `now`), nothing imported from outside src/auth/.
 *
 * References: AWS General Reference / IAM User Guide "Create a signed AWS API request"
 * (reference_sigv-create-signed-request: canonical request, string to sign, signing key),
 * "Authenticating requests: using query parameters" for the presigned form, and
 * docs/reference/security.md §1 (what the JS SDK, the AWS CLI v1/v2 and boto3 put on the wire,
 * Lambda's double-encoded canonical URI, the error texts and their sources, Node pitfalls).
 *
 * Use (the HTTP layer does this; nothing here formats a response):
 *   const v = new SigV4Verifier({ secretFor, regions: ['us-east-1'], services: ['lambda'] });
 *   const r = v.verify({ method: req.method, rawUrl: req.url, rawHeaders: req.rawHeaders,
 *                        payloadSha256: sha256hex(body) }, Date.now());
 *   if (!r.ok) reply(r.status, r.errorType, r.message); else r.key is the caller's key record.
 * Or in two steps, so an unauthenticated client cannot make the server read a large body:
 * `begin(head, now)` runs every check that needs no body; its `finish(payloadSha256)` the rest.
 *
 * The checks run in the order AWS's front end runs them (recorded against DynamoDB in dynalite;
 * see sigv4-errors.ts): target form, auth form, components, date format, clock skew, Host signed,
 * algorithm, credential shape, credential scope, access key, payload hash, signature. Decisions
 * of our own, each because AWS's answer is unknown or unsafe to copy:
 * - the target must be origin-form with a normalised path (400 before auth), since signers
 *   normalise `.`/`..`/`//` and the router would otherwise route what was not signed;
 * - repeated Host, Authorization headers or components are refused (Node keeps only the first);
 * - `x-amz-content-sha256`, when sent, must equal the hash of the body the server read, and the
 *   canonical request always uses the server's hash (the CLI sends no such header at all);
 * - header values are UTF-8 encoded in the canonical request as Node decoded them (latin1),
 *   which is what the JS SDK and botocore sign for any value they can send;
 * - a session token (X-Amz-Security-Token) is handed to `secretFor`, which accepts or refuses it.
 *
 * Files: sigv4-forms.ts reads the header and presigned forms, sigv4-parse.ts the Authorization
 * header, credential and dates, sigv4-canonical.ts the canonical URI, query and header values,
 * sigv4-key.ts derives and caches signing keys, sigv4-errors.ts holds AWS's texts with sources.
 * Cost (bench/lib/verify-cost.ts, docs/auth.md "Cost"): most of what is left is cryptography
 * (one HMAC, the canonical request's SHA-256 and, in the caller, the body's); the signing key is
 * derived once per key and day, and the strings one client repeats request after request
 * (Authorization without its signature, SignedHeaders, credential, path) are parsed once.
 * Nothing about a signature itself is ever remembered: every request is verified in full.
 */
import { timingSafeEqual } from 'node:crypto';
import { canonicalHeaderValue, canonicalQuery, canonicalS3Uri, canonicalUri, parseQuery, targetProblem, type QueryParam } from './sigv4-canonical.js';
import * as E from './sigv4-errors.js';
import { fromHeader, fromQuery, joinValues, scanHeaders, type HeaderScan, type SignedParts, type TimeWindow } from './sigv4-forms.js';
import { SigningKeyCache, type SigningKey } from './sigv4-key.js';
import { parseBasicDate, parseCredential, type CredentialScope } from './sigv4-parse.js';
import { sha256Hex } from './sha256.js';

export type { SigV4ErrorType, SigV4Failure } from './sigv4-errors.js';

/** A request as received: nothing re-serialised. */
export interface SigV4RequestHead {
  readonly method: string;
  /** Path and query exactly as on the request line (Node's `req.url`). */
  readonly rawUrl: string;
  /** Node's `req.rawHeaders`: names and values alternating, repeats kept, in wire order. */
  readonly rawHeaders: readonly string[];
}

export interface SigV4Request extends SigV4RequestHead {
  /** Lower-case hex SHA-256 of the body the server read (of nothing, for an empty body). */
  readonly payloadSha256: string;
}

/** What the caller's key store returns for an access key: at least the secret. */
export interface SigningSecret {
  readonly secret: string;
}

export interface SigV4Config<K extends SigningSecret> {
  /**
   * The secret (and whatever else the caller wants back) for an active access key, or undefined
   * for an unknown, inactive or expired one, or when `sessionToken` is not the one that key needs
   * (temporary credentials must send theirs; long-term keys must send none).
   */
  secretFor(accessKeyId: string, sessionToken: string | undefined): K | undefined;
  /** Regions the credential scope may name. */
  readonly regions: readonly string[];
  /** Services the credential scope may name; the first is the one AWS's error message names. */
  readonly services: readonly string[];
  /** Allowed clock difference either way; AWS (Lambda) uses five minutes. */
  readonly skewMs?: number;
  /** Accept the presigned query form (off by default: Lambda clients never presign). */
  readonly allowPresigned?: boolean;
  /** Longest X-Amz-Expires accepted; SigV4's limit is a week. */
  readonly maxPresignedExpiresSeconds?: number;
  /** How many derived signing keys to keep. */
  readonly keyCacheSize?: number;
  /**
   * S3's rules (docs/reference/security.md): the canonical URI is the path encoded once (S3 does
   * not double-encode, and keys may hold `..` or `//`, which are not normalised), and the payload
   * hash in the canonical request is the `x-amz-content-sha256` value as sent (a hex hash,
   * `UNSIGNED-PAYLOAD` or a `STREAMING-...` marker; presigned URLs: `UNSIGNED-PAYLOAD`); the
   * caller checks the body against it while streaming it.
   */
  readonly s3?: boolean;
}

export interface SigV4Success<K extends SigningSecret> {
  readonly ok: true;
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
  readonly presigned: boolean;
  readonly key: K;
  readonly sessionToken: string | undefined;
  /** The verified signature (a replay cache keys on it). */
  readonly signature: string;
  /** The signing time the request carried, epoch ms. */
  readonly signedAt: number;
  /** What aws-chunked chunk signatures chain from (S3 streaming uploads): the key, the date and the scope. */
  readonly chain: { readonly key: SigningKey; readonly amzDate: string; readonly scope: string };
}

export type SigV4Result<K extends SigningSecret> = SigV4Success<K> | E.SigV4Failure;

/** A request that passed every check that does not need its body. */
export interface SigV4Pending<K extends SigningSecret> {
  readonly ok: 'pending';
  readonly accessKeyId: string;
  /** The credential scope's region (one of the configured ones). */
  readonly region: string;
  /** What `secretFor` returned for the key. */
  readonly key: K;
  finish(payloadSha256: string): SigV4Result<K>;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const SIGNATURE_HEX = /^[0-9a-f]{64}$/;
/**
 * The expected signature (bytes 0-31) and the one sent (32-63), compared in constant time. One
 * buffer for every request: verification is synchronous, so no two requests use it at once, and
 * no per-request Buffer is made.
 */
const COMPARE = Buffer.alloc(64);
const EXPECTED = COMPARE.subarray(0, 32);
const GIVEN = COMPARE.subarray(32, 64);

/** A request that passed check(): what finish() needs. */
interface Checked<K> {
  readonly req: SigV4RequestHead;
  readonly h: HeaderScan;
  readonly path: string;
  readonly params: readonly QueryParam[];
  readonly signedList: SignedList;
  readonly scope: CredentialScope;
  readonly key: K;
  readonly p: SignedParts;
}

export class SigV4Verifier<K extends SigningSecret> {
  private readonly keys: SigningKeyCache;
  private readonly window: TimeWindow;
  private lastDate = '';
  private lastDateMs: number | undefined;
  /**
   * Pure functions of strings that repeat from request to request (one client sends the same
   * SignedHeaders and Credential, to the same path, again and again), remembered: parsing them
   * anew was most of a verification's cost that is not cryptography. Bounded; cleared when full.
   */
  private readonly signedLists = new Memo<SignedList>(256);
  private readonly credentials = new Memo<CredentialScope | E.SigV4Failure>(1024);
  private lastPath = '';
  private lastCanonicalPath = '/';

  constructor(private readonly config: SigV4Config<K>) {
    this.keys = new SigningKeyCache(config.keyCacheSize ?? 1024);
    this.window = {
      skewMs: config.skewMs ?? 5 * 60_000,
      maxExpires: config.maxPresignedExpiresSeconds ?? 604_800,
      basicDate: (v) => this.basicDate(v),
    };
  }

  /** Verifies a whole request. */
  verify(req: SigV4Request, now: number): SigV4Result<K> {
    const c = this.check(req, now);
    return 'ok' in c ? c : this.finish(c, req.payloadSha256);
  }

  /** Runs every check that needs no body; the result's `finish` runs the rest. */
  begin(req: SigV4RequestHead, now: number): SigV4Pending<K> | E.SigV4Failure {
    const c = this.check(req, now);
    if ('ok' in c) return c;
    return { ok: 'pending', accessKeyId: c.scope.accessKeyId, region: c.scope.region, key: c.key, finish: (payloadSha256) => this.finish(c, payloadSha256) };
  }

  private check(req: SigV4RequestHead, now: number): Checked<K> | E.SigV4Failure {
    const problem = targetProblem(req.rawUrl, this.config.s3 === true);
    if (problem) return E.badTarget(problem);
    const h = scanHeaders(req.rawHeaders);
    if (h.authorizations > 1) return E.duplicateHeader('Authorization');
    if (h.hosts > 1) return E.duplicateHeader('Host');
    const q = req.rawUrl.indexOf('?');
    const path = q < 0 ? req.rawUrl : req.rawUrl.slice(0, q);
    const params = q < 0 ? [] : parseQuery(req.rawUrl.slice(q + 1));
    const queryAuth = params.some((p) => p.name === 'X-Amz-Algorithm');
    if (h.authorization !== undefined && queryAuth) return E.bothForms();

    let parsed: SignedParts | E.SigV4Failure;
    if (h.authorization !== undefined) {
      // Coral answers any other scheme (Basic, Bearer, AWS3) as if no token were sent (dynalite).
      if (!h.authorization.startsWith('AWS4-')) return E.missingToken();
      parsed = fromHeader(h, now, this.window);
    } else if (queryAuth && this.config.allowPresigned) {
      parsed = fromQuery(params, now, this.window);
    } else {
      return E.missingToken();
    }
    if ('ok' in parsed) return parsed;

    const signedList = this.signedLists.get(parsed.signedHeaders, signedListOf);
    if (!signedList.host) return E.hostNotSigned();
    if (parsed.algorithm !== ALGORITHM) return E.unsupportedAlgorithm(parsed.algorithm);
    const scope = this.credentials.get(parsed.credential, parseCredential);
    if ('ok' in scope) return scope;
    const scopeProblems = this.scopeProblems(scope, parsed.amzDate);
    if (scopeProblems) return E.badScope(scopeProblems);
    const key = this.config.secretFor(scope.accessKeyId, parsed.sessionToken);
    if (!key) return E.unrecognizedClient();
    return { req, h, path, params, signedList, scope, key, p: parsed };
  }

  /** parseBasicDate, remembering the last answer: a busy server sees the same second many times. */
  private basicDate(v: string): number | undefined {
    if (v !== this.lastDate) {
      this.lastDate = v;
      this.lastDateMs = parseBasicDate(v);
    }
    return this.lastDateMs;
  }

  /** AWS reports every scope problem at once, in this order. */
  private scopeProblems(s: CredentialScope, amzDate: string): string {
    let out = '';
    if (!this.config.regions.includes(s.region)) out += E.scopeRegion(s.region);
    if (!this.config.services.includes(s.service)) out += E.scopeService(this.config.services[0] ?? '');
    if (s.terminator !== 'aws4_request') out += E.scopeTerminator(s.terminator);
    const day = amzDate.slice(0, 8);
    if (s.date !== day) out += E.scopeDate(s.date, day, amzDate);
    return out;
  }

  private finish(c: Checked<K>, payloadSha256: string): SigV4Result<K> {
    const { req, h, path, params, signedList, scope, key, p } = c;
    if (this.config.s3) {
      // S3 signs the declared payload hash; the body is checked against it as it streams in.
      payloadSha256 = p.signatureParam !== undefined ? (h.contentSha256 ?? 'UNSIGNED-PAYLOAD') : (h.contentSha256 ?? payloadSha256);
    } else if (h.contentSha256 !== undefined) {
      if (h.contentSha256.startsWith('STREAMING-')) return E.streamingPayload();
      // UNSIGNED-PAYLOAD and any hash of another body land here: Lambda hashes what it received.
      if (h.contentSha256 !== payloadSha256) return E.signatureMismatch();
    }
    const headers = signedList.wellFormed ? canonicalHeaders(req.rawHeaders, h.names, signedList.names) : undefined;
    if (headers === undefined) return E.signatureMismatch();
    if (path !== this.lastPath) {
      this.lastCanonicalPath = this.config.s3 ? canonicalS3Uri(path) : canonicalUri(path);
      this.lastPath = path;
    }
    const canonical = `${req.method}\n${this.lastCanonicalPath}\n${canonicalQuery(params, p.signatureParam)}\n${headers}\n${p.signedHeaders}\n${payloadSha256}`;
    const stringToSign = `${ALGORITHM}\n${p.amzDate}\n${scope.date}/${scope.region}/${scope.service}/aws4_request\n${sha256Hex(canonical)}`;
    const signingKey = this.keys.get(scope.accessKeyId, key.secret, scope.date, scope.region, scope.service);
    // Shape first: 64 lower-case hex digits decode to exactly the 32 bytes compared.
    if (!SIGNATURE_HEX.test(p.signature)) return E.signatureMismatch();
    signingKey.macInto(stringToSign, COMPARE, 0);
    COMPARE.write(p.signature, 32, 'hex');
    if (!timingSafeEqual(EXPECTED, GIVEN)) return E.signatureMismatch();
    return {
      ok: true,
      accessKeyId: scope.accessKeyId,
      region: scope.region,
      service: scope.service,
      presigned: p.signatureParam !== undefined,
      key,
      sessionToken: p.sessionToken,
      signature: p.signature,
      signedAt: p.signedAt,
      chain: { key: signingKey, amzDate: p.amzDate, scope: `${scope.date}/${scope.region}/${scope.service}/aws4_request` },
    };
  }
}

/** A SignedHeaders list, split and checked once. */
interface SignedList {
  readonly names: readonly string[];
  /** `host` is among them (in any case: AWS's Host check comes before the form check). */
  readonly host: boolean;
  /** Lower-case, sorted and unique, as a client that signed correctly sends it. */
  readonly wellFormed: boolean;
}

function signedListOf(signedHeaders: string): SignedList {
  const names = signedHeaders.split(';');
  let wellFormed = true;
  let prev = '';
  for (const name of names) {
    if (name.length === 0 || name <= prev || name !== name.toLowerCase()) wellFormed = false;
    prev = name;
  }
  return { names, host: names.some((n) => n.toLowerCase() === 'host'), wellFormed };
}

/** A bounded map from a string to what a pure function makes of it. */
class Memo<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly capacity: number) {}
  get(k: string, make: (k: string) => V): V {
    let v = this.map.get(k);
    if (v === undefined) {
      v = make(k);
      if (this.map.size >= this.capacity) this.map.clear();
      this.map.set(k, v);
    }
    return v;
  }
}

/**
 * `name:value\n` for each signed header (a well-formed list), values of repeated headers joined
 * with `,`; undefined when it names a header the request lacks, since the client cannot then
 * have signed what AWS would compute.
 */
function canonicalHeaders(raw: readonly string[], names: readonly string[], signed: readonly string[]): string | undefined {
  let out = '';
  for (const name of signed) {
    let value: string | undefined;
    for (let j = 0; j < names.length; j++) {
      if (names[j] === name) value = joinValues(value, canonicalHeaderValue(raw[2 * j + 1]!));
    }
    if (value === undefined) return undefined;
    out += `${name}:${value}\n`;
  }
  return out;
}
