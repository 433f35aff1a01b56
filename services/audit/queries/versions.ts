import type pg from 'pg';
import { type Connection, decodeCursor, TimeAndKeyCursor, type Page, toConnection } from '../pagination.ts';
import { isoMicros } from './sql-filter.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/** A model version as the audit API shows it: everything but the weights, which it names by hash. */
export interface ModelVersionNode {
  id: string;
  parentId: string | null;
  status: string;
  featureSpecVersion: string;
  featureSpec: unknown;
  architecture: unknown;
  head: unknown;
  gatedHead: unknown;
  metrics: Record<string, number>;
  training: Record<string, unknown>;
  trainingFrom: string | null;
  trainingTo: string | null;
  reason: string | null;
  promotedBy: string | null;
  promotedAt: string | null;
  createdAt: string;
  weightsSha256: string;
}

const MODEL_COLUMNS = `id, parent_id AS "parentId", status, feature_spec_version AS "featureSpecVersion", feature_spec AS "featureSpec",
  manifest AS "architecture", head, gated_head AS "gatedHead", metrics, training, training_from AS "trainingFrom", training_to AS "trainingTo", reason,
  promoted_by AS "promotedBy", promoted_at AS "promotedAt", ${isoMicros('created_at')} AS "createdAt",
  encode(sha256(weights), 'hex') AS "weightsSha256"`;

export async function findModelVersions(db: Queryable, ids: readonly string[]): Promise<Map<string, ModelVersionNode>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<ModelVersionNode>(`SELECT ${MODEL_COLUMNS} FROM model_versions WHERE id = ANY($1)`, [ids]);
  return new Map(rows.map((row) => [row.id, row]));
}

/** Model versions newest first, every status (candidates and rejected ones are history too). */
export async function listModelVersions(db: Queryable, status: string | null, page: Page): Promise<Connection<ModelVersionNode>> {
  const after = page.after ? decodeCursor(page.after, TimeAndKeyCursor) : null;
  const { rows } = await db.query<ModelVersionNode>(
    `SELECT ${MODEL_COLUMNS} FROM model_versions
      WHERE ($1::text IS NULL OR status = $1) AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3))
      ORDER BY created_at DESC, id DESC LIMIT $4`,
    [status, after?.[0] ?? null, after?.[1] ?? null, page.first + 1],
  );
  return toConnection(rows, page, (model) => [model.createdAt, model.id]);
}

export interface RuleSetNode {
  version: string;
  files: Array<{ file: string; sha256: string; description?: string; author?: string }>;
  rules: Array<{ name: string; conditions: unknown; event: { type: string; params: { reason: string; weight?: number } } }>;
  firstLoadedBy: string;
  firstLoadedAt: string;
}

const RULE_SET_COLUMNS = `version, files, rules, first_loaded_by AS "firstLoadedBy", ${isoMicros('first_loaded_at')} AS "firstLoadedAt"`;

export async function findRuleSets(db: Queryable, versions: readonly string[]): Promise<Map<string, RuleSetNode>> {
  if (versions.length === 0) return new Map();
  const { rows } = await db.query<RuleSetNode>(`SELECT ${RULE_SET_COLUMNS} FROM rule_sets WHERE version = ANY($1)`, [versions]);
  return new Map(rows.map((row) => [row.version, row]));
}

/** Rule set versions newest first (by when one was first loaded). */
export async function listRuleSets(db: Queryable, page: Page): Promise<Connection<RuleSetNode>> {
  const after = page.after ? decodeCursor(page.after, TimeAndKeyCursor) : null;
  const { rows } = await db.query<RuleSetNode>(
    `SELECT ${RULE_SET_COLUMNS} FROM rule_sets
      WHERE ($1::timestamptz IS NULL OR (first_loaded_at, version) < ($1::timestamptz, $2))
      ORDER BY first_loaded_at DESC, version DESC LIMIT $3`,
    [after?.[0] ?? null, after?.[1] ?? null, page.first + 1],
  );
  return toConnection(rows, page, (ruleSet) => [ruleSet.firstLoadedAt, ruleSet.version]);
}

export interface PolicyVersionNode {
  version: string;
  params: { priorFraudRate: number; confidenceThreshold: number; anomalyWeight: number; approveCeiling: number };
  firstUsedBy: string;
  createdAt: string;
}

export async function findPolicyVersions(db: Queryable, versions: readonly string[]): Promise<Map<string, PolicyVersionNode>> {
  if (versions.length === 0) return new Map();
  const { rows } = await db.query<PolicyVersionNode>(
    `SELECT version, params, first_used_by AS "firstUsedBy", ${isoMicros('created_at')} AS "createdAt" FROM policy_versions WHERE version = ANY($1)`,
    [versions],
  );
  return new Map(rows.map((row) => [row.version, row]));
}
