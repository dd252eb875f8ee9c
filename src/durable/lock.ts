/** Serialises the read-modify-write of one key (an execution): each holder runs after the one before it, failed or not. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, f: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const run = prev.then(f, f);
    const tail = run.then(() => undefined, () => undefined);
    this.tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Settles when every holder has run. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.tails.values()]);
  }
}
