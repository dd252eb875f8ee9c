import type { Rng } from '../rng.js';
import { Mlp } from './mlp.js';

/** Tunables of the Q-network agent. */
export interface QNetworkOptions {
  hidden: number;
  lr: number;
  batch: number;
  /** Replay buffer capacity (samples). */
  replay: number;
  /** One gradient step per this many new samples. */
  trainEvery: number;
  /** Copy the online network into the target network every this many steps. */
  syncEvery: number;
  gamma: number;
}

export const Q_NETWORK_DEFAULTS: QNetworkOptions = {
  hidden: 32,
  lr: 1e-3,
  batch: 32,
  replay: 4096,
  trainEvery: 8,
  syncEvery: 250,
  gamma: 0,
};

/**
 * Deep Q-learning in miniature: an online MLP approximating Q(s, .), a target MLP for the
 * bootstrapped part of the target (used when gamma > 0), and an experience-replay ring that
 * decorrelates consecutive samples. Each sample carries the reward of every action (full
 * information, known in hindsight), so one sample trains all outputs.
 */
export class QNetwork {
  readonly online: Mlp;
  readonly target: Mlp;
  private readonly xs: Float32Array;
  private readonly rs: Float32Array;
  private readonly nextXs: Float32Array;
  private readonly hasNext: Uint8Array;
  private size = 0;
  private cursor = 0;
  private added = 0;
  private steps = 0;
  private readonly o: QNetworkOptions;
  private readonly tmp: Float64Array;

  constructor(readonly nFeatures: number, readonly nActions: number, private readonly rng: Rng, options: Partial<QNetworkOptions> = {}) {
    this.o = { ...Q_NETWORK_DEFAULTS, ...options };
    const sizes = [nFeatures, this.o.hidden, this.o.hidden, nActions];
    this.online = new Mlp(sizes, rng, this.o.lr);
    this.target = new Mlp(sizes, rng, this.o.lr);
    this.online.copyTo(this.target);
    this.xs = new Float32Array(this.o.replay * nFeatures);
    this.rs = new Float32Array(this.o.replay * nActions);
    this.nextXs = new Float32Array(this.o.replay * nFeatures);
    this.hasNext = new Uint8Array(this.o.replay);
    this.tmp = new Float64Array(nActions);
  }

  /** Gradient steps taken so far. */
  get trainSteps(): number {
    return this.steps;
  }

  /** Q(x, .) from the online network. */
  predict(x: ArrayLike<number>, out: Float64Array): void {
    this.online.forward(x, out);
  }

  /** Stores one transition (rewards of every action) and trains when it is time. */
  observe(x: ArrayLike<number>, rewards: ArrayLike<number>, next?: ArrayLike<number>): void {
    const k = this.cursor;
    for (let i = 0; i < this.nFeatures; i++) this.xs[k * this.nFeatures + i] = x[i] ?? 0;
    for (let a = 0; a < this.nActions; a++) this.rs[k * this.nActions + a] = rewards[a] ?? 0;
    this.hasNext[k] = next ? 1 : 0;
    if (next) for (let i = 0; i < this.nFeatures; i++) this.nextXs[k * this.nFeatures + i] = next[i] ?? 0;
    this.cursor = (k + 1) % this.o.replay;
    this.size = Math.min(this.size + 1, this.o.replay);
    this.added++;
    if (this.size >= this.o.batch && this.added % this.o.trainEvery === 0) this.trainStep();
  }

  private trainStep(): void {
    const xs: Float32Array[] = [];
    const ys: Float64Array[] = [];
    for (let b = 0; b < this.o.batch; b++) {
      const k = this.rng.int(this.size);
      const x = this.xs.subarray(k * this.nFeatures, (k + 1) * this.nFeatures);
      const y = new Float64Array(this.nActions);
      let boot = 0;
      if (this.o.gamma > 0 && this.hasNext[k] === 1) {
        this.target.forward(this.nextXs.subarray(k * this.nFeatures, (k + 1) * this.nFeatures), this.tmp);
        boot = this.o.gamma * Math.max(...this.tmp);
      }
      for (let a = 0; a < this.nActions; a++) y[a] = (this.rs[k * this.nActions + a] ?? 0) + boot;
      xs.push(x);
      ys.push(y);
    }
    this.online.trainBatch(xs, ys);
    this.steps++;
    if (this.steps % this.o.syncEvery === 0) this.online.copyTo(this.target);
  }

  /** Bytes held: two networks (weights) plus Adam moments, plus the replay buffer. */
  byteSize(): number {
    const params = this.online.parameterCount;
    return params * 8 * 4 + this.xs.byteLength + this.rs.byteLength + this.nextXs.byteLength + this.hasNext.byteLength;
  }
}
