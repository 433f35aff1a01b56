import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TransactionInput } from '../../services/domain/index.ts';
import { loadFeatureSpec } from '../../services/features/load-feature-spec.ts';
import { recordChargebacks } from '../../services/labels/import-chargebacks.ts';
import { recordLabel } from '../../services/labels/record-label.ts';
import { loadAnomalyModel, selectBackend } from '../../services/model/index.ts';
import { mulberry32 } from '../../services/model/seeded-random.ts';
import { type LogisticHead, trainHead } from '../../services/model/supervised-head.ts';
import { withTransaction } from '../../services/platform/postgres.ts';
import { anomalyLogOdds } from '../../services/policy/decide.ts';
import { findChampion } from '../../services/registry/model-store.ts';
import { createSimulator } from '../../services/simulator/index.ts';
import { ensureChampion } from '../../services/trainer/bootstrap-champion.ts';
import { assessExamples } from '../../services/trainer/candidate-metrics.ts';
import { gateHeadCandidate, type TrainingOutcome, trainHeadCandidate } from '../../services/trainer/head-candidate.ts';
import { createLabelTrainer } from '../../services/trainer/label-trainer.ts';
import { loadReplayBuffer, refreshAutoencoder } from '../../services/trainer/refresh-autoencoder.ts';
import { createLabelOutbox } from '../../services/labels/label-outbox.ts';
import { loadLabelledExamples } from '../../services/trainer/labelled-examples.ts';
import { readAllCommitted, testLogger } from '../helpers/kafka.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { type PipelineFixture, setUpPipeline } from '../helpers/pipeline.ts';
import { produceTransactions } from '../helpers/transactions.ts';

/**
 * A pattern the autoencoder cannot see: ordinary amounts, on the account's own device, online at
 * bookstores (MCC 5942, about 2% of normal traffic). Only labels can tell it is fraud.
 */
function bookstoreFraud(normal: readonly TransactionInput[], count: number, seed: number): TransactionInput[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => {
    const template = normal[Math.floor(random() * normal.length)]!;
    return { ...template, id: `fraud-${seed}-${i}`, merchantCategory: '5942', channel: 'ecommerce', timestamp: new Date(Date.parse(template.timestamp) + 1).toISOString() };
  });
}

