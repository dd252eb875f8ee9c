/**
 * IP addresses and CIDR blocks for the `cidr` operator, with event-ruler's rules and messages
 * (the EventBridge `InvalidEventPatternException` texts "Malformed CIDR, one '/' required",
 * "Nonstandard IP address: xx.11.xx" etc. were recorded against AWS). A value is only treated as
 * an address when it looks like one (four dotted decimals, or hex groups with a colon) and parses.
 */

const V4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const V6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

/** 4 or 16 bytes, or undefined when `text` is not an IP address literal. */
export function parseIp(text: string): Uint8Array | undefined {
  if (V4_SHAPE.test(text)) return parseV4(text);
  if (V6_SHAPE.test(text)) return parseV6(text);
  return undefined;
}

function parseV4(text: string): Uint8Array | undefined {
  const parts = text.split('.').map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return Uint8Array.from(parts);
}

function parseV6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] | undefined => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const all = [...head, ...tail];
  if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  if (halves.length === 2 ? all.length > 7 : all.length !== 8) return undefined;
  const words = [...head, ...Array<string>(8 - all.length).fill('0'), ...tail].map((g) => parseInt(g, 16));
  const out = new Uint8Array(16);
  words.forEach((w, k) => {
    out[2 * k] = w >> 8;
    out[2 * k + 1] = w & 0xff;
  });
  return out;
}

export interface IpRange {
  readonly low: Uint8Array;
  readonly high: Uint8Array;
}

export type CidrResult = { ok: true; range: IpRange } | { ok: false; reason: string };

/** Parse `a.b.c.d/n` or `v6::/n`; the range starts at the masked (floor) address, as event-ruler does. */
export function parseCidr(text: string): CidrResult {
  // Java's String.split drops trailing empty strings, so "10.0.0.0/" has one part, not two.
  const parts = text.split('/');
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 2) return { ok: false, reason: "Malformed CIDR, one '/' required" };
  const bitsText = parts[1]!;
  if (!/^[+-]?\d+$/.test(bitsText) || Math.abs(Number(bitsText)) > 2 ** 31 - 1) {
    return { ok: false, reason: 'Malformed CIDR, mask bits must be an integer' };
  }
  const bits = Number(bitsText);
  if (bits < 0) return { ok: false, reason: 'Malformed CIDR, mask bits must not be negative' };
  const ipText = parts[0]!;
  const shaped = V4_SHAPE.test(ipText) || V6_SHAPE.test(ipText);
  const ip = parseIp(ipText);
  if (!ip) return { ok: false, reason: shaped ? `Invalid IP address: ${ipText}` : `Nonstandard IP address: ${ipText}` };
  // event-ruler's limits: a /32 (v4) or /128 (v6) block is refused; an exact address is written plainly.
  if (ip.length === 4 && bits > 31) return { ok: false, reason: 'IPv4 mask bits must be < 32' };
  if (ip.length === 16 && bits > 127) return { ok: false, reason: 'IPv6 mask bits must be < 128' };
  const low = new Uint8Array(ip.length);
  const high = new Uint8Array(ip.length);
  for (let k = 0; k < ip.length; k++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * k));
    const mask = (0xff << (8 - keep)) & 0xff;
    low[k] = ip[k]! & mask;
    high[k] = (ip[k]! & mask) | (~mask & 0xff);
  }
  return { ok: true, range: { low, high } };
}

export function inRange(ip: Uint8Array, range: IpRange): boolean {
  if (ip.length !== range.low.length) return false;
  return compare(ip, range.low) >= 0 && compare(ip, range.high) <= 0;
}

export function sameIp(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compare(a, b) === 0;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let k = 0; k < a.length; k++) {
    if (a[k] !== b[k]) return a[k]! - b[k]!;
  }
  return 0;
}
