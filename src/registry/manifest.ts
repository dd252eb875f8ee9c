/**
 * Image manifests and indexes (OCI image-spec and Docker's schema 2, the formats ECR stores):
 * parsed and checked before they are stored or followed, so that what the unpacker later walks
 * is a list of well-formed digests with declared sizes.
 */
import { isDigest } from './digest.js';
import { RegistryError } from './errors.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const MANIFEST_TYPES = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST];

/** Manifests are small; ECR refuses larger than 4 MiB. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string } | undefined;
}

export type Parsed =
  | { kind: 'image'; mediaType: string; config: Descriptor; layers: Descriptor[] }
  | { kind: 'index'; mediaType: string; manifests: Descriptor[] };

function descriptor(v: unknown, where: string): Descriptor {
  if (typeof v !== 'object' || v === null) throw new RegistryError('MANIFEST_INVALID', `${where}: not a descriptor`);
  const d = v as Record<string, unknown>;
  if (typeof d['digest'] !== 'string' || !isDigest(d['digest'])) throw new RegistryError('MANIFEST_INVALID', `${where}: invalid digest`);
  if (typeof d['size'] !== 'number' || !Number.isSafeInteger(d['size']) || d['size'] < 0) throw new RegistryError('MANIFEST_INVALID', `${where}: invalid size`);
  const platform = d['platform'];
  return {
    mediaType: typeof d['mediaType'] === 'string' ? d['mediaType'] : '',
    digest: d['digest'],
    size: d['size'],
    ...(typeof platform === 'object' && platform !== null ? { platform: platform as Descriptor['platform'] } : {}),
  };
}

/** Parses a manifest's bytes; the media type is the document's own, else the Content-Type it came with. */
export function parseManifest(body: Buffer, contentType: string | undefined): Parsed {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RegistryError('MANIFEST_INVALID', 'manifest invalid: not JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new RegistryError('MANIFEST_INVALID', 'manifest invalid: not an object');
  const m = doc as Record<string, unknown>;
  const declared = typeof m['mediaType'] === 'string' ? m['mediaType'] : undefined;
  const ct = contentType?.split(';')[0]?.trim();
  const mediaType = declared ?? (ct && MANIFEST_TYPES.includes(ct) ? ct : Array.isArray(m['manifests']) ? OCI_INDEX : OCI_MANIFEST);
  if (m['schemaVersion'] !== 2) throw new RegistryError('MANIFEST_INVALID', 'manifest invalid: schemaVersion must be 2');
  if (mediaType === OCI_INDEX || mediaType === DOCKER_LIST) {
    if (!Array.isArray(m['manifests'])) throw new RegistryError('MANIFEST_INVALID', 'manifest invalid: index without manifests');
    return { kind: 'index', mediaType, manifests: m['manifests'].map((x, i) => descriptor(x, `manifests[${i}]`)) };
  }
  if (mediaType !== OCI_MANIFEST && mediaType !== DOCKER_MANIFEST) throw new RegistryError('MANIFEST_INVALID', `manifest invalid: unsupported media type ${mediaType}`);
  if (!Array.isArray(m['layers'])) throw new RegistryError('MANIFEST_INVALID', 'manifest invalid: no layers');
  return { kind: 'image', mediaType, config: descriptor(m['config'], 'config'), layers: m['layers'].map((x, i) => descriptor(x, `layers[${i}]`)) };
}
