/**
 * What a deployment changed, as the steps that undo it: each applied change pushes its inverse
 * (delete what was created, put back what was replaced), and a failed deployment runs them newest
 * first, as CloudFormation's UPDATE_ROLLBACK puts every resource back to its previous state. An
 * undo step that fails is recorded and the others still run: a rollback restores what it can.
 */
import { messageOf } from '../../core/errors.js';

export class Journal {
  private readonly steps: { what: string; undo: () => unknown }[] = [];

  /** Records how to undo a change that has just been made. */
  push(what: string, undo: () => unknown): void {
    this.steps.push({ what, undo });
  }

  /** Undoes every recorded change, newest first; returns what could not be undone, and why. */
  async rollback(): Promise<string[]> {
    const failed: string[] = [];
    for (const s of this.steps.splice(0).reverse()) {
      try {
        await s.undo();
      } catch (e) {
        failed.push(`${s.what}: ${messageOf(e)}`);
      }
    }
    return failed;
  }
}
