import type pg from 'pg';
import { ReviewError } from '../errors.ts';
import { REVIEW_ITEM_COLUMNS, type ReviewItemRow } from './review-item-row.ts';

/**
 * Locks item `itemId` for the rest of the transaction and checks that `analyst` holds it with a
 * live lease. The checks run on the locked row, so a claim or label racing this one waits and then
 * sees the outcome, never an overwrite.
 */
export async function lockClaimedItem(client: pg.PoolClient, itemId: number, analyst: string): Promise<ReviewItemRow> {
  const { rows } = await client.query<ReviewItemRow & { lease_live: boolean }>({
    name: 'lock-claimed-item',
    text: `SELECT ${REVIEW_ITEM_COLUMNS}, lease_expires_at > now() AS lease_live FROM review_items WHERE id = $1 FOR UPDATE`,
    values: [itemId],
  });
  const row = rows[0];
  if (!row) throw new ReviewError('NOT_FOUND', `review item ${itemId} does not exist`);
  if (row.status === 'labeled') throw new ReviewError('ALREADY_LABELED', `review item ${itemId} is already labelled`);
  if (row.status !== 'claimed' || row.claimed_by !== analyst) {
    throw new ReviewError('NOT_YOURS', `review item ${itemId} is not claimed by you; claim it first`);
  }
  if (!row.lease_live) throw new ReviewError('LEASE_EXPIRED', `your lease on review item ${itemId} has expired; claim again`);
  return row;
}
