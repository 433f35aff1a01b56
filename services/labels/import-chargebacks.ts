import type pg from 'pg';
import type { LabelValue } from '../domain/index.ts';
import { withTransaction } from '../platform/postgres.ts';
import { recordLabel } from './record-label.ts';

/** A delayed label from the issuer: a chargeback (fraud) or, after the dispute window, legitimate. */
export interface Chargeback {
  transactionId: string;
  label: LabelValue;
  /** When the label became known (not when the transaction happened). */
  knownAt: Date;
  reasonCode?: string | undefined;
}

export interface ImportCounts {
  recorded: number;
  /** Already recorded (same transaction and time): a re-run or a redelivered message. */
  alreadyKnown: number;
}

/**
 * Records chargebacks as labels with source `chargeback`, one transaction per call: each goes
 * through recordLabel (labels, outbox, audit). One already recorded is counted and skipped, so an
 * import can be re-run after a failure and a topic may redeliver.
 */
export async function recordChargebacks(pool: pg.Pool, chargebacks: readonly Chargeback[], importer: string): Promise<ImportCounts> {
  if (chargebacks.length === 0) return { recorded: 0, alreadyKnown: 0 };
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ key: string }>(
      `SELECT transaction_id || '@' || (extract(epoch FROM labeled_at) * 1000)::bigint AS key FROM labels
        WHERE source = 'chargeback' AND transaction_id = ANY($1)`,
      [chargebacks.map((c) => c.transactionId)],
    );
    const known = new Set(rows.map((row) => row.key));
    let recorded = 0;
    for (const chargeback of chargebacks) {
      const key = `${chargeback.transactionId}@${chargeback.knownAt.getTime()}`;
      if (known.has(key)) continue;
      known.add(key);
      await recordLabel(client, {
        transactionId: chargeback.transactionId,
        label: chargeback.label,
        analyst: importer,
        source: 'chargeback',
        reasonCode: chargeback.reasonCode,
        labeledAt: chargeback.knownAt,
      });
      recorded += 1;
    }
    return { recorded, alreadyKnown: chargebacks.length - recorded };
  });
}
