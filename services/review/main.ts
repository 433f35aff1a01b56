import type { Server } from 'node:http';
import type { Config } from '../platform/config.ts';
import { createKafka, createProducer, ensureTopicsExist } from '../platform/kafka.ts';
import { stopOnSignals } from '../platform/lifecycle.ts';
import type { Logger } from '../platform/logger.ts';
import { createPool, migrate } from '../platform/postgres.ts';
import { createLabelOutbox } from '../labels/label-outbox.ts';
import { buildReviewApp } from './app.ts';

/** How often the outbox retries labels whose publish at label time failed. */
const OUTBOX_INTERVAL_MS = 2000;

/** Wires the review API to Postgres and Kafka, listens, and stops cleanly on a signal. */
export async function runReview(config: Config, logger: Logger): Promise<void> {
  await migrate(config.database, logger);
  const pool = createPool({ ...config.database, applicationName: 'loupe-review' });
  const kafka = createKafka(config, logger);
  await ensureTopicsExist(kafka, config);
  // Idempotent: a retried send after a lost acknowledgement does not put the label on the topic twice.
  const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  const labelOutbox = createLabelOutbox({ pool, producer, topic: config.topics.labels, logger: logger.child({ component: 'label-outbox' }) });
  // Labels left in the outbox by a crash or a broker outage go out now, then on the timer.
  await labelOutbox.flush().catch((error: unknown) => logger.warn({ err: error }, 'label outbox: first flush failed; will retry'));
  labelOutbox.start(OUTBOX_INTERVAL_MS);

  const app = buildReviewApp({
    pool,
    labelOutbox,
    logger: logger.child({ component: 'review' }),
    leaseSeconds: config.review.leaseSeconds,
    secureCookies: config.review.secureCookies,
  });
  const server: Server = app.listen(config.review.httpPort, '0.0.0.0');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  logger.info({ port: config.review.httpPort, leaseSeconds: config.review.leaseSeconds }, 'review API listening');

  stopOnSignals(logger, async () => {
    await new Promise((resolve) => server.close(resolve));
    await labelOutbox.stop();
    await producer.disconnect();
    await pool.end();
  });
}
