import type { AnomalyModel } from '../model/anomaly-model.ts';

/**
 * The scorer's current model, swappable while batches run. A batch acquires the model it starts
 * with and releases it when done, so a swap never changes the model under a batch, and a replaced
 * model's tensors are freed only once the last batch using it has finished.
 */
export interface ModelSlot {
  current(): AnomalyModel | null;
  acquire(): AnomalyModel | null;
  release(model: AnomalyModel | null): void;
  /** Makes `next` current; returns the version it replaced. */
  swap(next: AnomalyModel): string | null;
  /** Frees every model the slot holds (at shutdown, after the last batch). */
  dispose(): void;
}

export function createModelSlot(initial: AnomalyModel | null): ModelSlot {
  let active = initial;
  const users = new Map<AnomalyModel, number>();
  const retired = new Set<AnomalyModel>();

  const disposeIfUnused = (model: AnomalyModel) => {
    if (users.has(model)) {
      retired.add(model);
    } else {
      retired.delete(model);
      model.dispose();
    }
  };

  return {
    current: () => active,
    acquire() {
      if (active !== null) users.set(active, (users.get(active) ?? 0) + 1);
      return active;
    },
    release(model) {
      if (model === null) return;
      const left = (users.get(model) ?? 1) - 1;
      if (left > 0) {
        users.set(model, left);
        return;
      }
      users.delete(model);
      if (retired.has(model)) disposeIfUnused(model);
    },
    swap(next) {
      const previous = active;
      active = next;
      if (previous !== null && previous !== next) disposeIfUnused(previous);
      return previous?.version ?? null;
    },
    dispose() {
      for (const model of retired) model.dispose();
      retired.clear();
      active?.dispose();
      active = null;
    },
  };
}
