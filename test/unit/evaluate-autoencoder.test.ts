import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { loadColumnMapping } from '../../services/datasets/column-mapping.ts';
import { encodeLabelledFile } from '../../services/evaluation/encoded-dataset.ts';
import { evaluateAutoencoder, rankingMetrics, reconstructionErrors } from '../../services/evaluation/evaluate-autoencoder.ts';
import { loadFeatureSpec } from '../../services/features/load-feature-spec.ts';
import { createRowEncoder } from '../../services/features/row-encoder.ts';
import { defaultTraining, disposeAutoencoder, selectBackend, trainAutoencoder } from '../../services/model/index.ts';
import { createSimulator } from '../../services/simulator/index.ts';

const ULB = '../shared/data/ulb-creditcard-subset-b.csv';
const training = { seed: 3, epochs: 15, batchSize: 64, learningRate: 0.003, validationFraction: 0.1 };

describe('unsupervised autoencoder evaluation', () => {
  before(async () => {
    await selectBackend('auto');
  });

  it('ranks the frauds of real card data (ULB subset) far above chance', { skip: !existsSync(ULB) && `${ULB} is not present` }, async () => {
    const dataset = await encodeLabelledFile(ULB, await loadColumnMapping('ulb-creditcard'), await loadFeatureSpec('ulb-pca'), {
      currency: 'EUR',
      country: 'BE',
      channel: 'card_present',
      merchantCategory: '5999',
    });
    assert.equal(dataset.n, 3335);
    for (let i = 1; i < dataset.n; i++) assert.ok(dataset.timesMs[i]! >= dataset.timesMs[i - 1]!, 'sorted into event-time order');
    const { report, model } = await evaluateAutoencoder(dataset, { trainStart: '2013-09-01', trainDays: 1, delayDays: 0, testDays: 1, removeKnownCompromised: false }, training, 50);
    disposeAutoencoder(model);
    assert.ok(report.split.trainRows > 1000 && report.split.testRows > 1000, JSON.stringify(report.split));
    // Seeded, so deterministic per backend (0.835 / 0.43 on wasm); the margin covers other backends.
    assert.ok(report.metrics.rocAuc > 0.78, `ROC AUC ${report.metrics.rocAuc}`);
    assert.ok(report.metrics.averagePrecision > 0.3, `average precision ${report.metrics.averagePrecision} (fraud rate ~0.15)`);
    assert.equal(report.training.loss.length, training.epochs);
  });

  it('scores injected simulator fraud above normal traffic', async () => {
    const spec = await loadFeatureSpec('card-default');
    const accounts = 400;
    const simulator = createSimulator({ seed: 11, accounts, merchants: 120, startMs: Date.parse('2026-01-01T00:00:00Z'), ratePerSecond: (accounts * 6) / 86_400, fraudRate: 0.01 });
    const stream = simulator.take(16_000);
    const encoder = createRowEncoder(spec);
    for (const { transaction } of stream) encoder.push(transaction);
    const trainCount = 12_000;
    // The shipped network with the shipped training defaults.
    const { model } = await trainAutoencoder(encoder.rows().subarray(0, trainCount * encoder.width), trainCount, spec.names, { ...defaultTraining, seed: 3 });
    const dataset = {
      featureNames: spec.names,
      featureSpecVersion: spec.version,
      rows: encoder.rows(),
      n: stream.length,
      d: encoder.width,
      labels: Uint8Array.from(stream, ({ truth }) => (truth.fraud ? 1 : 0)),
      timesMs: Float64Array.from(stream, ({ transaction }) => Date.parse(transaction.timestamp)),
      accounts: stream.map(({ transaction }) => transaction.accountId),
      ids: stream.map(({ transaction }) => transaction.id),
    };
    const test = Uint32Array.from({ length: stream.length - trainCount }, (_, i) => trainCount + i);
    const { metrics } = rankingMetrics(dataset, test, reconstructionErrors(model, dataset, test), 20);
    disposeAutoencoder(model);
    const frauds = test.reduce((sum, i) => sum + dataset.labels[i]!, 0);
    assert.ok(frauds >= 20, `${frauds} frauds in the test part`);
    assert.ok(metrics.rocAuc > 0.75, `ROC AUC ${metrics.rocAuc} (0.803 on wasm)`);
  });
});
