/**
 * Identifiers and secrets Nimbus mints: 12-digit account ids (as AWS's), access key ids with a
 * prefix of their own (`NKIA`, 20 characters like AWS's `AKIA...`, so a Nimbus key is never mistaken
 * for an AWS key) and 40-character secrets from 30 random bytes (docs/reference/security.md §2.1).
 */
import { randomBytes, randomInt } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export const ACCOUNT_ID = /^\d{12}$/;
export const ACCESS_KEY_ID = /^NKIA[A-Z2-7]{16}$/;

export function newAccountId(): string {
  let s = String(randomInt(1, 10));
  for (let i = 0; i < 11; i++) s += String(randomInt(0, 10));
  return s;
}

export function newAccessKeyId(): string {
  let s = 'NKIA';
  for (const b of randomBytes(16)) s += BASE32[b & 31];
  return s;
}

export function newSecret(): string {
  return randomBytes(30).toString('base64url');
}
