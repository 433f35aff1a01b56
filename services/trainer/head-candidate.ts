import { createHash } from 'node:crypto';
import type pg from 'pg';
import { type AnomalyModel, loadAnomalyModel, parseModelHead } from '../model/anomaly-model.ts';
import { type SupervisedHead, trainHead } from '../model/supervised-head.ts';
import { appendAudit } from '../platform/audit-log.ts';
import type { Logger } from '../platform/logger.ts';
import { withTransaction } from '../platform/postgres.ts';
import { anomalyLogOdds, type PolicyConfig } from '../policy/decide.ts';
import { saveModelVersion } from '../registry/model-queries.ts';
import { findChampion, type NewModelVersion, type StoredModel } from '../registry/model-store.ts';
import { assessExamples, type CandidateMetrics, candidateMetrics } from './candidate-metrics.ts';
import { type LabelledExample, loadLabelledExamples } from './labelled-examples.ts';
import { promotionVerdict } from './promotion-gate.ts';

export interface HeadTrainingConfig {
  /** Fewer labelled examples than this: wait for more. */
  minLabels: number;
  /** Fewer frauds than this among the training examples: wait for more. */
  minFrauds: number;
  /** The newest share of labels (by when they became known) held out to compare candidate and champion. */
  holdoutFraction: number;
  /** ... but never more than this many. */
  holdoutMax: number;
  /** How much worse than the champion a candidate may be and still be promoted. */
  margin: number;
  /** Weight of a chargeback label against a review label's 1, when one head learns from both. */
  chargebackWeight: number;
  /**
   * Weight of the feedback head's log-odds when review labels and chargebacks each train a head of
   * their own (0: always one head for both).
   */
  feedbackWeight: number;
  /** k of the precision@k in the gate. */
  precisionK: number;
  l2: number;
}

export type TrainingOutcome =
  | { status: 'skipped'; reason: string }
  | { status: 'promoted' | 'rejected'; candidateId: string; championId: string; candidate: CandidateMetrics; champion: CandidateMetrics; reason: string };

function candidateId(baseRow: Pick<StoredModel, 'id'>, head: SupervisedHead, at: Date): string {
  const base = baseRow.id.replace(/\+head-.*$/, '');
  const stamp = at.toISOString().replace(/[-:.]/g, '').slice(0, 18);
  const digest = createHash('sha256').update(JSON.stringify(head)).digest('hex').slice(0, 6);
  return `${base}+head-${stamp}-${digest}`;
}

const countFrauds = (examples: readonly LabelledExample[]) => examples.filter((example) => example.fraud).length;

/** At least two frauds and two legitimate examples: the least a head of its own can learn from. */
const bothClasses = (subset: ReadonlyArray<{ example: LabelledExample }>) => {
  const frauds = subset.filter(({ example }) => example.fraud).length;
  return frauds >= 2 && subset.length - frauds >= 2;
};

/**
 * Trains a supervised head for the champion's autoencoder on every label so far and gates it
 * against the champion (gateHeadCandidate). The newest `holdoutFraction` of labels, by the time
 * they became known, is held out: the candidate is judged on labels it has not seen, as it would
 * meet them in production. If it is promoted, the same recipe refit on every label goes live.
 */
