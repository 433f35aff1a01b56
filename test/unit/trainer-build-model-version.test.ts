import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { CompiledFeatureSpec } from '../../services/features/feature-spec.ts';
import { loadFeatureSpec } from '../../services/features/load-feature-spec.ts';
import { createScoringKernel, deserialiseModel, disposeAutoencoder, QuantileSketch, type QuantileSketchJson, selectBackend } from '../../services/model/index.ts';
import { type BuildOptions, buildModelVersion } from '../../services/trainer/build-model-version.ts';
import { formatLossCurve } from '../../services/trainer/loss-curve.ts';
import { simulatedTrainingRows } from '../../services/trainer/simulated-training-rows.ts';
import type { TrainingRows } from '../../services/trainer/training-rows.ts';

const START = Date.UTC(2026, 0, 5);

/** Simulated traffic encoded with `spec`; fraud kept out of training as the bootstrap does. */
const simulatedRows = (spec: CompiledFeatureSpec, count: number): TrainingRows =>
  simulatedTrainingRows(spec, { seed: 11, accounts: 200, merchants: 100, startMs: START, ratePerSecond: (200 * 4) / 86_400, fraudRate: 0.01 }, count);

describe('buildModelVersion', () => {
  let spec: CompiledFeatureSpec;
  let data: TrainingRows;
  const options = (): BuildOptions => ({
    seed: 3,
    epochs: 2,
    batchSize: 128,
    learningRate: 0.003,
    validationFraction: 0.2,
    architecture: { hidden: [16], latent: 4 },
    parentId: 'ae-card-default-20260101T000000-00000000',
    source: { kind: 'simulator', seed: 11, count: 1500 },
    trainingFrom: '2026-01-05T00:00:00.000Z',
    trainingTo: '2026-01-07T00:00:00.000Z',
    backend: 'wasm',
  });

  before(async () => {
    await selectBackend('auto');
    spec = await loadFeatureSpec('card-default');
    data = simulatedRows(spec, 1500);
  });

  it('trains, calibrates and names a registry record', async () => {
    const epochs: number[] = [];
    const startedAt = Date.now();
    const model = await buildModelVersion(data.rows, data.n, spec, { ...options(), onEpoch: (report) => epochs.push(report.epoch) });
    assert.deepEqual(epochs, [1, 2]);

    // Id: ae-<spec name>-<UTC build time>-<first 8 hex of the weights' sha256>.
    const match = /^ae-card-default-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})-([0-9a-f]{8})$/.exec(model.id);
    assert.ok(match, `unexpected id ${model.id}`);
    const [, y, mo, d, h, mi, s, hash] = match;
    const stamp = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    assert.ok(stamp >= Math.floor(startedAt / 1000) * 1000 && stamp <= Date.now(), 'the id carries the build time in UTC');
    assert.equal(hash, createHash('sha256').update(model.weights).digest('hex').slice(0, 8));

    assert.equal(model.featureSpecVersion, spec.version);
    assert.deepEqual(model.featureSpec, spec.spec);
    assert.equal(model.parentId, 'ae-card-default-20260101T000000-00000000');
    assert.equal(model.trainingFrom, '2026-01-05T00:00:00.000Z');
    assert.equal(model.reason, null);
    assert.deepEqual(model.normalisation, (model.manifest as { normalisation: unknown }).normalisation);

    const { metrics, training } = model;
    for (const key of ['trainLoss', 'validationLoss', 'trainingRows', 'calibrationP50', 'calibrationP99']) {
      assert.ok(Number.isFinite(metrics[key]), `metrics.${key} is ${metrics[key]}`);
    }
    assert.equal(metrics['trainingRows'], data.n);
    assert.ok(metrics['calibrationP50']! > 0 && metrics['calibrationP50']! <= metrics['calibrationP99']!, 'calibration quantiles are ordered');
    assert.equal((training['loss'] as number[]).length, 2);
    assert.equal((training['valLoss'] as number[]).length, 2);
    assert.equal(metrics['trainLoss'], (training['loss'] as number[])[1]);
    assert.equal(metrics['validationLoss'], (training['valLoss'] as number[])[1]);
    assert.deepEqual(training['source'], { kind: 'simulator', seed: 11, count: 1500 });
    assert.equal(training['rows'], data.n);
    assert.equal(training['backend'], 'wasm');
    assert.deepEqual(training['architecture'], { hidden: [16], latent: 4, activation: 'elu', inputSize: spec.names.length });
    assert.ok((training['seconds'] as number) > 0);

    // The stored model scores exactly like the calibrated one: a sketch rebuilt from the loaded
    // model's errors on the same rows is identical, exact min and max included.
    const calibration = model.calibration as unknown as QuantileSketchJson;
    assert.equal(calibration.count, data.n);
    assert.equal(calibration.alpha, 0.01);
    const loaded = deserialiseModel(model.manifest, model.weights);
    const kernel = createScoringKernel(loaded);
    try {
      const { errors } = kernel.score(data.rows, data.n);
      const rebuilt = new QuantileSketch({ alpha: 0.01 });
      for (const error of errors) rebuilt.add(error);
      assert.deepEqual(rebuilt.toJSON(), calibration);
      assert.equal(QuantileSketch.fromJSON(calibration).quantile(0.99), metrics['calibrationP99']);
    } finally {
      kernel.dispose();
      disposeAutoencoder(loaded);
    }
  });

  it('is deterministic given a seed', async () => {
    const a = await buildModelVersion(data.rows, data.n, spec, { ...options(), epochs: 1 });
    const b = await buildModelVersion(data.rows, data.n, spec, { ...options(), epochs: 1 });
    assert.ok(a.weights.equals(b.weights), 'same seed, same rows: same weights');
    assert.equal(a.id.slice(-8), b.id.slice(-8));
    const c = await buildModelVersion(data.rows, data.n, spec, { ...options(), epochs: 1, seed: 4 });
    assert.ok(!a.weights.equals(c.weights), 'another seed gives other weights');
  });

  it('leaves validationLoss out without a validation split, and refuses bad input', async () => {
    const model = await buildModelVersion(data.rows, data.n, spec, { ...options(), epochs: 1, validationFraction: 0 });
    assert.equal(model.metrics['validationLoss'], undefined);
    assert.deepEqual(model.training['valLoss'], []);
    await assert.rejects(buildModelVersion(data.rows, data.n, spec, { ...options(), epochs: 0 }), /epochs must be a whole number ≥ 1/);
    await assert.rejects(buildModelVersion(data.rows.subarray(0, 10), data.n, spec, options()), /expected \d+ rows of 59 features/);
  });
});

describe('formatLossCurve', () => {
  it('prints one line per epoch, with a dash where there is no validation loss', () => {
    const text = formatLossCurve([
      { epoch: 1, loss: 1, valLoss: null, seconds: 0.5 },
      { epoch: 2, loss: 0.5, valLoss: null, seconds: 0.25 },
    ]);
    const lines = text.split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /epoch\s+loss\s+val loss\s+s\s+loss$/);
    assert.match(lines[1]!, /^\s+1\s+1\.000000\s+-\s+0\.50\s+#{30}$/);
    assert.match(lines[2]!, /^\s+2\s+0\.500000\s+-\s+0\.25\s+#{15}$/);
  });
});
