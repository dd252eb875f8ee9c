/**
 * The failures a SigV4 check can end in, each with the status, error type and message text AWS
 * sends, so the HTTP layer can put them on the wire unchanged (Lambda's restJson1 shape:
 * `x-amzn-ErrorType` plus `{"message": ...}`; see docs/reference/security.md §1.4).
 *
 * Where the text comes from (cited per message below):
 * - Lambda's own responses seen in issue threads: erlcloud/erlcloud#690 (403, a 192-byte body that is
 *   exactly `{"message":"The request signature we calculated ..."}`, so Lambda appends no canonical
 *   string), brefphp/bref#1250 (403 MissingAuthenticationTokenException on .../invocations).
 * - The AWS front end's (Coral's) responses recorded against real DynamoDB in dynalite's
 *   index.js comments, which also give the ORDER of the checks; the credential-scope sentences are
 *   concatenated, each ending in ". " except the date one (also seen alone for Lambda function
 *   URLs: "Credential should be scoped to correct service: 'lambda'. ").
 * - Today's AWS no longer echoes the Authorization header in IncompleteSignature messages; it
 *   echoes its SHA-256 in base64 ("(hashed with SHA-256 and encoded with Base64)"), as 2025-26
 *   reports show. That also keeps secrets and tokens out of error bodies and logs.
 * Where AWS's text is unknown the message says "Nimbus" in its comment, not in its text.
 */
import { createHash } from 'node:crypto';

export type SigV4ErrorType =
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException'
  | 'ValidationException';

/** A refused request: what to send. The HTTP layer formats the body per protocol. */
export interface SigV4Failure {
  readonly ok: false;
  readonly status: number;
  readonly errorType: SigV4ErrorType;
  readonly message: string;
}

const fail = (status: number, errorType: SigV4ErrorType, message: string): SigV4Failure => ({ ok: false, status, errorType, message });

/** AWS echoes the Authorization header only as base64(SHA-256(header)). */
const hashed = (authorization: string): string => createHash('sha256').update(authorization, 'latin1').digest('base64');