export async function trainHeadCandidate(
  pool: pg.Pool,
  policy: PolicyConfig,
  config: HeadTrainingConfig,
  actor: string,
  logger: Logger,
  /** The autoencoder the head sits on: the champion's by default, or a refreshed one (refresh-autoencoder.ts). */
  refreshed?: NewModelVersion,
): Promise<TrainingOutcome> {
  const championRow = await findChampion(pool);
  if (championRow === null) return { status: 'skipped', reason: 'no champion to build on' };
  const baseRow: NewModelVersion = refreshed ?? championRow;
  const examples = await loadLabelledExamples(pool, championRow.featureSpecVersion);
  // The newest labels are held out to judge the candidate: a share of them, at most `holdoutMax`,
  // so a large label store is not judged on days of labels. The champion is judged by the head its
  // own gate judged, trained on labels older than any cut made now, so the comparison stays fair;
  // what goes live is refit on every label.
  const cut = examples.length - Math.min(config.holdoutMax, Math.ceil(examples.length * config.holdoutFraction));
  const train = examples.slice(0, cut);
  const holdout = examples.slice(cut);
  const shortfall =
    examples.length < config.minLabels
      ? `${examples.length} labelled decisions of feature spec ${championRow.featureSpecVersion}, need ${config.minLabels}`
      : countFrauds(train) < config.minFrauds || countFrauds(train) === train.length
        ? `the training labels hold ${countFrauds(train)} frauds of ${train.length}; need at least ${config.minFrauds} and some legitimate`
        : countFrauds(holdout) === 0 || countFrauds(holdout) === holdout.length
          ? 'the held-out labels need both frauds and legitimate transactions'
          : null;
  if (shortfall !== null) return { status: 'skipped', reason: shortfall };

  const champion = loadAnomalyModel(championRow);
  const base = refreshed ? loadAnomalyModel(refreshed) : champion;
  try {
    const anomalies = assessExamples(base, examples);
    const indexed = examples.map((example, i) => ({ example, anomalyLogOdds: anomalyLogOdds(anomalies[i]!.percentile, 1) }));
    const fitOn = (subset: typeof indexed, weight: (example: LabelledExample) => number) =>
      trainHead(
        base.featureSpec.names,
        subset.map(({ example, anomalyLogOdds: logOdds }) => ({ features: example.features, anomalyLogOdds: logOdds, ruleHits: example.ruleHits })),
        subset.map(({ example }) => (example.fraud ? 1 : 0)),
        subset.map(({ example }) => weight(example)),
        { l2: config.l2 },
      );
    // Feedback and delayed labels get heads of their own when each has enough of both classes;
    // otherwise one head learns from all of them, chargebacks weighted apart.
    const fit = (upTo: number): SupervisedHead => {
      const labelled = indexed.slice(0, upTo);
      const feedback = labelled.filter(({ example }) => example.source === 'review');
      const delayed = labelled.filter(({ example }) => example.source === 'chargeback');
      if (config.feedbackWeight > 0 && bothClasses(feedback) && bothClasses(delayed)) {
        return { kind: 'feedback-delayed', alpha: config.feedbackWeight, feedback: fitOn(feedback, () => 1), delayed: fitOn(delayed, () => 1) };
      }
      return fitOn(labelled, (example) => (example.source === 'chargeback' ? config.chargebackWeight : 1));
    };
    const started = performance.now();
    const head = fit(cut);
    const seconds = (performance.now() - started) / 1000;
    logger.info({ labels: train.length, frauds: countFrauds(train), seconds }, 'supervised head trained');
    return await gateHeadCandidate(pool, {
      championRow,
      champion,
      baseRow,
      base,
      head,
      refit: () => ({ head: fit(examples.length), rows: examples.length, labelsTo: examples[examples.length - 1]!.labeledAt.toISOString() }),
      holdout,
      training: {
        ...(refreshed ? { autoencoder: refreshed.training } : {}),
        source: 'labels',
        rows: train.length,
        frauds: countFrauds(train),
        chargebacks: train.filter((example) => example.source === 'chargeback').length,
        holdout: holdout.length,
        seconds,
        labelsFrom: train[0]!.labeledAt.toISOString(),
        labelsTo: train[train.length - 1]!.labeledAt.toISOString(),
      },
    }, policy, config, actor, logger);
  } finally {
    champion.dispose();
    if (base !== champion) base.dispose();
  }
}

export interface HeadCandidate {
  championRow: StoredModel;
  /** The champion, loaded: what the candidate must not be worse than. */
  champion: AnomalyModel;
  /** The autoencoder the candidate's head sits on (the champion's, or a refreshed one), stored and loaded. */
  baseRow: NewModelVersion;
  base: AnomalyModel;
  /** The head the gate judges: trained without the held-out labels. */
  head: SupervisedHead;
  /**
   * The same recipe on every label, held-out ones included: what goes live if the gate promotes, so
   * the newest labels reach the scorers at once. Without it, the judged head itself goes live.
   */
  refit?: () => { head: SupervisedHead; rows: number; labelsTo: string };
  holdout: readonly LabelledExample[];
  training: Record<string, unknown>;
}

