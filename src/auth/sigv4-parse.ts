/**
 * Reading the SigV4 pieces a request carries: the Authorization header's components, the
 * credential scope, and the request time from X-Amz-Date or Date.
 *
 * The Authorization header is split on commas AND whitespace: botocore writes `, `, other clients
 * `,` (scylladb alternator#9568), and AWS's own error for `Credential=AKID /2021...` names the
 * piece `/2021...` as "not a valid key=value pair" (fhir-works#379), which only a whitespace split
 * produces. Component names are case-sensitive; unknown ones are ignored.
 */
import {
  algorithmWithEquals,
  badCredential,
  duplicateComponent,
  incompleteHeader,
  notKeyValue,
  type SigV4Failure,
} from './sigv4-errors.js';

/** The three components of `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`. */
export interface AuthComponents {
  readonly algorithm: string;
  readonly credential: string;
  readonly signedHeaders: string;
  readonly signature: string;
}

const isSeparator = (c: number): boolean => c === 44 || c === 32 || c === 9;

/**
 * Parses an Authorization header that starts with `AWS4-`. `hasDate` says whether the request has
 * an X-Amz-Date or Date header: AWS reports its absence in the same message as missing components.
 */
export function parseAuthorization(header: string, hasDate: boolean): AuthComponents | SigV4Failure {
  let i = 0;
  while (i < header.length && !isSeparator(header.charCodeAt(i))) i++;
  const algorithm = header.slice(0, i);
  if (algorithm.includes('=')) return algorithmWithEquals();
  let credential: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  while (i < header.length) {
    while (i < header.length && isSeparator(header.charCodeAt(i))) i++;
    if (i >= header.length) break;
    const start = i;
    while (i < header.length && !isSeparator(header.charCodeAt(i))) i++;
    const piece = header.slice(start, i);
    const eq = piece.indexOf('=');
    if (eq < 0) return notKeyValue(header);
    const name = piece.slice(0, eq);
    const value = piece.slice(eq + 1);
    if (name === 'Credential') {
      if (credential !== undefined) return duplicateComponent(name);
      credential = value;
    } else if (name === 'SignedHeaders') {
      if (signedHeaders !== undefined) return duplicateComponent(name);
      signedHeaders = value;
    } else if (name === 'Signature') {
      if (signature !== undefined) return duplicateComponent(name);
      signature = value;
    }
  }
  // AWS treats an empty Credential or Signature as missing but lets an empty SignedHeaders through
  // to the Host check (dynalite), and lists what is missing in this order.
  const missing: string[] = [];
  if (!credential) missing.push('Credential');
  if (!signature) missing.push('Signature');
  if (signedHeaders === undefined) missing.push('SignedHeaders');
  if (missing.length > 0 || !hasDate) return incompleteHeader(missing, !hasDate, header);
  return { algorithm, credential: credential!, signedHeaders: signedHeaders!, signature: signature! };
}

/** `AKID/20240501/us-east-1/lambda/aws4_request`, split. */
export interface CredentialScope {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
}

/** Exactly five `/`-separated elements; trailing slashes are ignored, as AWS does (dynalite). */
export function parseCredential(credential: string): CredentialScope | SigV4Failure {
  let end = credential.length;
  while (end > 0 && credential.charCodeAt(end - 1) === 47) end--;
  const parts = credential.slice(0, end).split('/');
  if (parts.length !== 5) return badCredential(credential);
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  return { accessKeyId, date, region, service, terminator };
}

const BASIC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
const IMF = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls 31 February over into March; a real date survives the round trip.
  return new Date(ms).getUTCDate() === d ? ms : undefined;
}

/** X-Amz-Date's `YYYYMMDD'T'HHMMSS'Z'`, as epoch ms; undefined if malformed or impossible. */
export function parseBasicDate(v: string): number | undefined {
  const m = BASIC.exec(v);
  if (!m) return undefined;
  return utc(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

/**
 * The Date header, used when X-Amz-Date is absent (SigV4 allows either; MinIO does the same):
 * HTTP's IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 §5.6.7) or the basic format.
 */
export function parseDateHeader(v: string): number | undefined {
  const m = IMF.exec(v);
  if (!m) return parseBasicDate(v);
  const mon = MONTHS.indexOf(m[2]!);
  if (mon < 0 || mon % 3 !== 0) return undefined;
  return utc(+m[3]!, mon / 3 + 1, +m[1]!, +m[4]!, +m[5]!, +m[6]!);
}

const SIGNATURE_COMPONENT = 'Signature=';
const HEX64 = /^[0-9a-f]{64}$/;
const PLACEHOLDER = '0'.repeat(64);
/** Parsed Authorization headers without their signature: one client sends the same rest each time. */
const withoutSignature = new Map<string, AuthComponents>();

/**
 * parseAuthorization, remembering the answer for everything before a trailing
 * `Signature=<64 hex>` (where every SDK puts it): only the signature changes from one request of
 * a client to the next. The remembered parse is of the same header with another 64-hex-digit
 * signature, which splits into the same pieces; failures are never remembered (their messages
 * quote the header), and any other header is parsed in full.
 */
export function parseAuthorizationCached(header: string, hasDate: boolean): AuthComponents | SigV4Failure {
  const at = header.length - SIGNATURE_COMPONENT.length - 64;
  if (!hasDate || at <= 0 || !header.startsWith(SIGNATURE_COMPONENT, at) || !isSeparator(header.charCodeAt(at - 1))) return parseAuthorization(header, hasDate);
  const signature = header.slice(at + SIGNATURE_COMPONENT.length);
  if (!HEX64.test(signature)) return parseAuthorization(header, hasDate);
  const prefix = header.slice(0, at);
  let parsed = withoutSignature.get(prefix);
  if (parsed === undefined) {
    const p = parseAuthorization(prefix + SIGNATURE_COMPONENT + PLACEHOLDER, true);
    if ('ok' in p) return parseAuthorization(header, hasDate);
    if (withoutSignature.size >= 256) withoutSignature.clear();
    withoutSignature.set(prefix, (parsed = p));
  }
  return { algorithm: parsed.algorithm, credential: parsed.credential, signedHeaders: parsed.signedHeaders, signature };
}
