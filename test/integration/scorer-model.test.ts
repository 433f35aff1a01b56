import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DecisionSchema } from '../../services/domain/index.ts';
import { loadFeatureSpec } from '../../services/features/load-feature-spec.ts';
import { loadAnomalyModel, selectBackend } from '../../services/model/index.ts';
import { findChampion } from '../../services/registry/model-store.ts';
import { createSimulator } from '../../services/simulator/index.ts';
import { ensureChampion } from '../../services/trainer/bootstrap-champion.ts';
import { readAllCommitted, testLogger } from '../helpers/kafka.ts';
import { type PipelineFixture, setUpPipeline } from '../helpers/pipeline.ts';
import { produceTransactions } from '../helpers/transactions.ts';

describe('scorer with the champion model from Postgres', () => {
  let fixture: PipelineFixture;
  before(async () => {
    fixture = await setUpPipeline();
    await selectBackend('auto');
  });
  after(() => fixture.teardown());

  it('records the model version, anomaly percentile, explanation and feature vector on every decision', async () => {
    const { db, config, kafka, producer } = fixture;
    const spec = await loadFeatureSpec('card-default');
    const bootstrapped = await ensureChampion(db.pool, spec, { actor: 'test', count: 4000, logger: testLogger });
    const champion = await findChampion(db.pool);
    assert.equal(champion?.id, bootstrapped.id);
    const model = loadAnomalyModel(champion!);

    const accounts = 300;
    const simulator = createSimulator({ seed: 5, accounts, merchants: 90, startMs: Date.now() - 8 * 3_600_000, ratePerSecond: (accounts * 4) / 86_400, fraudRate: 0 });
    const normal = simulator.take(400);
    const takeover = simulator.inject('account_takeover', 3);
    const stream = [...normal, ...simulator.take(100)];
    await produceTransactions(producer, config.topics.transactions, stream.map(({ transaction }) => transaction));
    await fixture.scoreAll({ model, backend: 'test' }); // the scorer disposes the model when it stops

    const { rows } = await db.pool.query<{
      transaction_id: string;
      model_version: string;
      feature_spec_version: string;
      feature_vector: number[];
      anomaly: { error: number; percentile: number; topFeatures: Array<{ feature: string; error: number }> };
      evidence: Array<{ source: string }>;
    }>('SELECT transaction_id, model_version, feature_spec_version, feature_vector, anomaly, evidence FROM decisions');
    assert.equal(rows.length, stream.length);
    for (const row of rows) {
      assert.equal(row.model_version, champion!.id);
      assert.equal(row.feature_spec_version, spec.version);
      assert.equal(row.feature_vector.length, spec.names.length);
      assert.ok(row.anomaly.percentile >= 0 && row.anomaly.percentile <= 1);
      assert.equal(row.anomaly.topFeatures.length, 5);
      assert.ok(spec.names.includes(row.anomaly.topFeatures[0]!.feature));
      assert.ok(row.evidence.some((term) => term.source === 'anomaly'), 'the anomaly term enters the policy');
    }
    const takeoverIds = new Set(takeover.map(({ transaction }) => transaction.id));
    const percentile = (ids: (id: string) => boolean) => {
      const values = rows.filter((row) => ids(row.transaction_id)).map((row) => row.anomaly.percentile).sort((a, b) => a - b);
      return values[Math.floor(values.length / 2)]!;
    };
    const takeoverMedian = percentile((id) => takeoverIds.has(id));
    const normalMedian = percentile((id) => !takeoverIds.has(id));
    assert.ok(takeoverMedian > normalMedian, `an account takeover looks more anomalous (${takeoverMedian}) than normal traffic (${normalMedian})`);

    const published = (await readAllCommitted(kafka, config.topics.decisions)).map((m) => DecisionSchema.parse(JSON.parse(m.value!.toString())));
    assert.equal(published.length, stream.length);
    assert.ok(published.every((decision) => decision.modelVersion === champion!.id && decision.anomaly !== null));
  });
});
