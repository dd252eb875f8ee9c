/** Sandbox uids: one per live sandbox, shared by namespace and (as root) process isolation. */
/**
 * Gives every live sandbox its own uid (and gid of the same number), so that even a process that
 * escaped its namespaces could not signal, ptrace or read another function's processes and files.
 * The range sits above the ones Debian and useradd hand out (system < 1000, users < 60000).
 */
export class UidPool {
  private readonly used = new Set<number>();
  private next: number;

  /** `start` spreads Nimbus instances on one host over the range (the factory derives it from its tag). */
  constructor(
    readonly base = 200_000,
    readonly size = 65_536,
    start = 0,
  ) {
    this.next = start % size;
  }

  take(): number {
    for (let i = 0; i < this.size; i++) {
      const uid = this.base + ((this.next + i) % this.size);
      if (!this.used.has(uid)) {
        this.used.add(uid);
        this.next = (this.next + i + 1) % this.size;
        return uid;
      }
    }
    throw new Error('no free sandbox uid');
  }

  give(uid: number): void {
    this.used.delete(uid);
  }
}
