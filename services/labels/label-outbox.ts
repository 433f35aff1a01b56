import type { Producer } from 'kafkajs';
import type pg from 'pg';
import type { Logger } from '../platform/logger.ts';
import { withTransaction } from '../platform/postgres.ts';
import { LABEL_COLUMNS, toLabel } from './record-label.ts';

export interface LabelOutboxDeps {
  pool: pg.Pool;
  producer: Producer;
  topic: string;
  logger: Logger;
  /** Labels sent per round; a backlog drains in rounds of this size. */
  batchSize?: number;
}

export interface LabelOutbox {
  /** Publishes every waiting label; resolves to how many were sent, rejects if a send failed. */
  flush(): Promise<number>;
  /** Flushes every `intervalMs` until stopped, so a label whose send failed still gets out. */
  start(intervalMs: number): void;
  /** Resolves once the drains already started or queued have finished, whatever their outcome. */
  idle(): Promise<void>;
  /** Stops the timer, then waits until idle. */
  stop(): Promise<void>;
}

/**
 * Drains `label_outbox` onto the `labels` topic, keyed by transaction id (a correction lands on the
 * same partition, after the label it corrects). Each round locks its rows with SKIP LOCKED, sends,
 * and deletes them in the same database transaction: a failed send rolls back and leaves them for
 * the next round; a crash after the send and before the commit sends them again. So delivery is at
 * least once, in label-id order per transaction, and consumers dedupe on the label id.
 */
export function createLabelOutbox(deps: LabelOutboxDeps): LabelOutbox {
  const batchSize = deps.batchSize ?? 500;
  let timer: NodeJS.Timeout | undefined;

  async function sendRound(): Promise<number> {
    return withTransaction(deps.pool, async (client) => {
      const { rows } = await client.query(
        `SELECT ${LABEL_COLUMNS} FROM labels
          WHERE id IN (SELECT label_id FROM label_outbox ORDER BY label_id LIMIT $1 FOR UPDATE SKIP LOCKED)
          ORDER BY id`,
        [batchSize],
      );
      if (rows.length === 0) return 0;
      const labels = rows.map(toLabel);
      await deps.producer.send({
        topic: deps.topic,
        messages: labels.map((label) => ({ key: label.transactionId, value: JSON.stringify(label), headers: { 'loupe-source': label.source } })),
      });
      await client.query('DELETE FROM label_outbox WHERE label_id = ANY($1::bigint[])', [labels.map((label) => label.id)]);
      return labels.length;
    });
  }

  async function drain(): Promise<number> {
    let sent = 0;
    for (;;) {
      const round = await sendRound();
      sent += round;
      if (round < batchSize) return sent;
    }
  }

  // One drain at a time in this process (other processes are kept apart by SKIP LOCKED). A drain in
  // flight may have read the outbox before the caller's label committed, so the caller waits for the
  // next drain; everyone who arrives meanwhile shares that one, instead of each running their own
  // after it (twenty labelling analysts meant twenty drains in a row, most of them empty).
  let running: Promise<number> | undefined;
  let next: Promise<number> | undefined;
  function flush(): Promise<number> {
    if (running === undefined) {
      running = drain().finally(() => {
        running = undefined;
      });
      return running;
    }
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return flush();
      });
    return next;
  }

  async function idle(): Promise<void> {
    // A queued drain runs after the one in flight; waiting for it covers both.
    await (next ?? running)?.catch(() => undefined);
  }

  return {
    flush,
    idle,
    start(intervalMs) {
      timer ??= setInterval(() => {
        flush().catch((error: unknown) => deps.logger.warn({ err: error }, 'label outbox: publish failed; will retry'));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await idle();
    },
  };
}
