/**
 * Query-protocol responses: `<XResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">`
 * wrapping `<XResult>` and `<ResponseMetadata><RequestId>`, lists and maps flattened under
 * their botocore `locationName`s; errors as `<ErrorResponse><Error><Type>`/`<Code>`/`<Message>`/
 * `<Detail/>` (recorded AWS errors carry an empty Detail).
 */
import type { SqsError } from '../errors.js';

const NS = 'http://queue.amazonaws.com/doc/2012-11-05/';

type Out =
  | { list: string; of?: Struct }
  | { map: string; key: string; value: string; of?: Struct };
type Struct = Readonly<Record<string, Out>>;

const failed: Out = { list: 'BatchResultErrorEntry' };
const attributeMap: Out = { map: 'Attribute', key: 'Name', value: 'Value' };

/** Members that are not plain scalars, per operation; anything else is `<Name>value</Name>`. */
const RESULTS: Readonly<Record<string, Struct>> = {
  CreateQueue: {},
  GetQueueUrl: {},
  ListQueues: { QueueUrls: { list: 'QueueUrl' } },
  GetQueueAttributes: { Attributes: attributeMap },
  SendMessage: {},
  SendMessageBatch: { Successful: { list: 'SendMessageBatchResultEntry' }, Failed: failed },
  ReceiveMessage: {
    Messages: {
      list: 'Message',
      of: { Attributes: attributeMap, MessageAttributes: { map: 'MessageAttribute', key: 'Name', value: 'Value' } },
    },
  },
  DeleteMessageBatch: { Successful: { list: 'DeleteMessageBatchResultEntry' }, Failed: failed },
  ChangeMessageVisibilityBatch: { Successful: { list: 'ChangeMessageVisibilityBatchResultEntry' }, Failed: failed },
  ListQueueTags: { Tags: { map: 'Tag', key: 'Key', value: 'Value' } },
  ListDeadLetterSourceQueues: { queueUrls: { list: 'QueueUrl' } },
  StartMessageMoveTask: {},
  CancelMessageMoveTask: {},
  ListMessageMoveTasks: { Results: { list: 'ListMessageMoveTasksResultEntry' } },
};

/** XML text: markup characters escaped, and CR as a reference so parsers keep it (MD5s depend on it). */
export const escapeXml = (s: string): string =>
  s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#xD;'));

const el = (name: string, inner: string): string => `<${name}>${inner}</${name}>`;

function scalar(v: unknown): string {
  return escapeXml(typeof v === 'string' ? v : String(v));
}

function struct(obj: Record<string, unknown>, shape: Struct): string {
  let out = '';
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null) continue;
    const spec = shape[k];
    if (!spec) {
      out += typeof v === 'object' ? el(k, struct(v as Record<string, unknown>, {})) : el(k, scalar(v));
    } else if ('list' in spec) {
      for (const item of v as unknown[]) {
        out += el(spec.list, typeof item === 'object' && item !== null ? struct(item as Record<string, unknown>, spec.of ?? {}) : scalar(item));
      }
    } else {
      for (const [mk, mv] of Object.entries(v as Record<string, unknown>)) {
        const value = typeof mv === 'object' && mv !== null ? struct(mv as Record<string, unknown>, spec.of ?? {}) : scalar(mv);
        out += el(spec.map, el(spec.key, escapeXml(mk)) + el(spec.value, value));
      }
    }
  }
  return out;
}

/** A successful response; operations without output (DeleteQueue, ...) have no Result element. */
export function encodeXmlResult(action: string, result: Record<string, unknown>, requestId: string): Buffer {
  const shape = RESULTS[action];
  const inner = shape ? (Object.keys(result).length === 0 ? `<${action}Result/>` : el(`${action}Result`, struct(result, shape))) : '';
  return Buffer.from(
    `<?xml version="1.0"?><${action}Response xmlns="${NS}">${inner}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  );
}

export function encodeXmlError(err: SqsError, requestId: string): Buffer {
  return Buffer.from(
    `<?xml version="1.0"?><ErrorResponse xmlns="${NS}"><Error><Type>${err.sender ? 'Sender' : 'Receiver'}</Type>` +
      `<Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.queryMessage)}</Message><Detail/></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`,
  );
}
