import { type FSWatcher, watch } from 'node:fs';
import { loadRuleSet, RuleSetError, type RuleSet } from './load-rule-set.ts';

export interface RuleSetWatcher {
  close(): void;
}

export interface RuleSetWatchHandlers {
  /** A valid set whose version differs from the last one seen. */
  onChange(ruleSet: RuleSet): void | Promise<void>;
  /** The files on disk do not form a valid set; the caller keeps serving the old one. */
  onRefused(error: RuleSetError | Error): void;
}

// Editors write a file in several steps (truncate, write, rename); wait for them to settle.
const DEBOUNCE_MS = 150;

/**
 * Watches `dir` and reports each new valid rule set. Reloads are serialised, so a slow load can never
 * overtake a newer one and activate stale rules.
 */
export function watchRuleSet(dir: string, currentVersion: string, handlers: RuleSetWatchHandlers): RuleSetWatcher {
  let lastVersion = currentVersion;
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<void> = Promise.resolve();
  let closed = false;

  const reload = async () => {
    if (closed) return;
    try {
      const ruleSet = await loadRuleSet(dir);
      if (closed || ruleSet.version === lastVersion) return;
      await handlers.onChange(ruleSet);
      lastVersion = ruleSet.version;
    } catch (error) {
      handlers.onRefused(error as Error);
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      reloading = reloading.then(reload);
    }, DEBOUNCE_MS);
  };
  const watcher: FSWatcher = watch(dir, { persistent: false }, schedule);
  watcher.on('error', (error) => handlers.onRefused(error));
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      watcher.close();
    },
  };
}
