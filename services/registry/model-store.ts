import type pg from 'pg';
import type { ModelVersion } from '../domain/index.ts';
import type { FeatureSpec } from '../features/feature-spec.ts';
import { appendAudit } from '../platform/audit-log.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/** Everything needed to rebuild a model exactly: spec, manifest, weights, calibration. */
export interface StoredModel {
  id: string;
  parentId: string | null;
  featureSpec: FeatureSpec;
  featureSpecVersion: string;
  /** Architecture, feature names and weight shapes (services/model/serialise.ts). */
  manifest: Record<string, unknown>;
  normalisation: Record<string, unknown>;
  weights: Buffer;
  /** Quantile sketch of errors on recent legitimate traffic. */
  calibration: Record<string, unknown>;
  /** The supervised head trained on labels, or null for an autoencoder alone. */
  head: Record<string, unknown> | null;
  /**
   * The head the promotion gate judged, when `head` is that recipe refit on every label (held-out
   * ones included); null when `head` is itself the judged one. A later gate judges against this.
   */
  gatedHead: Record<string, unknown> | null;
  metrics: Record<string, number>;
  /** Source, data range, row counts, loss curve. */
  training: Record<string, unknown>;
  trainingFrom: string | null;
  trainingTo: string | null;
  status: 'candidate' | 'champion' | 'rejected' | 'retired';
  reason: string | null;
  promotedBy: string | null;
  promotedAt: string | null;
}

interface ModelRow {
  id: string;
  parent_id: string | null;
  feature_spec: FeatureSpec;
  feature_spec_version: string;
  manifest: Record<string, unknown>;
  normalisation: Record<string, unknown>;
  weights: Buffer;
  calibration: Record<string, unknown>;
  head: Record<string, unknown> | null;
  gated_head: Record<string, unknown> | null;
  metrics: Record<string, number>;
  training: Record<string, unknown>;
  training_from: Date | null;
  training_to: Date | null;
  status: StoredModel['status'];
  reason: string | null;
  promoted_by: string | null;
  promoted_at: Date | null;
}

const fromRow = (row: ModelRow): StoredModel => ({
  id: row.id,
  parentId: row.parent_id,
  featureSpec: row.feature_spec,
  featureSpecVersion: row.feature_spec_version,
  manifest: row.manifest,
  normalisation: row.normalisation,
  weights: row.weights,
  calibration: row.calibration,
  head: row.head,
  gatedHead: row.gated_head,
  metrics: row.metrics,
  training: row.training,
  trainingFrom: row.training_from?.toISOString() ?? null,
  trainingTo: row.training_to?.toISOString() ?? null,
  status: row.status,
  reason: row.reason,
  promotedBy: row.promoted_by,
  promotedAt: row.promoted_at?.toISOString() ?? null,
});

/** The announcement form of a stored model, for the `model-updates` topic. */
export const announcement = (model: StoredModel): ModelVersion => ({
  id: model.id,
  parentId: model.parentId,
  featureSpecVersion: model.featureSpecVersion,
  metrics: model.metrics,
  promotedAt: model.promotedAt,
  reason: model.reason ?? '',
});

/** A version not yet promoted: what training produces and `insertModel` stores. */
export type NewModelVersion = Omit<StoredModel, 'status' | 'promotedBy' | 'promotedAt'>;

export async function insertModel(db: Queryable, model: NewModelVersion): Promise<void> {
  await db.query(
    `INSERT INTO model_versions (id, parent_id, feature_spec, feature_spec_version, manifest, normalisation, weights,
                                 calibration, metrics, training, training_from, training_to, reason, head, gated_head)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    [
      model.id,
      model.parentId,
      JSON.stringify(model.featureSpec),
      model.featureSpecVersion,
      JSON.stringify(model.manifest),
      JSON.stringify(model.normalisation),
      model.weights,
      JSON.stringify(model.calibration),
      JSON.stringify(model.metrics),
      JSON.stringify(model.training),
      model.trainingFrom,
      model.trainingTo,
      model.reason,
      model.head === null ? null : JSON.stringify(model.head),
      model.gatedHead === null ? null : JSON.stringify(model.gatedHead),
    ],
  );
}

export async function findModel(db: Queryable, id: string): Promise<StoredModel | null> {
  const { rows } = await db.query<ModelRow>('SELECT * FROM model_versions WHERE id = $1', [id]);
  return rows[0] ? fromRow(rows[0]) : null;
}

export async function findChampion(db: Queryable): Promise<StoredModel | null> {
  const { rows } = await db.query<ModelRow>(`SELECT * FROM model_versions WHERE status = 'champion'`);
  return rows[0] ? fromRow(rows[0]) : null;
}

/**
 * Makes `id` the champion, retiring the previous one, and records who did it and why in the same
 * database transaction (the caller's `client`, inside BEGIN/COMMIT). The one-champion index makes
 * two concurrent promotions fail rather than leave two champions.
 */
export async function promoteModel(client: pg.PoolClient, id: string, actor: string, reason: string): Promise<StoredModel> {
  const { rows: previous } = await client.query<{ id: string }>(
    `UPDATE model_versions SET status = 'retired' WHERE status = 'champion' AND id <> $1 RETURNING id`,
    [id],
  );
  const { rows } = await client.query<ModelRow>(
    `UPDATE model_versions SET status = 'champion', promoted_by = $2, promoted_at = now(), reason = $3
      WHERE id = $1 RETURNING *`,
    [id, actor, reason],
  );
  if (rows.length === 0) throw new Error(`model version "${id}" does not exist`);
  await appendAudit(client, { actor, kind: 'model.promoted', subject: id, payload: { reason, previousChampion: previous[0]?.id ?? null } });
  return fromRow(rows[0]!);
}
