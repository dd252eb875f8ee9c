/**
 * OCI content digests (`sha256:<64 hex>`). Only sha256 is accepted: it is what every client
 * pushes and what ECR stores, and a digest is a file name under the blob directory, so its form
 * is checked before it goes near a path.
 */
import { createHash } from 'node:crypto';

const DIGEST = /^sha256:([a-f0-9]{64})$/;

/** The hex part of a well-formed digest, or undefined. */
export function digestHex(d: string): string | undefined {
  return DIGEST.exec(d)?.[1];
}

export function isDigest(d: string): boolean {
  return DIGEST.test(d);
}

export function sha256Digest(buf: Buffer): string {
  return `sha256:${createHash('sha256').update(buf).digest('hex')}`;
}
