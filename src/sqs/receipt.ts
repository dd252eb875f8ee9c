/**
 * Receipt handles. A handle names the queue, the message and the receive that issued it (a
 * random token stored with the message on every receive), so a handle from an earlier receive
 * is recognisably stale. It is opaque to clients: base64, like AWS's.
 */
import { randomBytes } from 'node:crypto';

export interface Receipt {
  queueId: number;
  seq: number;
  token: string;
}

export const newReceiptToken = (): string => randomBytes(12).toString('hex');

export const encodeReceipt = (r: Receipt): string => Buffer.from(`nimbus-sqs:${r.queueId}:${r.seq}:${r.token}`).toString('base64');

const SHAPE = /^nimbus-sqs:(\d{1,15}):(\d{1,15}):([0-9a-f]{24})$/;

/** The parts of a handle, or null when it is not one of ours (ReceiptHandleIsInvalid). */
export function decodeReceipt(handle: string): Receipt | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(handle)) return null;
  const m = SHAPE.exec(Buffer.from(handle, 'base64').toString('latin1'));
  if (!m?.[1] || !m[2] || !m[3]) return null;
  return { queueId: Number(m[1]), seq: Number(m[2]), token: m[3] };
}
