import type { Rng } from '../rng.js';

/**
 * A small fully connected network (tanh hidden layers, linear output) trained with Adam on a
 * Huber loss: the Q-network. Hand-written on Float64Arrays so it is seeded, dependency-free and
 * cheap enough to run inside a keep-alive decision (a 14-32-32-14 forward pass is ~2k flops).
 */
export class Mlp {
  /** Per layer: weights (out x in, row-major) and biases. */
  readonly w: Float64Array[] = [];
  readonly b: Float64Array[] = [];
  private readonly mW: Float64Array[] = [];
  private readonly vW: Float64Array[] = [];
  private readonly mB: Float64Array[] = [];
  private readonly vB: Float64Array[] = [];
  private readonly gW: Float64Array[] = [];
  private readonly gB: Float64Array[] = [];
  /** Activations per layer for the sample being back-propagated (index 0 is the input). */
  private readonly act: Float64Array[];
  private readonly delta: Float64Array[];
  private step = 0;

  constructor(readonly sizes: readonly number[], rng: Rng, readonly lr = 1e-3, readonly huber = 1) {
    for (let l = 0; l + 1 < sizes.length; l++) {
      const nIn = sizes[l] ?? 1;
      const nOut = sizes[l + 1] ?? 1;
      // Glorot-uniform: keeps tanh units out of saturation at the start.
      const lim = Math.sqrt(6 / (nIn + nOut));
      const w = new Float64Array(nIn * nOut);
      for (let i = 0; i < w.length; i++) w[i] = (2 * rng.next() - 1) * lim;
      this.w.push(w);
      this.b.push(new Float64Array(nOut));
      for (const arr of [this.mW, this.vW, this.gW]) arr.push(new Float64Array(nIn * nOut));
      for (const arr of [this.mB, this.vB, this.gB]) arr.push(new Float64Array(nOut));
    }
    this.act = sizes.map((n) => new Float64Array(n));
    this.delta = sizes.map((n) => new Float64Array(n));
  }

  /** Number of trainable parameters. */
  get parameterCount(): number {
    return this.w.reduce((a, w) => a + w.length, 0) + this.b.reduce((a, b) => a + b.length, 0);
  }

  /** Forward pass; writes the outputs to `out` (length = last layer size). */
  forward(x: ArrayLike<number>, out: Float64Array): void {
    const a0 = this.act[0] as Float64Array;
    for (let i = 0; i < a0.length; i++) a0[i] = x[i] as number;
    const L = this.w.length;
    for (let l = 0; l < L; l++) {
      const w = this.w[l] as Float64Array;
      const b = this.b[l] as Float64Array;
      const inp = this.act[l] as Float64Array;
      const o = this.act[l + 1] as Float64Array;
      const nIn = inp.length;
      const nOut = o.length;
      const hidden = l + 1 < L;
      // Hot loop: indices are in range by construction, so the casts skip undefined checks.
      for (let j = 0, row = 0; j < nOut; j++, row += nIn) {
        let z = b[j] as number;
        for (let i = 0; i < nIn; i++) z += (w[row + i] as number) * (inp[i] as number);
        o[j] = hidden ? Math.tanh(z) : z;
      }
    }
    out.set(this.act[L] as Float64Array);
  }

  /**
   * One Adam step on a minibatch: `xs[k]` inputs, `ys[k]` targets for every output. Returns the
   * mean Huber loss before the step.
   */
  trainBatch(xs: readonly ArrayLike<number>[], ys: readonly ArrayLike<number>[]): number {
    for (const g of this.gW) g.fill(0);
    for (const g of this.gB) g.fill(0);
    const L = this.w.length;
    const out = new Float64Array(this.sizes[L] ?? 1);
    let loss = 0;
    for (let k = 0; k < xs.length; k++) {
      this.forward(xs[k] as ArrayLike<number>, out);
      const y = ys[k] as ArrayLike<number>;
      const dOut = this.delta[L] as Float64Array;
      for (let j = 0; j < out.length; j++) {
        const e = (out[j] ?? 0) - (y[j] ?? 0);
        const ae = Math.abs(e);
        loss += ae <= this.huber ? 0.5 * e * e : this.huber * (ae - 0.5 * this.huber);
        dOut[j] = ae <= this.huber ? e : this.huber * Math.sign(e);
      }
      for (let l = L - 1; l >= 0; l--) {
        const w = this.w[l] as Float64Array;
        const inp = this.act[l] as Float64Array;
        const d = this.delta[l + 1] as Float64Array;
        const gW = this.gW[l] as Float64Array;
        const gB = this.gB[l] as Float64Array;
        const dIn = this.delta[l] as Float64Array;
        const nIn = inp.length;
        dIn.fill(0);
        for (let j = 0; j < d.length; j++) {
          const dj = d[j] ?? 0;
          gB[j] = (gB[j] ?? 0) + dj;
          const row = j * nIn;
          for (let i = 0; i < nIn; i++) {
            gW[row + i] = (gW[row + i] ?? 0) + dj * (inp[i] ?? 0);
            dIn[i] = (dIn[i] ?? 0) + dj * (w[row + i] ?? 0);
          }
        }
        // Through tanh of the layer below (the input layer has no activation).
        if (l > 0) for (let i = 0; i < nIn; i++) dIn[i] = (dIn[i] ?? 0) * (1 - (inp[i] ?? 0) ** 2);
      }
    }
    this.adam(xs.length);
    return loss / Math.max(1, xs.length * out.length);
  }

  /** Copies the weights into `other` (same shape): the target-network sync. */
  copyTo(other: Mlp): void {
    this.w.forEach((w, l) => other.w[l]?.set(w));
    this.b.forEach((b, l) => other.b[l]?.set(b));
  }

  toJSON(): { sizes: number[]; w: number[][]; b: number[][] } {
    return { sizes: [...this.sizes], w: this.w.map((x) => Array.from(x)), b: this.b.map((x) => Array.from(x)) };
  }

  load(j: { sizes: number[]; w: number[][]; b: number[][] }): void {
    if (j.sizes.join() !== this.sizes.join()) throw new TypeError('network shape mismatch');
    j.w.forEach((w, l) => this.w[l]?.set(w));
    j.b.forEach((b, l) => this.b[l]?.set(b));
  }

  private adam(batch: number): void {
    const b1 = 0.9;
    const b2 = 0.999;
    this.step++;
    const c1 = 1 - b1 ** this.step;
    const c2 = 1 - b2 ** this.step;
    const upd = (p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array): void => {
      for (let i = 0; i < p.length; i++) {
        const gi = (g[i] ?? 0) / batch;
        const mi = b1 * (m[i] ?? 0) + (1 - b1) * gi;
        const vi = b2 * (v[i] ?? 0) + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = (p[i] ?? 0) - (this.lr * (mi / c1)) / (Math.sqrt(vi / c2) + 1e-8);
      }
    };
    for (let l = 0; l < this.w.length; l++) {
      upd(this.w[l] as Float64Array, this.gW[l] as Float64Array, this.mW[l] as Float64Array, this.vW[l] as Float64Array);
      upd(this.b[l] as Float64Array, this.gB[l] as Float64Array, this.mB[l] as Float64Array, this.vB[l] as Float64Array);
    }
  }
}
