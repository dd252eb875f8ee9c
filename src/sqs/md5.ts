/**
 * The MD5 digests SQS returns with messages. The SDKs check them (the JS SDK throws on a wrong
 * `MD5OfMessageBody`/`MD5OfBody`; the Java and .NET SDKs also check the attribute digests).
 *
 * Attribute digest, as the SQS developer guide specifies it ("Calculating the MD5 message digest
 * for message attributes"): sort the attributes by name; for each, append the name, the DataType
 * and the value, each as a 4-byte big-endian length followed by the bytes (UTF-8 for strings,
 * the raw bytes for binary), with one transport byte before the value: 1 for String and Number,
 * 2 for Binary. The digest is over the concatenation.
 */
import { createHash } from 'node:crypto';
import type { MessageAttributes } from './types.js';

export const md5Hex = (data: string | Buffer): string => createHash('md5').update(data).digest('hex');

/** MD5OfMessageBody / MD5OfBody: the MD5 of the body's UTF-8 bytes. */
export const md5OfBody = (body: string): string => md5Hex(Buffer.from(body, 'utf8'));

const STRING_TRANSPORT = 1;
const BINARY_TRANSPORT = 2;

function lengthPrefixed(bytes: Buffer): Buffer[] {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return [len, bytes];
}

/** Sorting is by name in code-unit order, like Java's `String.compareTo` the SDKs use. */
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * MD5OfMessageAttributes / MD5OfMessageSystemAttributes over the given attributes (already
 * filtered to what is returned). `undefined` when there are none: SQS then omits the field.
 */
export function md5OfAttributes(attributes: MessageAttributes | undefined): string | undefined {
  if (!attributes) return undefined;
  const names = Object.keys(attributes).sort(byName);
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  for (const name of names) {
    const a = attributes[name];
    if (!a) continue;
    parts.push(...lengthPrefixed(Buffer.from(name, 'utf8')), ...lengthPrefixed(Buffer.from(a.DataType, 'utf8')));
    if (a.DataType.startsWith('Binary')) {
      parts.push(Buffer.from([BINARY_TRANSPORT]), ...lengthPrefixed(Buffer.from(a.BinaryValue ?? '', 'base64')));
    } else {
      parts.push(Buffer.from([STRING_TRANSPORT]), ...lengthPrefixed(Buffer.from(a.StringValue ?? '', 'utf8')));
    }
  }
  return md5Hex(Buffer.concat(parts));
}
