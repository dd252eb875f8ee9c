/**
 * The Query protocol as SNS clients send it (the AWS CLI and @aws-sdk/client-sns both speak it:
 * botocore `sns` is protocol `query`, and the JS client's protocol is AwsQueryProtocol): an
 * `Action` and `Version=2010-03-31`, in a form body (or the query string). Maps are flattened as
 * `Attributes.entry.N.key`/`.value`, message attributes as `MessageAttributes.entry.N.Name` and
 * `.Value.DataType`/`.StringValue`/`.BinaryValue`, tags as `Tags.member.N.Key`/`.Value`.
 * Responses are XML in the `http://sns.amazonaws.com/doc/2010-03-31/` namespace.
 */
import type { SnsError } from './errors.js';

export const SNS_VERSION = '2010-03-31';
const NS = 'http://sns.amazonaws.com/doc/2010-03-31/';

export interface WireRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

const isForm = (h: WireRequest['headers']): boolean => {
  const v = h['content-type'];
  return ((Array.isArray(v) ? v[0] : v) ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
};

/** `yes` by the query string, `body` when only the form body can tell, else `no`. */
export function classify(req: WireRequest): 'yes' | 'no' | 'body' {
  if (req.path !== '/' || req.headers['x-amz-target'] !== undefined) return 'no';
  if (req.query.has('Action') && req.query.get('Version') === SNS_VERSION) return 'yes';
  return req.method === 'POST' && isForm(req.headers) ? 'body' : 'no';
}

/** The parameters: the query string, overlaid by a form body. */
export function paramsOf(req: WireRequest & { body: Buffer }): URLSearchParams {
  const out = new URLSearchParams(req.query);
  if (req.method === 'POST' && isForm(req.headers)) for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) out.set(k, v);
  return out;
}

export function claims(req: WireRequest & { body: Buffer }): boolean {
  const p = paramsOf(req);
  return p.has('Action') && p.get('Version') === SNS_VERSION;
}

/** `<Prefix>.entry.N.<keyName>` / `.<valueName>` pairs, N = 1, 2, ... */
export function entries(p: URLSearchParams, prefix: string, keyName: string, valueName: string): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 1; ; i++) {
    const k = p.get(`${prefix}.${i}.${keyName}`);
    if (k === null) break;
    out.push([k, p.get(`${prefix}.${i}.${valueName}`) ?? '']);
  }
  return out;
}

export interface QueryAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

/** `MessageAttributes.entry.N.Name` with `.Value.DataType`, `.Value.StringValue`, `.Value.BinaryValue` (base64). */
export function messageAttributes(p: URLSearchParams): Record<string, QueryAttribute> {
  const out: Record<string, QueryAttribute> = {};
  for (let i = 1; ; i++) {
    const base = `MessageAttributes.entry.${i}`;
    const name = p.get(`${base}.Name`);
    if (name === null) break;
    const s = p.get(`${base}.Value.StringValue`);
    const b = p.get(`${base}.Value.BinaryValue`);
    Object.defineProperty(out, name, {
      value: { DataType: p.get(`${base}.Value.DataType`) ?? '', ...(s !== null ? { StringValue: s } : {}), ...(b !== null ? { BinaryValue: b } : {}) },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

export const escapeXml = (s: string): string => s.replace(/[&<>"\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\r': '&#xD;' })[c]!);

/** An SNS attribute map: `<entry><key>..</key><value>..</value></entry>` per pair. */
export class XmlMap {
  constructor(readonly map: Readonly<Record<string, string>>) {}
}

export type XmlValue = string | number | boolean | XmlMap | XmlValue[] | { [k: string]: XmlValue } | undefined;

/** Members in order; a list is `<member>`s. */
function xml(v: XmlValue): string {
  if (v === undefined) return '';
  if (v instanceof XmlMap) return Object.entries(v.map).map(([k, x]) => `<entry><key>${escapeXml(k)}</key><value>${escapeXml(x)}</value></entry>`).join('');
  if (Array.isArray(v)) return v.map((x) => `<member>${xml(x)}</member>`).join('');
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => (x === undefined ? '' : `<${k}>${xml(x)}</${k}>`)).join('');
  return escapeXml(String(v));
}

export function encodeResult(action: string, result: { [k: string]: XmlValue } | undefined, requestId: string): Buffer {
  const inner = result === undefined ? '' : `<${action}Result>${xml(result)}</${action}Result>`;
  return Buffer.from(`<?xml version="1.0"?><${action}Response xmlns="${NS}">${inner}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`);
}

export function encodeError(err: SnsError, requestId: string): Buffer {
  return Buffer.from(
    `<?xml version="1.0"?><ErrorResponse xmlns="${NS}"><Error><Type>${err.sender ? 'Sender' : 'Receiver'}</Type>` +
      `<Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  );
}
