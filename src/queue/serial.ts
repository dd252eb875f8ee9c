/**
 * Runs an async pass one at a time: a pass asked for while one runs is folded into a single rerun
 * right after it. The dispatcher's and the scheduler's ticks await their store (a server database
 * takes a round trip), and two overlapping ticks would claim past the in-flight limit or read the
 * same due schedules twice.
 */
export class SerialPass {
  private running = false;
  private again = false;

  /** `pass` is the work; `stopped` ends the reruns once the owner closes. */
  constructor(
    private readonly pass: () => Promise<void>,
    private readonly stopped: () => boolean,
  ) {}

  async run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.stopped());
    } finally {
      this.running = false;
    }
  }
}
