/**
 * The deadlines of the invocations out now, on one timer for the whole server instead of a
 * `setTimeout` and a `clearTimeout` per invocation (a Timeout object, a timer list per distinct
 * duration, two list updates; docs/performance.md, "Fourth pass").
 *
 * The entries sit in a binary min-heap that knows each entry's place, so an invocation that
 * ends removes its entry at once (the heap only ever holds the invocations out). The timer is
 * moved only when a new deadline is earlier than the one it is armed for; when an earlier entry
 * is removed the timer is left as it is, fires early, finds nothing due and re-arms for the
 * earliest deadline left. With one timeout per function the deadlines arrive in order, so a warm
 * function under load touches the timer about once per timeout, not once per invocation.
 */

export interface Deadline {
  /** Epoch ms. */
  readonly at: number;
  readonly fire: () => void;
  /** Its place in the heap; -1 once removed or fired. */
  index: number;
}

export class Deadlines {
  private readonly heap: Deadline[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** When the armed timer fires (epoch ms); Infinity when none is armed. */
  private armedAt = Infinity;

  constructor(
    private readonly now: () => number = Date.now,
    /** Where a callback's error goes: by default thrown again from its own tick, as an uncaught error would be. */
    private readonly onError: (e: unknown) => void = (e) => process.nextTick(() => {
      throw e;
    }),
  ) {}

  /** Calls `fire` once `at` (epoch ms) has passed, unless `remove` comes first. */
  add(at: number, fire: () => void): Deadline {
    const d: Deadline = { at, fire, index: this.heap.length };
    this.heap.push(d);
    this.up(d.index);
    if (at < this.armedAt) this.arm(at);
    // Idle, the timer does not hold the process open; busy, it does (as each invocation's did).
    else if (this.heap.length === 1) this.timer?.ref();
    return d;
  }

  /** Forgets `d` (its invocation ended); harmless when it already fired or was removed. */
  remove(d: Deadline): void {
    const i = d.index;
    if (i < 0) return;
    d.index = -1;
    const last = this.heap.pop()!;
    if (last !== d) {
      this.heap[i] = last;
      last.index = i;
      this.down(i);
      this.up(last.index);
    }
    if (this.heap.length === 0) this.timer?.unref();
  }

  /** Deadlines out now (for tests). */
  get size(): number {
    return this.heap.length;
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(() => this.run(), Math.max(0, at - this.now()));
  }

  private run(): void {
    this.timer = null;
    this.armedAt = Infinity;
    const now = this.now();
    while (this.heap.length > 0 && this.heap[0]!.at <= now) {
      const d = this.heap[0]!;
      this.remove(d);
      // One timer holds every invocation's deadline: a callback that throws must not leave the
      // others unfired or unarmed.
      try {
        d.fire();
      } catch (e) {
        this.onError(e);
      }
    }
    if (this.heap.length > 0) this.arm(this.heap[0]!.at);
  }

  private up(i: number): void {
    const h = this.heap;
    const d = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (parent.at <= d.at) break;
      h[i] = parent;
      parent.index = i;
      i = p;
    }
    h[i] = d;
    d.index = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const d = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r]!.at < h[l]!.at ? r : l;
      const child = h[c]!;
      if (child.at >= d.at) break;
      h[i] = child;
      child.index = i;
      i = c;
    }
    h[i] = d;
    d.index = i;
  }
}