/**
 * Judges a candidate head against the champion on the held-out labels and records the outcome in
 * the registry in one transaction: the candidate is stored with its metrics and either promoted
 * (audited `model.promoted`) or marked rejected with the reason (audited `model.rejected`). A
 * promoted candidate with a `refit` goes live as the refit head, with the judged head kept beside
 * it (`gatedHead`). The champion is judged by its own gated head when it has one: its refit head
 * has seen part of this holdout.
 */
export async function gateHeadCandidate(pool: pg.Pool, input: HeadCandidate, policy: PolicyConfig, config: HeadTrainingConfig, actor: string, logger?: Logger): Promise<TrainingOutcome> {
  const { championRow, champion, baseRow, base, head, holdout } = input;
  const judgedChampion: AnomalyModel =
    championRow.gatedHead === null ? champion : { ...champion, head: parseModelHead(championRow.id, championRow.gatedHead, champion.featureSpec.names) };
  const championAnomalies = assessExamples(champion, holdout);
  const baseAnomalies = base === champion ? championAnomalies : assessExamples(base, holdout);
  const championMetrics = candidateMetrics(judgedChampion, holdout, championAnomalies, policy, config.precisionK);
  const metrics = candidateMetrics({ ...base, head }, holdout, baseAnomalies, policy, config.precisionK);
  const verdict = promotionVerdict(metrics, championMetrics, config.margin);
  let live: { head: SupervisedHead; training: { rows: number; labelsTo: string; seconds: number } } | null = null;
  if (verdict.promote && input.refit) {
    const started = performance.now();
    const refit = input.refit();
    live = { head: refit.head, training: { rows: refit.rows, labelsTo: refit.labelsTo, seconds: (performance.now() - started) / 1000 } };
    logger?.info(live.training, 'supervised head refit on every label for the scorers');
  }
  const id = candidateId(baseRow, live?.head ?? head, new Date());
  await withTransaction(pool, async (client) => {
    await saveModelVersion(
      client,
      {
        id,
        parentId: championRow.id,
        featureSpec: baseRow.featureSpec,
        featureSpecVersion: baseRow.featureSpecVersion,
        manifest: baseRow.manifest,
        normalisation: baseRow.normalisation,
        weights: baseRow.weights,
        calibration: baseRow.calibration,
        head: (live?.head ?? head) as unknown as Record<string, unknown>,
        gatedHead: live === null ? null : (head as unknown as Record<string, unknown>),
        metrics: {
          holdoutAveragePrecision: metrics.averagePrecision,
          holdoutPrecisionAtK: metrics.precisionAtK,
          holdoutAlertRate: metrics.alertRate,
          championAveragePrecision: championMetrics.averagePrecision,
          championPrecisionAtK: championMetrics.precisionAtK,
          championAlertRate: championMetrics.alertRate,
          holdoutLabels: metrics.examples,
          k: metrics.k,
        },
        training: live === null ? input.training : { ...input.training, liveHead: live.training },
        trainingFrom: (input.training['labelsFrom'] as string | undefined) ?? null,
        // The labels the head that scores has seen end where the refit's do.
        trainingTo: live?.training.labelsTo ?? (input.training['labelsTo'] as string | undefined) ?? null,
        reason: null,
      },
      actor,
      verdict.promote ? verdict.reason : null,
    );
    if (!verdict.promote) {
      await client.query(`UPDATE model_versions SET status = 'rejected', reason = $2 WHERE id = $1`, [id, verdict.reason]);
      await appendAudit(client, { actor, kind: 'model.rejected', subject: id, payload: { reason: verdict.reason, champion: championRow.id } });
    }
  });
  return { status: verdict.promote ? 'promoted' : 'rejected', candidateId: id, championId: championRow.id, candidate: metrics, champion: championMetrics, reason: verdict.reason };
}
