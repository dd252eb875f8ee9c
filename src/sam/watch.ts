/**
 * `--watch`: redeploys when files under a folder change. Changes are debounced (editors write
 * several files, and rename-then-write), and deployments never overlap: a change during a
 * deployment schedules exactly one more.
 */
import { watch, type FSWatcher } from 'node:fs';

/** Never a reason to redeploy: version control, Nimbus's data, SAM's build output. */
const IGNORED = /(^|[/\\])(\.git|\.nimbus|\.aws-sam|\.DS_Store)([/\\]|$)/;

export interface Watcher {
  close(): void;
}

export function watchAndRedeploy(dir: string, deploy: () => Promise<void>, opts: { debounceMs?: number; onError: (e: unknown) => void }): Watcher {
  const debounceMs = opts.debounceMs ?? 300;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await deploy();
    } catch (e) {
      opts.onError(e);
    } finally {
      running = false;
      if (again) {
        again = false;
        void run();
      }
    }
  };
  const w: FSWatcher = watch(dir, { recursive: true }, (_event, file) => {
    if (file && IGNORED.test(String(file))) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run(), debounceMs);
  });
  return {
    close: () => {
      clearTimeout(timer);
      w.close();
    },
  };
}
