import type { Producer } from 'kafkajs';
import type pg from 'pg';
import { type ModelVersion, ModelVersionSchema } from '../domain/index.ts';
import { announcement, findChampion } from './model-store.ts';

/** One key on the compacted `model-updates` topic: compaction keeps the latest champion only. */
export const CHAMPION_KEY = 'champion';

/**
 * Publishes the registry's current champion on `model-updates`. Postgres is the truth and the
 * announcement a nudge: it reads the champion at call time, so announcing again (after a failed
 * send, or twice) is harmless, and scorers that miss it still find the champion by polling.
 */
export async function announceChampion(pool: Pick<pg.Pool, 'query'>, producer: Producer, topic: string): Promise<ModelVersion | null> {
  const champion = await findChampion(pool);
  if (champion === null) return null;
  const message = ModelVersionSchema.parse(announcement(champion));
  await producer.send({ topic, messages: [{ key: CHAMPION_KEY, value: JSON.stringify(message) }] });
  return message;
}