/** No Authorization header and no X-Amz-Algorithm query parameter (bref#1250: 403). */
export const missingToken = (): SigV4Failure => fail(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');

/** Both auth forms at once (dynalite, Coral's text). */
export const bothForms = (): SigV4Failure =>
  fail(403, 'InvalidSignatureException', "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");

/** A component without '=' in the Authorization header (fhir-works#379, today's hashed echo). */
export const notKeyValue = (authorization: string): SigV4Failure =>
  fail(
    400,
    'IncompleteSignatureException',
    `Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '${hashed(authorization)}'.`,
  );

/** Missing Authorization components and date: one sentence each, in AWS's order, then the echo. */
export const incompleteHeader = (missing: readonly string[], noDate: boolean, authorization: string): SigV4Failure => {
  let m = '';
  for (const p of missing) m += `Authorization header requires '${p}' parameter. `;
  if (noDate) m += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  return fail(400, 'IncompleteSignatureException', `${m}(Hashed with SHA-256 and encoded with Base64) Authorization=${hashed(authorization)}`);
};

/** Nimbus: AWS's behaviour for a repeated component is unknown; refusing is the safe reading. */
export const duplicateComponent = (name: string): SigV4Failure =>
  fail(400, 'IncompleteSignatureException', `The request signature does not conform to AWS standards. Authorization header repeats '${name}'.`);

/** Nimbus: a repeated Host or Authorization header is ambiguous (node keeps only the first). */
export const duplicateHeader = (name: string): SigV4Failure =>
  fail(400, 'IncompleteSignatureException', `The request signature does not conform to AWS standards. More than one '${name}' header.`);

/** The algorithm token itself holds '=' (no space after it). */
export const algorithmWithEquals = (): SigV4Failure =>
  fail(400, 'IncompleteSignatureException', 'Authorization header must begin with the algorithm name, which cannot include an equal-sign.');

/** Missing presigned parameters (dynalite, Coral's text). */
export const incompleteQuery = (missing: readonly string[]): SigV4Failure => {
  let m = '';
  for (const p of missing) m += `AWS query-string parameters must include '${p}'. `;
  return fail(400, 'IncompleteSignatureException', `${m}Re-examine the query-string parameters.`);
};

/** Unparseable X-Amz-Date / Date (dynalite, Coral's text). */
export const badDate = (got: string): SigV4Failure =>
  fail(400, 'IncompleteSignatureException', `Date must be in ISO-8601 'basic format'. Got '${got}'. See http://en.wikipedia.org/wiki/ISO_8601`);

/** Nimbus: presigned lifetime outside 1..max (smithy refuses to presign past 604800 s). */
export const badExpires = (got: string, max: number): SigV4Failure =>
  fail(400, 'IncompleteSignatureException', `X-Amz-Expires must be a whole number of seconds from 1 to ${max}, got '${got}'.`);

/** `20150806T131534Z`: the basic format AWS prints times in. */
export function basicFormat(ms: number): string {
  const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

const minutes = (ms: number): string => String(Math.round(ms / 60_000));

/** serverless#27, pulumi-aws#55: `Signature expired: D is now earlier than now-5m (now - 5 min.)`. */
export const expired = (date: string, now: number, skewMs: number): SigV4Failure =>
  fail(403, 'InvalidSignatureException', `Signature expired: ${date} is now earlier than ${basicFormat(now - skewMs)} (${basicFormat(now)} - ${minutes(skewMs)} min.)`);

/** Nimbus wording after the header form: a presigned URL past X-Amz-Date + X-Amz-Expires. */
export const presignExpired = (date: string, now: number, expiresS: number): SigV4Failure =>
  fail(403, 'InvalidSignatureException', `Signature expired: ${date} is now earlier than ${basicFormat(now - expiresS * 1000)} (${basicFormat(now)} - ${expiresS} sec.)`);

/** Seen from Elastic Beanstalk and DynamoDB: `... is still later than now+5m (now + 5 min.)`. */
export const notYetCurrent = (date: string, now: number, skewMs: number): SigV4Failure =>
  fail(403, 'InvalidSignatureException', `Signature not yet current: ${date} is still later than ${basicFormat(now + skewMs)} (${basicFormat(now)} + ${minutes(skewMs)} min.)`);

/** Today's text (the 2013 one named only 'Host'). */
export const hostNotSigned = (): SigV4Failure =>
  fail(403, 'InvalidSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");

/** dynalite, Coral's text; the trailing space is AWS's. */
export const unsupportedAlgorithm = (algorithm: string): SigV4Failure =>
  fail(400, 'IncompleteSignatureException', `Unsupported AWS 'algorithm': '${algorithm}' (only AWS4-HMAC-SHA256 for now). `);

/** dynalite, Coral's text. */
export const badCredential = (credential: string): SigV4Failure =>
  fail(400, 'IncompleteSignatureException', `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`);

/** The credential-scope sentences, concatenated in AWS's order. */
export const badScope = (problems: string): SigV4Failure => fail(403, 'InvalidSignatureException', problems);
export const scopeRegion = (region: string): string => `Credential should be scoped to a valid region, not '${region}'. `;
export const scopeService = (expected: string): string => `Credential should be scoped to correct service: '${expected}'. `;
export const scopeTerminator = (got: string): string => `Credential should be scoped with a valid terminator: 'aws4_request', not '${got}'. `;
export const scopeDate = (got: string, expected: string, amzDate: string): string =>
  `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${got}' != '${expected}', from '${amzDate}'.`;

/** iamlive#58 (403) and dynalite. */
export const unrecognizedClient = (): SigV4Failure =>
  fail(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');

/** erlcloud#690: Lambda's 403 with exactly this text and nothing after it. */
export const signatureMismatch = (): SigV4Failure =>
  fail(
    403,
    'InvalidSignatureException',
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  );

/** Nimbus: aws-chunked payload signing is S3's alone; no Lambda client sends it. */
export const streamingPayload = (): SigV4Failure =>
  fail(400, 'IncompleteSignatureException', 'The request signature does not conform to AWS standards. Streaming (aws-chunked) payload signing is supported only by Amazon S3.');

/**
 * Nimbus: a request target whose path is not in normal form. AWS normalises it before checking the
 * signature (the signers do too), but then what was signed is not what would be routed
 * (docs/reference/security.md §1.1 step 7), so it is refused before auth, as Lambda's 400 ValidationException.
 */
export const badTarget = (why: string): SigV4Failure => fail(400, 'ValidationException', `Invalid request target: ${why}.`);
