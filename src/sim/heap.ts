/**
 * A binary min-heap of (key, value) pairs on typed arrays: the simulator's event queues. Ties
 * on the key pop the smaller value first, which keeps runs deterministic.
 */
export class MinHeap {
  private keys: Float64Array;
  private vals: Int32Array;
  private n = 0;

  constructor(capacity = 64) {
    this.keys = new Float64Array(capacity);
    this.vals = new Int32Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  /** The smallest key (Infinity when empty). */
  peekKey(): number {
    return this.n > 0 ? (this.keys[0] ?? Infinity) : Infinity;
  }

  /** The value under the smallest key (-1 when empty). */
  peekValue(): number {
    return this.n > 0 ? (this.vals[0] ?? -1) : -1;
  }

  push(key: number, val: number): void {
    if (this.n === this.keys.length) this.grow();
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = this.keys[p] ?? 0;
      const pv = this.vals[p] ?? 0;
      if (pk < key || (pk === key && pv <= val)) break;
      this.keys[i] = pk;
      this.vals[i] = pv;
      i = p;
    }
    this.keys[i] = key;
    this.vals[i] = val;
  }

  /** Removes the smallest entry and returns its value (-1 when empty). */
  pop(): number {
    if (this.n === 0) return -1;
    const top = this.vals[0] ?? -1;
    this.n--;
    if (this.n > 0) this.siftDown(this.keys[this.n] ?? 0, this.vals[this.n] ?? 0);
    return top;
  }

  /** Replaces the smallest entry's key (same value) and restores order: cheaper than pop+push. */
  replaceTopKey(key: number): void {
    this.siftDown(key, this.vals[0] ?? 0);
  }

  private siftDown(key: number, val: number): void {
    const n = this.n;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ck = this.keys[c] ?? 0;
      let cv = this.vals[c] ?? 0;
      const r = c + 1;
      if (r < n) {
        const rk = this.keys[r] ?? 0;
        const rv = this.vals[r] ?? 0;
        if (rk < ck || (rk === ck && rv < cv)) {
          c = r;
          ck = rk;
          cv = rv;
        }
      }
      if (key < ck || (key === ck && val <= cv)) break;
      this.keys[i] = ck;
      this.vals[i] = cv;
      i = c;
    }
    this.keys[i] = key;
    this.vals[i] = val;
  }

  private grow(): void {
    const k = new Float64Array(this.keys.length * 2);
    k.set(this.keys);
    const v = new Int32Array(this.vals.length * 2);
    v.set(this.vals);
    this.keys = k;
    this.vals = v;
  }
}
