/**
 * The hash the router scores (key, node) pairs with. It is injected wherever it is used so that
 * tests can pin it, and so that every node of a cluster scores alike: rendezvous hashing only
 * gives all gateways the same home for a function if they share the hash. Nothing here is
 * cryptographic; a client choosing function names cannot do more than pile load on a node, which
 * the bounded-load cap absorbs.
 */

/** Scores pairs from 32-bit hashes of their two halves; both halves are hashed once and cached. */
export interface Hasher {
  /** A 32-bit unsigned hash of a string. */
  text(s: string): number;
  /** The rendezvous score of a key (its `text` hash) on a node (its `text` hash), 32-bit unsigned. */
  pair(key: number, node: number): number;
}

/** A 32-bit avalanche finaliser: every input bit flips each output bit with probability ~1/2. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over UTF-16 code units, then mixed (FNV alone clusters on short, similar names). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/**
 * The default hasher. `pair` mixes the node hash once more before combining, so that two keys
 * whose hashes differ in few bits still order the nodes independently.
 */
export const defaultHasher: Hasher = {
  text: fnv1a,
  pair: (key, node) => mix32(key ^ mix32((node + 0x9e3779b9) | 0)),
};
