/**
 * ReceiveMessage. Range errors are recorded AWS answers (MaxNumberOfMessages, WaitTimeSeconds);
 * which system and message attributes come back follows the recorded filters: "All" (and, for
 * message attributes, ".*" and "*") selects everything, "Prefix.*" a prefix, other names
 * themselves; names that cannot exist select nothing. MD5OfMessageAttributes covers the
 * attributes returned, not all the message has (recorded).
 */
import { invalidValue, unknownAttribute } from '../errors.js';
import { MAX_RECEIVE_MESSAGES, MAX_VISIBILITY_SECONDS, MAX_WAIT_SECONDS, MESSAGE_SYSTEM_ATTRIBUTE_NAMES, READ_ONLY_ATTRIBUTES, SETTABLE_ATTRIBUTES, FIFO_ONLY_ATTRIBUTES } from '../limits.js';
import { md5OfAttributes } from '../md5.js';
import type { MessageAttributes, ReceivedMessage } from '../types.js';
import { int, type Operation, queueOf, str, strList } from './context.js';

const SYSTEM_NAMES = new Set<string>(MESSAGE_SYSTEM_ATTRIBUTE_NAMES);
// The deprecated AttributeNames member is typed as queue attribute names in the model.
const QUEUE_NAMES = new Set<string>([...READ_ONLY_ATTRIBUTES, ...SETTABLE_ATTRIBUTES, ...FIFO_ONLY_ATTRIBUTES]);

function systemFilter(names: readonly string[]): (name: string) => boolean {
  for (const n of names) if (!SYSTEM_NAMES.has(n) && !QUEUE_NAMES.has(n)) throw unknownAttribute(n);
  if (names.includes('All')) return () => true;
  const wanted = new Set(names);
  return (n) => wanted.has(n);
}

function messageAttributeFilter(names: readonly string[]): (name: string) => boolean {
  if (names.some((n) => n === 'All' || n === '.*' || n === '*')) return () => true;
  const exact = new Set(names.filter((n) => !n.endsWith('.*')));
  const prefixes = names.filter((n) => n.endsWith('.*') && n.length > 2).map((n) => n.slice(0, -2));
  return (n) => exact.has(n) || prefixes.some((pre) => n.startsWith(pre));
}

function render(m: ReceivedMessage, system: (n: string) => boolean, user: (n: string) => boolean): Record<string, unknown> {
  const attributes = Object.fromEntries(Object.entries(m.attributes).filter(([k]) => system(k)));
  const messageAttributes: MessageAttributes = Object.fromEntries(Object.entries(m.messageAttributes).filter(([k]) => user(k)));
  const md5 = md5OfAttributes(messageAttributes);
  return {
    MessageId: m.messageId,
    ReceiptHandle: m.receiptHandle,
    MD5OfBody: m.md5OfBody,
    Body: m.body,
    ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
    ...(md5 ? { MD5OfMessageAttributes: md5, MessageAttributes: messageAttributes } : {}),
  };
}

export const receiveMessage: Operation = async (ctx, p) => {
  const q = await queueOf(ctx, p);
  const max = int(p, 'MaxNumberOfMessages');
  if (max !== undefined && (max < 1 || max > MAX_RECEIVE_MESSAGES)) {
    throw invalidValue('MaxNumberOfMessages', max, `Must be between 1 and ${MAX_RECEIVE_MESSAGES}, if provided.`);
  }
  const wait = int(p, 'WaitTimeSeconds');
  if (wait !== undefined && (wait < 0 || wait > MAX_WAIT_SECONDS)) {
    throw invalidValue('WaitTimeSeconds', wait, `Must be >= 0 and <= ${MAX_WAIT_SECONDS}, if provided.`);
  }
  const vt = int(p, 'VisibilityTimeout');
  if (vt !== undefined && (vt < 0 || vt > MAX_VISIBILITY_SECONDS)) {
    throw invalidValue('VisibilityTimeout', vt, `Must be >= 0 and <= ${MAX_VISIBILITY_SECONDS}, if provided.`);
  }
  // The deprecated AttributeNames and MessageSystemAttributeNames both count (the SDK may send both).
  const system = systemFilter([...strList(p, 'AttributeNames'), ...strList(p, 'MessageSystemAttributeNames')]);
  const user = messageAttributeFilter(strList(p, 'MessageAttributeNames'));
  const attemptId = str(p, 'ReceiveRequestAttemptId');
  const messages = await ctx.engine.receive(q, {
    max: max ?? 1,
    ...(vt !== undefined ? { visibilityTimeout: vt } : {}),
    waitMs: (wait ?? ctx.engine.defaultWaitSeconds(q)) * 1000,
    ...(attemptId !== undefined ? { receiveRequestAttemptId: attemptId } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  // Recorded: an empty receive is `{}` - no Messages member.
  return messages.length > 0 ? { Messages: messages.map((m) => render(m, system, user)) } : {};
};
