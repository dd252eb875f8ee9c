/**
 * Checks on message content and identifiers, with AWS's error codes and wording (LocalStack's
 * AWS-validated snapshots for the recorded ones; the others follow the same patterns and are
 * marked).
 */
import {
  invalidBatchEntryId,
  invalidMessageContents,
  invalidParameterValue,
  invalidValue,
  missingParameter,
} from './errors.js';
import { MAX_ATTRIBUTE_NAME_BYTES } from './limits.js';
import type { MessageAttributes } from './types.js';

/** SendMessage's allowed characters (API reference): XML 1.0's Char production. */
const ALLOWED = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const FIRST_DISALLOWED = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ALLOWED_SET = '#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF';

/** The offending character, as `#x1F`, for the error message. */
function firstBadChar(s: string): string {
  const m = FIRST_DISALLOWED.exec(s);
  const cp = m?.[0].codePointAt(0) ?? 0;
  return `#x${cp.toString(16).toUpperCase()}`;
}

/** SendMessage with a body outside the allowed set: InvalidMessageContents (SDK model docs). */
export function checkBody(body: string): void {
  if (body.length === 0) throw missingParameter('MessageBody');
  if (!ALLOWED.test(body)) {
    // Wording as users report AWS's answer; the code is the modeled InvalidMessageContents.
    throw invalidMessageContents(
      `Invalid binary character '${firstBadChar(body)}' was found in the message body, the set of allowed characters is ${ALLOWED_SET}`,
    );
  }
}

/** Bytes a message counts against MaximumMessageSize: body plus attribute names, types and values. */
export function messageSize(body: string, attributes: MessageAttributes | undefined): number {
  let n = Buffer.byteLength(body, 'utf8');
  for (const [name, a] of Object.entries(attributes ?? {})) {
    n += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(a.DataType, 'utf8');
    if (a.StringValue !== undefined) n += Buffer.byteLength(a.StringValue, 'utf8');
    if (a.BinaryValue !== undefined) n += Buffer.from(a.BinaryValue, 'base64').length;
  }
  return n;
}

const ATTRIBUTE_NAME = /^[A-Za-z0-9_.\-\u00C0-\u017F]+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Validates message attributes (names, types, values), per the developer guide's rules. */
export function checkMessageAttributes(attributes: MessageAttributes | undefined): void {
  for (const [name, a] of Object.entries(attributes ?? {})) {
    if (Buffer.byteLength(name, 'utf8') >= MAX_ATTRIBUTE_NAME_BYTES) {
      throw invalidParameterValue('Message (user) attribute names must be shorter than 256 Bytes');
    }
    if (!ATTRIBUTE_NAME.test(name)) {
      throw invalidParameterValue(
        'Message (user) attributes name can only contain upper and lower score characters, digits, periods, hyphens and underscores. ',
      );
    }
    const lower = name.toLowerCase();
    if (lower.startsWith('aws.') || lower.startsWith('amazon.') || name.startsWith('.') || name.endsWith('.') || name.includes('..')) {
      throw invalidParameterValue(
        "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are reserved for internal use. Additionally, they cannot start or end with '.'.",
      );
    }
    checkAttributeValue(name, a, 'Message (user)');
  }
}

/** MessageSystemAttributes: only AWSTraceHeader, a String (SendMessage API reference). */
export function checkSystemAttributes(attributes: MessageAttributes | undefined): void {
  for (const [name, a] of Object.entries(attributes ?? {})) {
    if (name !== 'AWSTraceHeader') {
      throw invalidParameterValue(`Message system attribute name '${name}' is invalid.`);
    }
    if (a.DataType !== 'String') {
      throw invalidParameterValue(`Message system attribute '${name}' must have data type 'String'.`);
    }
    checkAttributeValue(name, a, 'Message system');
  }
}

function checkAttributeValue(name: string, a: MessageAttributes[string], kind: string): void {
  const type = typeof a.DataType === 'string' ? a.DataType : '';
  if (!type) throw invalidParameterValue(`The message attribute '${name}' must contain non-empty message attribute type.`);
  if (Buffer.byteLength(type, 'utf8') >= MAX_ATTRIBUTE_NAME_BYTES) {
    throw invalidParameterValue(`${kind} attribute types must be shorter than 256 Bytes`);
  }
  const base = /^(String|Number|Binary)(\.[^]*)?$/.exec(type)?.[1];
  if (!base) {
    throw invalidParameterValue(`The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`);
  }
  if (base === 'Binary') {
    if (a.BinaryValue === undefined || a.BinaryValue === '' || !BASE64.test(a.BinaryValue)) {
      throw invalidParameterValue(`${kind} attribute '${name}' must contain a non-empty value of type 'Binary'.`);
    }
    return;
  }
  const value = a.StringValue;
  if (value === undefined || value === '') {
    // Recorded wording (for String; Number follows the same pattern).
    throw invalidParameterValue(`${kind} attribute '${name}' must contain a non-empty value of type '${base}'.`);
  }
  if (!ALLOWED.test(value)) {
    throw invalidParameterValue(`Invalid binary character '${firstBadChar(value)}' was found in the value of ${kind.toLowerCase()} attribute '${name}', the set of allowed characters is ${ALLOWED_SET}`);
  }
  if (base === 'Number' && !NUMBER.test(value.trim())) {
    throw invalidParameterValue(`Can't cast the value of message (user) attribute '${name}' to a number.`);
  }
}

/** MessageGroupId / MessageDeduplicationId: 1-128 alphanumeric and punctuation characters (recorded). */
const FIFO_ID = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/;

export function checkFifoId(param: 'MessageGroupId' | 'MessageDeduplicationId', value: string): void {
  if (!FIFO_ID.test(value)) {
    throw invalidValue(param, value, `${param} can only include alphanumeric and punctuation characters. 1 to 128 in length.`);
  }
}

const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** Batch entry ids: alphanumerics, hyphens and underscores, at most 80 (recorded). */
export function checkBatchEntryId(id: unknown): void {
  if (typeof id !== 'string' || !BATCH_ID.test(id)) throw invalidBatchEntryId();
}

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** Queue names: up to 80 alphanumerics, hyphens, underscores; a FIFO name ends in `.fifo` (counted). */
export function checkQueueName(name: string, fifo: boolean): void {
  if (fifo) {
    const ok = name.endsWith('.fifo') && QUEUE_NAME.test(`${name.slice(0, -5)}_fifo`);
    if (!ok) {
      throw invalidParameterValue(
        'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length',
      );
    }
    return;
  }
  if (!QUEUE_NAME.test(name)) {
    throw invalidParameterValue('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
  }
}
