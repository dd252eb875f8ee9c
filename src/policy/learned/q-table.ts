/**
 * A tabular action-value function Q(s, a) with the Q-learning update
 *   Q(s,a) <- Q(s,a) + alpha * (r + gamma * max_a' Q(s',a') - Q(s,a)).
 * The step size is 1/n (a sample average) until it reaches `minAlpha`, then constant, so early
 * estimates settle fast and later ones still track drift.
 */
export class QTable {
  readonly q: Float32Array;
  readonly visits: Uint32Array;

  constructor(readonly nStates: number, readonly nActions: number, readonly minAlpha = 0.01, readonly gamma = 0) {
    this.q = new Float32Array(nStates * nActions);
    this.visits = new Uint32Array(nStates);
  }

  /** Q(s, a). */
  get(s: number, a: number): number {
    return this.q[s * this.nActions + a] ?? 0;
  }

  /** max over a of Q(s, a). */
  maxQ(s: number): number {
    let m = -Infinity;
    for (let a = 0; a < this.nActions; a++) m = Math.max(m, this.get(s, a));
    return m;
  }

  /** The step size the next update of state `s` will use. */
  alpha(s: number): number {
    return Math.max(1 / ((this.visits[s] ?? 0) + 1), this.minAlpha);
  }

  /**
   * One Q-learning step for every action at once (full information: the reward of each action
   * is known in hindsight). `next` is the following state, or -1 when terminal / gamma = 0.
   */
  updateAll(s: number, rewards: ArrayLike<number>, next = -1): void {
    const alpha = this.alpha(s);
    const boot = this.gamma > 0 && next >= 0 ? this.gamma * this.maxQ(next) : 0;
    const base = s * this.nActions;
    for (let a = 0; a < this.nActions; a++) {
      const q = this.q[base + a] ?? 0;
      this.q[base + a] = q + alpha * ((rewards[a] ?? 0) + boot - q);
    }
    this.visits[s] = (this.visits[s] ?? 0) + 1;
  }

  /** One Q-learning step for a single action (the textbook update, kept for tests and sampled play). */
  update(s: number, a: number, reward: number, next = -1): void {
    const alpha = this.alpha(s);
    const boot = this.gamma > 0 && next >= 0 ? this.gamma * this.maxQ(next) : 0;
    const i = s * this.nActions + a;
    const q = this.q[i] ?? 0;
    this.q[i] = q + alpha * (reward + boot - q);
    this.visits[s] = (this.visits[s] ?? 0) + 1;
  }

  toJSON(): { q: number[]; visits: number[] } {
    return { q: Array.from(this.q), visits: Array.from(this.visits) };
  }

  load(j: { q: number[]; visits: number[] }): void {
    if (j.q.length !== this.q.length || j.visits.length !== this.visits.length) throw new TypeError('Q-table shape mismatch');
    this.q.set(j.q);
    this.visits.set(j.visits);
  }
}
