import type pg from 'pg';
import { type AnomalyModel, loadAnomalyModel } from '../model/anomaly-model.ts';
import { findModel } from '../registry/model-store.ts';

export interface ModelCache {
  get(id: string): Promise<AnomalyModel | null>;
  dispose(): void;
}

/**
 * Model versions loaded for replay, the most recently used `capacity` of them kept. Investigations
 * tend to replay many decisions of a few versions, and loading one means building its kernel. A
 * model is only used synchronously once loaded, so evicting it cannot pull it from under a replay.
 */
export function createModelCache(db: Pick<pg.Pool, 'query'>, capacity = 4): ModelCache {
  const loaded = new Map<string, Promise<AnomalyModel | null>>();
  return {
    get(id) {
      let model = loaded.get(id);
      if (model) {
        loaded.delete(id);
      } else {
        model = findModel(db, id).then((stored) => (stored ? loadAnomalyModel(stored) : null));
        model.catch(() => loaded.delete(id));
      }
      loaded.set(id, model);
      while (loaded.size > capacity) {
        const [oldest, evicted] = loaded.entries().next().value!;
        loaded.delete(oldest);
        void evicted.then((m) => m?.dispose(), () => {});
      }
      return model;
    },
    dispose() {
      for (const model of loaded.values()) void model.then((m) => m?.dispose(), () => {});
      loaded.clear();
    },
  };
}
