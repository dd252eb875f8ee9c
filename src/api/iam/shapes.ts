/**
 * IAM's Query-protocol answers (botocore's IAM model, `service-2.json`): XML in the
 * `https://iam.amazonaws.com/doc/2010-05-08/` namespace, a `<Op>Result` wrapper, policy documents
 * URL-encoded as IAM returns them (botocore and the AWS CLI decode them: `json_decode_policies`),
 * dates ISO 8601, errors as `<ErrorResponse><Error><Type>Sender</Type><Code>...`.
 */
import type { Role } from '../../auth/roles.js';
import type { ServiceResponse } from '../services/types.js';

const NS = 'https://iam.amazonaws.com/doc/2010-05-08/';

export const escapeXml = (s: string): string => s.replace(/[&<>"'\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;' })[c]!);

/** A policy document as IAM hands it back: RFC 3986 percent-encoded. */
export const encodedPolicy = (doc: string): string => escapeXml(encodeURIComponent(doc));

const el = (name: string, v: string | number | undefined): string => (v === undefined ? '' : `<${name}>${typeof v === 'number' ? v : escapeXml(v)}</${name}>`);

export function roleXml(r: Role): string {
  return (
    el('Path', r.path) +
    el('RoleName', r.name) +
    el('RoleId', r.roleId) +
    el('Arn', r.arn) +
    el('CreateDate', new Date(r.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z')) +
    `<AssumeRolePolicyDocument>${encodedPolicy(r.trustPolicy)}</AssumeRolePolicyDocument>` +
    el('Description', r.description) +
    el('MaxSessionDuration', r.maxSessionDuration)
  );
}

export const members = (items: readonly string[]): string => items.map((x) => `<member>${x}</member>`).join('');

/** A successful answer: `<OpResponse><OpResult>inner</OpResult><ResponseMetadata>...` (no Result for operations without output). */
export function ok(operation: string, requestId: string, inner: string | undefined): ServiceResponse {
  const result = inner === undefined ? '' : `<${operation}Result>${inner}</${operation}Result>`;
  return xml(200, requestId, `<${operation}Response xmlns="${NS}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`);
}

export function errorResponse(status: number, code: string, message: string, requestId: string): ServiceResponse {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return xml(status, requestId, `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
}

function xml(status: number, requestId: string, body: string): ServiceResponse {
  return { status, headers: { 'content-type': 'text/xml', 'x-amzn-RequestId': requestId }, body: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`) };
}