describe('trainer: labels train a supervised head, gated against the champion', () => {
  let fixture: PipelineFixture;
  const fraudIds = new Set<string>();

  before(async () => {
    fixture = await setUpPipeline();
    await selectBackend('auto');
    const { db, config, producer } = fixture;
    const spec = await loadFeatureSpec('card-default');
    const champion = await ensureChampion(db.pool, spec, { actor: 'test', count: 3000, logger: testLogger });
    const simulator = createSimulator({ seed: 7, accounts: 300, merchants: 90, startMs: Date.now() - 3 * 86_400_000, ratePerSecond: (300 * 4) / 86_400, fraudRate: 0 });
    const normal = simulator.take(3000).map((s) => s.transaction);
    const fraud = bookstoreFraud(normal, 200, 1);
    for (const tx of fraud) fraudIds.add(tx.id);
    const stream = [...normal, ...fraud].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    await produceTransactions(producer, config.topics.transactions, stream);
    await fixture.scoreAll({ model: loadAnomalyModel(champion), backend: 'test' });

    // Analysts label a fifth of the traffic, in event-time order (labels known one minute later).
    const random = mulberry32(3);
    const labelled = stream.filter(() => random() < 0.2);
    await withTransaction(db.pool, async (client) => {
      for (const tx of labelled) {
        await recordLabel(client, {
          transactionId: tx.id,
          label: fraudIds.has(tx.id) ? 'fraud' : 'legit',
          analyst: 'ana',
          source: 'review',
          labeledAt: new Date(Date.parse(tx.timestamp) + 60_000),
        });
      }
    });
  });
  after(() => fixture.teardown());

  it('promotes a head that finds a pattern the autoencoder misses, and scorers then decide with it', async (t) => {
    const { db, config } = fixture;
    const before = (await findChampion(db.pool))!;
    const outcome = await trainHeadCandidate(db.pool, config.policy, config.trainer.head, 'trainer-test', testLogger);
    assert.equal(outcome.status, 'promoted', JSON.stringify(outcome));
    t.diagnostic(outcome.reason);
    assert.ok(outcome.champion.averagePrecision < 0.3, `the autoencoder alone misses it (AP ${outcome.champion.averagePrecision})`);
    assert.ok(outcome.candidate.averagePrecision > 0.6, `the head finds it (AP ${outcome.candidate.averagePrecision})`);

    const after = (await findChampion(db.pool))!;
    assert.equal(after.id, outcome.candidateId);
    assert.equal(after.parentId, before.id);
    assert.ok(after.head !== null);
    assert.equal(after.metrics['holdoutAveragePrecision'], outcome.candidate.averagePrecision);
    const audit = await db.pool.query<{ kind: string }>(`SELECT kind FROM audit_log WHERE subject = $1 ORDER BY id`, [after.id]);
    assert.deepEqual(audit.rows.map((row) => row.kind), ['model.trained', 'model.promoted']);

    // New traffic of the same pattern, scored by the promoted version, is decided by the head.
    const { producer } = fixture;
    const normal = (await db.pool.query<{ transaction: TransactionInput }>('SELECT transaction FROM decisions ORDER BY event_time DESC LIMIT 300')).rows.map((row) => row.transaction);
    const fresh = bookstoreFraud(normal, 30, 2);
    await produceTransactions(producer, config.topics.transactions, fresh);
    await fixture.scoreAll({ model: loadAnomalyModel(after), backend: 'test' });
    const { rows } = await db.pool.query<{ probability: number; model_version: string; evidence: Array<{ source: string }> }>(
      'SELECT probability, model_version, evidence FROM decisions WHERE transaction_id = ANY($1)',
      [fresh.map((tx) => tx.id)],
    );
    assert.equal(rows.length, 30);
    assert.ok(rows.every((row) => row.model_version === after.id && row.evidence.some((term) => term.source === 'model')));
    const median = rows.map((row) => row.probability).sort((a, b) => a - b)[15]!;
    const { rows: earlier } = await db.pool.query<{ p: number }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY probability) AS p FROM decisions WHERE model_version = $1 AND transaction_id LIKE 'fraud-1-%'`,
      [before.id],
    );
    assert.ok(median > earlier[0]!.p + 0.2, `the pattern now scores higher: median ${median} vs ${earlier[0]!.p} before`);
  });

  it('puts every label in the live head, and judges the next candidate against the head its gate judged', async () => {
    const { db, config } = fixture;
    const champion = (await findChampion(db.pool))!;
    const examples = await loadLabelledExamples(db.pool, champion.featureSpecVersion);
    const heldOut = champion.metrics['holdoutLabels']!;
    assert.ok(heldOut > 0 && champion.gatedHead !== null, 'the judged head is kept beside the live one');
    assert.equal((champion.head as LogisticHead).examples, examples.length, 'the live head learned from every label');
    assert.equal((champion.gatedHead as LogisticHead).examples, examples.length - heldOut, 'the judged head did not see the held-out ones');
    assert.equal((champion.training['liveHead'] as { rows: number }).rows, examples.length);
    assert.equal(champion.trainingTo, examples.at(-1)!.labeledAt.toISOString(), 'its training range ends with the newest label');

    // No new labels, so the same holdout: the champion's live head has seen it, its judged head has not.
    const outcome = await trainHeadCandidate(db.pool, config.policy, config.trainer.head, 'trainer-test', testLogger);
    assert.equal(outcome.status, 'promoted', JSON.stringify(outcome));
    assert.equal(outcome.champion.examples, heldOut);
    assert.equal(outcome.champion.averagePrecision, champion.metrics['holdoutAveragePrecision'], 'the champion is judged as its own gate judged it');
    assert.equal(outcome.candidate.averagePrecision, outcome.champion.averagePrecision, 'the same recipe on the same labels');
  });

  it('rejects a worse candidate and records why', async () => {
    const { db, config } = fixture;
    const championRow = (await findChampion(db.pool))!;
    const champion = loadAnomalyModel(championRow);
    try {
      const examples = await loadLabelledExamples(db.pool, championRow.featureSpecVersion);
      const anomalies = assessExamples(champion, examples);
      const cut = Math.floor(examples.length * 0.7);
      // Trained on inverted labels: it ranks legitimate traffic as fraud.
      const worse = trainHead(
        champion.featureSpec.names,
        examples.slice(0, cut).map((example, i) => ({ features: example.features, anomalyLogOdds: anomalyLogOdds(anomalies[i]!.percentile, 1), ruleHits: example.ruleHits })),
        examples.slice(0, cut).map((example) => (example.fraud ? 0 : 1)),
        examples.slice(0, cut).map(() => 1),
      );
      const outcome = await gateHeadCandidate(
        db.pool,
        { championRow, champion, baseRow: championRow, base: champion, head: worse, holdout: examples.slice(cut), training: { source: 'test' } },
        config.policy,
        config.trainer.head,
        'trainer-test',
      );
      assert.equal(outcome.status, 'rejected');
      assert.match(outcome.reason, /worse than the champion by more than 0\.01 in average precision/);
      assert.equal((await findChampion(db.pool))!.id, championRow.id, 'the champion stays');
      const { rows } = await db.pool.query<{ status: string; reason: string }>('SELECT status, reason FROM model_versions WHERE id = $1', [outcome.candidateId]);
      assert.deepEqual(rows[0], { status: 'rejected', reason: outcome.reason });
      const audit = await db.pool.query<{ kind: string }>(`SELECT kind FROM audit_log WHERE subject = $1 ORDER BY id`, [outcome.candidateId]);
      assert.deepEqual(audit.rows.map((row) => row.kind), ['model.trained', 'model.rejected']);
    } finally {
      champion.dispose();
    }
  });

  it('as a service: labels on the topic lead to a gated, announced champion within seconds', async (t) => {
    const { db, config, kafka, producer } = fixture;
    const trainerConfig = { ...config, trainer: { ...config.trainer, debounceMs: 200, head: { ...config.trainer.head, margin: 1 } } };
    const trainer = createLabelTrainer({ config: trainerConfig, kafka, pool: db.pool, producer, logger: testLogger, actor: 'trainer-service-test', backend: 'test' });
    const outcomes: TrainingOutcome[] = [];
    trainer.events.on('outcome', (outcome) => outcomes.push(outcome));
    await trainer.start();
    try {
      await waitFor('the start-up round', async () => outcomes.length >= 1, 60_000, 50);
      const before = (await findChampion(db.pool))!.id;
      // More labels, published on the topic through the outbox as the review service does.
      const unlabelled = await db.pool.query<{ transaction_id: string }>(
        `SELECT transaction_id FROM decisions d WHERE NOT EXISTS (SELECT 1 FROM labels l WHERE l.transaction_id = d.transaction_id) ORDER BY event_time LIMIT 200`,
      );
      await withTransaction(db.pool, async (client) => {
        for (const { transaction_id: id } of unlabelled.rows) {
          await recordLabel(client, { transactionId: id, label: fraudIds.has(id) ? 'fraud' : 'legit', analyst: 'ben', source: 'review' });
        }
      });
      const started = Date.now();
      const seen = outcomes.length;
      await createLabelOutbox({ pool: db.pool, producer, topic: config.topics.labels, logger: testLogger }).flush();
      await waitFor('a round triggered by the labels', async () => outcomes.length > seen, 60_000, 50);
      const outcome = outcomes[outcomes.length - 1]!;
      t.diagnostic(`labels to ${outcome.status} in ${Date.now() - started} ms`);
      assert.equal(outcome.status, 'promoted', JSON.stringify(outcome));
      assert.ok(Date.now() - started < 20_000, 'within seconds of the labels');
      const champion = (await findChampion(db.pool))!;
      assert.notEqual(champion.id, before);
      const announced = (await readAllCommitted(kafka, config.topics['model-updates'])).map((m) => JSON.parse(m.value!.toString()) as { id: string });
      assert.equal(announced.at(-1)?.id, champion.id, 'the promotion is announced to scorers');
    } finally {
      await trainer.stop();
    }
  });

  it('fine-tunes the autoencoder on recent traffic without confirmed fraud, and gates it with a new head', async () => {
    const { db, config } = fixture;
    const before = (await findChampion(db.pool))!;
    const loaded = loadAnomalyModel(before);
    const names = loaded.featureSpec.names.length;
    loaded.dispose();
    const buffer = await loadReplayBuffer(db.pool, before.featureSpecVersion, names, 7, 200_000);
    assert.ok(buffer.excludedFrauds > 0, 'confirmed frauds are left out');
    assert.ok(buffer.confirmedLegit > 0, 'confirmed legitimate transactions are kept');
    const outcome = await refreshAutoencoder(db.pool, config.policy, { ...config.trainer.head, margin: 1 }, { ...config.trainer.refresh, epochs: 2 }, 'test', 'trainer-test', testLogger);
    assert.equal(outcome.status, 'promoted', JSON.stringify(outcome));
    const after = (await findChampion(db.pool))!;
    assert.equal(after.id, outcome.candidateId);
    assert.equal(after.parentId, before.id);
    assert.ok(!after.weights.equals(before.weights), 'new weights');
    assert.deepEqual(after.normalisation, before.normalisation, 'fine-tuning keeps the normalisation');
    assert.equal((after.training['autoencoder'] as { source: { kind: string } }).source.kind, 'replay-buffer');
    assert.ok(after.head !== null, 'a head trained for the new autoencoder');
  });

  it('keeps chargebacks apart from review labels: a head for each, blended', async () => {
    const { db, config } = fixture;
    const unlabelled = await db.pool.query<{ transaction_id: string; event_time: Date }>(
      `SELECT transaction_id, event_time FROM decisions d WHERE NOT EXISTS (SELECT 1 FROM labels l WHERE l.transaction_id = d.transaction_id) ORDER BY event_time LIMIT 600`,
    );
    const counts = await recordChargebacks(
      db.pool,
      unlabelled.rows.map((row) => ({ transactionId: row.transaction_id, label: fraudIds.has(row.transaction_id) ? 'fraud' : 'legit', knownAt: new Date(row.event_time.getTime() + 7 * 86_400_000) })),
      'test-chargebacks',
    );
    assert.equal(counts.recorded, unlabelled.rows.length);
    const outcome = await trainHeadCandidate(db.pool, config.policy, { ...config.trainer.head, margin: 1 }, 'trainer-test', testLogger);
    assert.equal(outcome.status, 'promoted', JSON.stringify(outcome));
    const champion = (await findChampion(db.pool))!;
    assert.equal((champion.head as { kind: string }).kind, 'feedback-delayed');
    assert.equal((champion.head as { alpha: number }).alpha, config.trainer.head.feedbackWeight);
    loadAnomalyModel(champion).dispose(); // a blended head loads and validates
  });

  it('waits for enough labels rather than training on a handful', async () => {
    const { db, config } = fixture;
    const outcome = await trainHeadCandidate(db.pool, config.policy, { ...config.trainer.head, minLabels: 1_000_000 }, 'trainer-test', testLogger);
    assert.equal(outcome.status, 'skipped');
    assert.match(outcome.status === 'skipped' ? outcome.reason : '', /need 1000000/);
  });
});
