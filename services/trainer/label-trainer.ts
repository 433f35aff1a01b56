import { EventEmitter } from 'node:events';
import type { Batch, Consumer, Kafka, Producer } from 'kafkajs';
import type { z } from 'zod';
import type pg from 'pg';
import { ChargebackMessageSchema, LabelSchema, parseMessage } from '../domain/index.ts';
import { recordChargebacks } from '../labels/import-chargebacks.ts';
import { createLabelOutbox } from '../labels/label-outbox.ts';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import { announceChampion } from '../registry/announce-champion.ts';
import { type TrainingOutcome, trainHeadCandidate } from './head-candidate.ts';
import { refreshAutoencoder } from './refresh-autoencoder.ts';

export interface LabelTrainerDeps {
  config: Pick<Config, 'topics' | 'trainer' | 'policy'>;
  kafka: Kafka;
  pool: pg.Pool;
  /** Announces a promoted champion on `model-updates`. */
  producer: Producer;
  logger: Logger;
  actor: string;
  /** The TensorFlow.js backend in use, recorded with a refreshed autoencoder. */
  backend: string;
}

export interface LabelTrainer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Asks for a training round after the debounce; rounds never overlap. */
  requestTraining(): void;
  /** Runs a refresh round (autoencoder fine-tuned on recent traffic, then a head) as soon as possible. */
  requestRefresh(): void;
  readonly events: EventEmitter<{ outcome: [TrainingOutcome]; failed: [Error] }>;
}

/** How often the trainer publishes labels it recorded (from chargebacks) that are still in the outbox. */
const OUTBOX_INTERVAL_MS = 2000;

/**
 * The online half of the feedback loop. Labels on the `labels` topic are the trigger: a few seconds
 * after the last one (the debounce, so a burst of labels makes one round), a round trains a head on
 * every label in Postgres, gates it against the champion, and announces a promotion so scorers swap
 * to it. Postgres is the source of the labels, so a label whose topic copy was late or lost still
 * trains the next round, and a restarted trainer starts with a round of its own.
 *
 * Chargebacks arriving on the `chargebacks` topic are recorded here as labels with source
 * `chargeback` (once each, however often the topic delivers them) and trigger a round too.
 */
export function createLabelTrainer(deps: LabelTrainerDeps): LabelTrainer {
  const { config, pool } = deps;
  const logger = deps.logger.child({ component: 'label-trainer' });
  const events = new EventEmitter<{ outcome: [TrainingOutcome]; failed: [Error] }>();
  let consumer: Consumer | null = null;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | null = null;
  let pending: 'head' | 'refresh' | null = null;
  let refreshTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const outbox = createLabelOutbox({ pool, producer: deps.producer, topic: config.topics.labels, logger });

  async function train(kind: 'head' | 'refresh'): Promise<void> {
    const { head, refresh } = config.trainer;
    const outcome =
      kind === 'refresh'
        ? await refreshAutoencoder(pool, config.policy, head, refresh, deps.backend, deps.actor, logger)
        : await trainHeadCandidate(pool, config.policy, head, deps.actor, logger);
    if (outcome.status === 'skipped') {
      logger.info({ kind, reason: outcome.reason }, 'no training round: waiting for labels or traffic');
    } else {
      logger.info({ status: outcome.status, candidate: outcome.candidateId, champion: outcome.championId, reason: outcome.reason }, `candidate ${outcome.status}`);
      if (outcome.status === 'promoted') await announceChampion(pool, deps.producer, config.topics['model-updates']);
    }
    events.emit('outcome', outcome);
  }

  // A refresh request wins over a pending head round: a refresh trains a head too.
  function runRound(kind: 'head' | 'refresh' = 'head'): void {
    if (round) {
      pending = pending === 'refresh' || kind === 'refresh' ? 'refresh' : 'head';
      return;
    }
    round = train(kind)
      .catch((error: unknown) => {
        logger.error({ err: error }, 'training round failed; the next label triggers another');
        events.emit('failed', error as Error);
      })
      .finally(() => {
        round = null;
        const next = pending;
        pending = null;
        if (next !== null && !stopped) runRound(next);
      });
  }

  function validMessages<T extends z.ZodType>(schema: T, batch: Batch): Array<z.infer<T>> {
    return batch.messages.flatMap((message) => {
      const parsed = parseMessage(schema, message.value);
      if (parsed === null) logger.error({ topic: batch.topic, partition: batch.partition, offset: message.offset }, 'skipping a malformed record');
      return parsed === null ? [] : [parsed];
    });
  }

  function requestTraining(): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => runRound('head'), config.trainer.debounceMs);
  }

  function requestRefresh(): void {
    if (!stopped) runRound('refresh');
  }

  return {
    events,
    requestTraining,
    requestRefresh,
    async start() {
      consumer = deps.kafka.consumer({ groupId: config.trainer.groupId });
      await consumer.connect();
      await consumer.subscribe({ topics: [config.topics.labels, config.topics.chargebacks], fromBeginning: true });
      await consumer.run({
        eachBatch: async ({ batch }) => {
          if (batch.topic !== config.topics.chargebacks) {
            if (validMessages(LabelSchema, batch).length > 0) requestTraining();
            return;
          }
          const chargebacks = validMessages(ChargebackMessageSchema, batch).map((message) => ({
            transactionId: message.transactionId,
            label: message.label,
            knownAt: new Date(message.reportedAt),
            reasonCode: message.reasonCode,
          }));
          if (chargebacks.length === 0) return;
          const counts = await recordChargebacks(pool, chargebacks, 'chargebacks-topic');
          logger.info({ ...counts, partition: batch.partition }, 'chargebacks recorded');
          await outbox.flush().catch((error: unknown) => logger.warn({ err: error }, 'label outbox: publish failed; will retry'));
          requestTraining();
        },
      });
      outbox.start(OUTBOX_INTERVAL_MS);
      requestTraining();
      if (config.trainer.refresh.everyHours > 0) {
        refreshTimer = setInterval(requestRefresh, config.trainer.refresh.everyHours * 3_600_000);
        refreshTimer.unref();
      }
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(refreshTimer);
      await consumer?.disconnect();
      await outbox.stop();
      await round;
    },
  };
}
