/**
 * The output of a multi-concurrent sandbox split between its invocations (docs/multi-concurrency.md
 * "Logs"): the runtime's output is one stream; each invocation gets the whole lines that name its
 * request id, lines naming another invocation still in flight are kept for that one, and lines
 * naming none go to the invocation that ends first.
 *
 * Each line is looked at once, when the first invocation ends after it was written: a line kept
 * for others remembers which of them it names, so the next invocations to end pick their lines
 * out of the kept ones by id instead of scanning every kept line for every invocation in flight
 * again (measured: at 64 in flight with one log line per call, the rescan was a fifth of the
 * server's CPU).
 */
import { Buffer } from 'node:buffer';

interface Kept {
  line: string;
  /** The request ids in flight, when the line was read, that it names (at least one). */
  ids: string[];
}

export class ConcurrentLogs {
  /** Whole lines kept for invocations still in flight, in the order they were written. */
  private kept: Kept[] = [];
  /** UTF-8 size of the kept lines (the sandbox counts them against its output limit). */
  bytes = 0;

  /**
   * Splits `text` (the output captured since the last call) for invocation `requestId`, which
   * ends while `running` (not including it) are still in flight. Returns this invocation's lines
   * (kept ones first: they were written earlier) and the unfinished last line of `text`, which
   * stays with the caller's buffer.
   */
  take(text: string, requestId: string, running: ReadonlySet<string>): { mine: string; rest: string } {
    let mine = '';
    if (this.kept.length > 0) {
      const still: Kept[] = [];
      for (const k of this.kept) {
        // Its own line, or one whose invocations have all ended (without taking it): this one's.
        if (k.ids.includes(requestId) || !k.ids.some((id) => running.has(id))) {
          mine += `${k.line}\n`;
          this.bytes -= Buffer.byteLength(k.line) + 1;
        } else still.push(k);
      }
      this.kept = still;
    }
    const cut = text.lastIndexOf('\n') + 1;
    for (let at = 0; at < cut; ) {
      const nl = text.indexOf('\n', at);
      const line = text.slice(at, nl);
      at = nl + 1;
      let ids: string[] | null = null;
      if (!line.includes(requestId)) {
        for (const id of running) {
          if (line.includes(id)) (ids ??= []).push(id);
        }
      }
      if (ids) {
        this.kept.push({ line, ids });
        this.bytes += Buffer.byteLength(line) + 1;
      } else mine += `${line}\n`;
    }
    return { mine, rest: text.slice(cut) };
  }

  /** Every kept line, in order (the last invocation out, or the sandbox ending, takes them all). */
  drain(): string {
    if (this.kept.length === 0) return '';
    const out = this.kept.map((k) => `${k.line}\n`).join('');
    this.kept = [];
    this.bytes = 0;
    return out;
  }
}
