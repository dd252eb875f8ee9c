/**
 * A one-line progress bar on a TTY stream (nothing when the stream is not a terminal, so
 * logs and CI output stay clean). Redraws at most every 100 ms.
 */
export class ProgressBar {
  private last = 0;
  private readonly enabled: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly width = 30) {
    this.enabled = Boolean(stream.isTTY);
  }

  /** Shows `fraction` (0..1) of the whole job with a label. */
  update(fraction: number, label: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100 && fraction < 1) return;
    this.last = now;
    const f = Math.max(0, Math.min(1, fraction));
    const full = Math.round(f * this.width);
    this.stream.write(`\r[${'#'.repeat(full)}${'.'.repeat(this.width - full)}] ${(f * 100).toFixed(0).padStart(3)}% ${label}\x1b[K`);
  }

  /** Clears the line. */
  done(): void {
    if (this.enabled) this.stream.write('\r\x1b[K');
  }
}
