/**
 * XML in and out, with fast-xml-parser: S3's bodies (CompleteMultipartUpload, Delete,
 * CreateBucketConfiguration) parsed without entities or attributes, S3's answers built in its
 * namespace. Parsing refuses anything that is not well-formed (MalformedXML, not a crash).
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Error } from './errors.js';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', suppressEmptyNode: false, format: false });
const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  // Only the five XML entities and character references; a DTD never gets this far.
  htmlEntities: false,
  // Elements that may repeat are always arrays, so one element and many read alike.
  isArray: (name) => name === 'Part' || name === 'Object' || name === 'FilterRule' || name === 'CloudFunctionConfiguration' || name === 'LambdaFunctionConfiguration' || name === 'Event' || name === 'QueueConfiguration' || name === 'TopicConfiguration',
});

/** `<?xml?><root xmlns=S3>…</root>`; undefined members are left out, arrays repeat their element. */
export function xmlDocument(root: string, body: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ [root]: { '@xmlns': NS, ...clean(body) } }) as string}`;
}

function clean(v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = x;
  return out;
}

/** A request body's document, its root element's content; MalformedXML if it is not well-formed or has another root. */
export function parseXml(body: Buffer, root: string): Record<string, unknown> {
  const text = body.toString('utf8');
  // No S3 document has a DTD; refusing them rules out entity expansion (billion laughs) at once.
  if (text.trim() === '' || /<!DOCTYPE|<!ENTITY/i.test(text) || XMLValidator.validate(text) !== true) throw new S3Error('MalformedXML');
  let doc: unknown;
  try {
    doc = parser.parse(text);
  } catch {
    throw new S3Error('MalformedXML');
  }
  const top = (doc as Record<string, unknown>)[root];
  if (top === undefined) throw new S3Error('MalformedXML');
  return typeof top === 'object' && top !== null ? (top as Record<string, unknown>) : {};
}

/** The error document S3 sends (HEAD responses carry no body; the caller leaves it out). */
export function errorXml(e: S3Error, requestId: string): string {
  const fields = { Code: e.code, Message: e.message, ...e.fields, RequestId: requestId, HostId: requestId };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ Error: fields }) as string}`;
}
