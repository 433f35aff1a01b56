import { EventEmitter } from 'node:events';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import type pg from 'pg';
import { LabelSchema, parseMessage } from '../domain/index.ts';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import { announceChampion } from '../registry/announce-champion.ts';
import { type TrainingOutcome, trainHeadCandidate } from './head-candidate.ts';

export interface LabelTrainerDeps {
  config: Pick<Config, 'topics' | 'trainer' | 'policy'>;
  kafka: Kafka;
  pool: pg.Pool;
  /** Announces a promoted champion on `model-updates`. */
  producer: Producer;
  logger: Logger;
  actor: string;
}

export interface LabelTrainer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Asks for a training round after the debounce; rounds never overlap. */
  requestTraining(): void;
  readonly events: EventEmitter<{ outcome: [TrainingOutcome]; failed: [Error] }>;
}

/**
 * The online half of the feedback loop. Labels on the `labels` topic are the trigger: a few seconds
 * after the last one (the debounce, so a burst of labels makes one round), a round trains a head on
 * every label in Postgres, gates it against the champion, and announces a promotion so scorers swap
 * to it. Postgres is the source of the labels, so a label whose topic copy was late or lost still
 * trains the next round, and a restarted trainer starts with a round of its own.
 */
export function createLabelTrainer(deps: LabelTrainerDeps): LabelTrainer {
  const { config, pool } = deps;
  const logger = deps.logger.child({ component: 'label-trainer' });
  const events = new EventEmitter<{ outcome: [TrainingOutcome]; failed: [Error] }>();
  let consumer: Consumer | null = null;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | null = null;
  let pending = false;
  let stopped = false;

  async function train(): Promise<void> {
    const outcome = await trainHeadCandidate(pool, config.policy, config.trainer.head, deps.actor, logger);
    if (outcome.status === 'skipped') {
      logger.info({ reason: outcome.reason }, 'no training round: waiting for labels');
    } else {
      logger.info({ status: outcome.status, candidate: outcome.candidateId, champion: outcome.championId, reason: outcome.reason }, `candidate ${outcome.status}`);
      if (outcome.status === 'promoted') await announceChampion(pool, deps.producer, config.topics['model-updates']);
    }
    events.emit('outcome', outcome);
  }

  function runRound(): void {
    if (round) {
      pending = true;
      return;
    }
    round = train()
      .catch((error: unknown) => {
        logger.error({ err: error }, 'training round failed; the next label triggers another');
        events.emit('failed', error as Error);
      })
      .finally(() => {
        round = null;
        if (pending && !stopped) {
          pending = false;
          runRound();
        }
      });
  }

  function requestTraining(): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(runRound, config.trainer.debounceMs);
  }

  return {
    events,
    requestTraining,
    async start() {
      consumer = deps.kafka.consumer({ groupId: config.trainer.groupId });
      await consumer.connect();
      await consumer.subscribe({ topic: config.topics.labels, fromBeginning: true });
      await consumer.run({
        eachBatch: async ({ batch }) => {
          const valid = batch.messages.filter((message) => {
            const ok = parseMessage(LabelSchema, message.value) !== null;
            if (!ok) logger.warn({ partition: batch.partition, offset: message.offset }, 'ignoring a malformed record on the labels topic');
            return ok;
          });
          if (valid.length > 0) requestTraining();
        },
      });
      requestTraining();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await consumer?.disconnect();
      await round;
    },
  };
}
