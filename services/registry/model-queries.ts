// Registry queries beyond model-store.ts: saving a trained version with its audit entry, listing
// versions without their weights, and finding the champion a rollback returns to.
import type pg from 'pg';
import { insertModel, type NewModelVersion, promoteModel, type StoredModel } from './model-store.ts';
import { appendAudit } from '../platform/audit-log.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/**
 * Inserts a trained version and its `model.trained` audit entry and, with `promoteReason`, makes
 * it champion, all on the caller's client inside its transaction. Returns the promoted champion, or
 * null when the version was stored as a candidate.
 */
export async function saveModelVersion(client: pg.PoolClient, model: NewModelVersion, actor: string, promoteReason: string | null): Promise<StoredModel | null> {
  await insertModel(client, model);
  await appendAudit(client, {
    actor,
    kind: 'model.trained',
    subject: model.id,
    payload: {
      featureSpecVersion: model.featureSpecVersion,
      parentId: model.parentId,
      trainingFrom: model.trainingFrom,
      trainingTo: model.trainingTo,
      source: model.training['source'],
      rows: model.training['rows'],
      epochs: model.training['epochs'],
      seconds: model.training['seconds'],
      backend: model.training['backend'],
      metrics: model.metrics,
    },
  });
  return promoteReason === null ? null : promoteModel(client, model.id, actor, promoteReason);
}

export interface ModelSummary {
  id: string;
  status: StoredModel['status'];
  featureSpecVersion: string;
  createdAt: string;
  metrics: Record<string, number>;
  parentId: string | null;
  promotedAt: string | null;
  reason: string | null;
}

interface SummaryRow {
  id: string;
  status: StoredModel['status'];
  feature_spec_version: string;
  created_at: Date;
  metrics: Record<string, number>;
  parent_id: string | null;
  promoted_at: Date | null;
  reason: string | null;
}

/** The newest `limit` versions, newest first, without weights. */
export async function listModelSummaries(db: Queryable, limit: number): Promise<ModelSummary[]> {
  const { rows } = await db.query<SummaryRow>(
    `SELECT id, status, feature_spec_version, created_at, metrics, parent_id, promoted_at, reason
       FROM model_versions ORDER BY created_at DESC, id DESC LIMIT $1`,
    [limit],
  );
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    featureSpecVersion: row.feature_spec_version,
    createdAt: row.created_at.toISOString(),
    metrics: row.metrics,
    parentId: row.parent_id,
    promotedAt: row.promoted_at?.toISOString() ?? null,
    reason: row.reason,
  }));
}

/**
 * The id of the model most recently retired by a promotion and still retired: the champion a
 * rollback returns to. Read from the audit trail (each `model.promoted` entry names the champion
 * it retired) rather than from promoted_at, which says when a model became champion, not when it
 * stopped being one.
 */
export async function findPreviousChampionId(db: Queryable): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT m.id FROM audit_log a
       JOIN model_versions m ON m.id = a.payload->>'previousChampion'
      WHERE a.kind = 'model.promoted' AND m.status = 'retired'
      ORDER BY a.id DESC LIMIT 1`,
  );
  return rows[0]?.id ?? null;
}
