/**
 * Where a node's code cache fetches packages it has not seen: in cluster mode the shared
 * PostgreSQL (pg-blob-source.ts), so that a package uploaded through one node runs on every node.
 * A single node has none: its data directory is the only copy, as before.
 */
export interface BlobSource {
  /** Stores a package under its SHA-256 (hex); storing one already there is a no-op. */
  put(sha256Hex: string, zip: Buffer): Promise<void>;
  /** The package, or undefined when none is stored under that hash. */
  get(sha256Hex: string): Promise<Buffer | undefined>;
  /** Deletes a package (the callers decide that nothing uses it any more). */
  remove(sha256Hex: string): Promise<void>;
  close(): Promise<void>;
}
