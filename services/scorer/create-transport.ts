import type { Kafka } from 'kafkajs';
import type { Config } from '../platform/config.ts';
import { createKafka, SERVICE_RETRY } from '../platform/kafka.ts';
import type { Logger } from '../platform/logger.ts';
import { createKafkajsTransport } from './kafkajs-transport.ts';
import { createPlatformaticTransport } from './platformatic-transport.ts';
import type { ScorerTransport } from './transport.ts';

export interface TransportOptions {
  /** The kafkajs client to use (kafkajs only; by default one with the service's retry settings). */
  kafka?: Kafka;
  /** Records per database and Kafka transaction (default LOUPE_SCORER_BATCH_SIZE). Larger chunks amortise commits; smaller ones cut latency. */
  chunkSize?: number;
}

/** The scorer's transport on the configured Kafka client (LOUPE_SCORER_KAFKA_CLIENT). */
export function createScorerTransport(config: Pick<Config, 'kafka' | 'topics' | 'scorer'>, logger: Logger, options: TransportOptions = {}): ScorerTransport {
  const chunkSize = options.chunkSize ?? config.scorer.batchSize;
  if (config.scorer.kafkaClient === 'platformatic') return createPlatformaticTransport({ config, logger, chunkSize });
  return createKafkajsTransport({ kafka: options.kafka ?? createKafka(config, logger, SERVICE_RETRY), config, logger, chunkSize });
}
