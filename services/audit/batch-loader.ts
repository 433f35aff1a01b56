/**
 * Loads by key in batches: every key asked for in the same turn of the event loop goes to `load` in
 * one call (one query for the model versions of a page of decisions, not one per decision), each
 * distinct key once. Nothing is kept after a batch: a subscription's context lives as long as the
 * subscription, and a cache there would only grow.
 */
export function batchLoader<K, V>(load: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>): (key: K) => Promise<V | null> {
  let batch: { keys: Set<K>; result: Promise<ReadonlyMap<K, V>> } | null = null;
  return async (key) => {
    if (batch === null) {
      const keys = new Set<K>();
      const waitForTurnToEnd = new Promise<void>((resolve) => setImmediate(resolve));
      batch = {
        keys,
        result: waitForTurnToEnd.then(() => {
          batch = null;
          return load([...keys]);
        }),
      };
    }
    batch.keys.add(key);
    return (await batch.result).get(key) ?? null;
  };
}
