import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type pg from 'pg';
import { ModelVersionSchema, parseMessage } from '../domain/index.ts';
import { type AnomalyModel, loadAnomalyModel } from '../model/index.ts';
import { appendAudit } from '../platform/audit-log.ts';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import { findChampion } from '../registry/model-store.ts';
import type { Scorer } from './scorer.ts';

export interface ChampionWatcherDeps {
  kafka: Kafka;
  pool: pg.Pool;
  logger: Logger;
  /** The scorer's topics and identity (its group and instance name the watcher's group and audit actor). */
  config: Pick<Config, 'topics' | 'scorer'>;
  /** The scorer to keep on the champion: its model version, and the swap between batches. */
  scorer: Pick<Scorer, 'status' | 'useModel'>;
  /** The feature spec this scorer was configured with; a champion of another spec is refused. */
  featureSpecVersion: string;
  pollSeconds: number;
}

export interface ChampionWatcher {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Compares the registry's champion with the model in use and swaps if they differ. */
  reconcile(): Promise<void>;
}

/**
 * Keeps a scorer on the registry's champion. An announcement on `model-updates` triggers a check at
 * once; a poll every `pollSeconds` catches an announcement that was never sent. Either way the
 * champion is read from Postgres, the truth, and loaded before the swap, so scoring never waits for
 * a model to load. A champion that cannot be used here (another feature spec, a corrupt artifact)
 * is refused with an error in the log and the current model keeps serving.
 */
export function createChampionWatcher(deps: ChampionWatcherDeps): ChampionWatcher {
  const logger = deps.logger.child({ component: 'champion-watcher' });
  let consumer: Consumer | null = null;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let again = false;
  let refused: string | null = null;

  async function check(): Promise<void> {
    const champion = await findChampion(deps.pool);
    if (champion === null || champion.id === deps.scorer.status().modelVersion || champion.id === refused) return;
    let model: AnomalyModel;
    try {
      if (champion.featureSpecVersion !== deps.featureSpecVersion) {
        throw new Error(`it uses feature spec ${champion.featureSpecVersion}; this scorer is configured for ${deps.featureSpecVersion} (LOUPE_FEATURE_SPEC)`);
      }
      model = loadAnomalyModel(champion);
    } catch (error) {
      refused = champion.id;
      logger.error({ err: error, modelVersion: champion.id }, 'new champion refused; the current model keeps serving');
      return;
    }
    const previous = deps.scorer.status().modelVersion;
    deps.scorer.useModel(model);
    await appendAudit(deps.pool, { actor: deps.config.scorer.instanceId, kind: 'model.activated', subject: champion.id, payload: { previous } });
  }

  // Checks never overlap; a request during a check runs one more check after it.
  async function reconcile(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await check();
      } while (again);
    })().finally(() => {
      running = null;
    });
    return running;
  }

  const reconcileLogged = () => reconcile().catch((error: unknown) => logger.warn({ err: error }, 'champion check failed; will retry'));

  return {
    reconcile,
    async start() {
      // A fresh group each start: the compacted topic is read from the beginning, no offsets are
      // committed, and the group is forgotten by the broker once empty.
      const { groupId, instanceId } = deps.config.scorer;
      consumer = deps.kafka.consumer({ groupId: `${groupId}.model-updates.${instanceId}.${randomUUID()}` });
      await consumer.connect();
      await consumer.subscribe({ topic: deps.config.topics['model-updates'], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          if (parseMessage(ModelVersionSchema, message.value) === null) {
            logger.warn({ offset: message.offset }, 'ignoring a malformed model-updates record');
            return;
          }
          await reconcileLogged();
        },
      });
      timer = setInterval(() => void reconcileLogged(), deps.pollSeconds * 1000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await consumer?.disconnect();
      await running?.catch(() => undefined);
    },
  };
}
