import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { buildNetwork, disposeAutoencoder, predictReconstruction, trainAutoencoder, type Activation, type Autoencoder, type TrainingHistory, type TrainOptions } from '../../services/model/autoencoder.ts';
import { selectBackend } from '../../services/model/backend.ts';
import { fitNormalisation, normaliseRows } from '../../services/model/normalisation.ts';
import { createScoringKernel, topFeatures } from '../../services/model/scoring-kernel.ts';
import { serialiseModel } from '../../services/model/serialise.ts';
import { syntheticRows } from '../../services/model/synthetic-data.ts';

const options: TrainOptions = { seed: 7, epochs: 8, batchSize: 64, learningRate: 0.005, validationFraction: 0.2, architecture: { hidden: [16, 8], latent: 4 } };

/** ROC AUC as the probability that a random outlier outscores a random normal row (ties count half). */
function rocAuc(scores: Float32Array, labels: Uint8Array): number {
  const order = Array.from(scores.keys()).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && scores[order[j]!] === scores[order[i]!]) j++;
    const midRank = (i + j + 1) / 2; // 1-based average rank of the tie group
    for (let k = i; k < j; k++) {
      if (labels[order[k]!]) {
        positives++;
        rankSum += midRank;
      }
    }
    i = j;
  }
  const negatives = order.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Reference per-row error and per-feature squared error from the layers API's predict. */
function referenceScores(model: Autoencoder, rows: Float32Array, n: number) {
  const d = model.architecture.inputSize;
  const normalised = normaliseRows(model.normalisation, rows, n);
  const reconstruction = predictReconstruction(model, rows, n);
  const featureErrors = new Float32Array(n * d);
  const errors = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < d; j++) {
      const diff = reconstruction[i * d + j]! - normalised[i * d + j]!;
      featureErrors[i * d + j] = diff * diff;
      sum += diff * diff;
    }
    errors[i] = sum / d;
  }
  return { errors, featureErrors };
}

function assertClose(actual: Float32Array, expected: Float32Array, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const bound = tolerance * Math.max(1, Math.abs(expected[i]!));
    if (!(Math.abs(actual[i]! - expected[i]!) <= bound)) assert.fail(`${what}[${i}]: ${actual[i]} vs ${expected[i]} (tolerance ${bound})`);
  }
}

// Normal traffic for training first, then a labelled evaluation stretch with 5 % outliers, all
// drawn from one generator so both halves share the same correlation structure.
const data = syntheticRows({ seed: 11, rows: 4000, features: 20, outlierFraction: 0.05 });
const trainN = 2500;
const normalOnly = (() => {
  const keep: number[] = [];
  for (let i = 0; i < trainN; i++) if (!data.labels[i]) keep.push(i);
  const rows = new Float32Array(keep.length * data.d);
  keep.forEach((row, k) => rows.set(data.rows.subarray(row * data.d, (row + 1) * data.d), k * data.d));
  return { rows, n: keep.length };
})();
const evalRows = data.rows.subarray(trainN * data.d);
const evalLabels = data.labels.subarray(trainN);
const evalN = data.n - trainN;

describe('autoencoder', () => {
  let model: Autoencoder;
  let history: TrainingHistory;
  const epochs: number[] = [];

  before(async () => {
    await selectBackend('auto');
    ({ model, history } = await trainAutoencoder(normalOnly.rows, normalOnly.n, data.featureNames, { ...options, onEpoch: (e) => epochs.push(e.epoch) }));
  });

  it('learns: the loss falls and the validation loss is reported every epoch', () => {
    assert.deepEqual(epochs, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(history.loss.length, 8);
    assert.equal(history.valLoss.length, 8);
    assert.ok(history.loss.at(-1)! < history.loss[0]! / 3, `loss ${history.loss.join(', ')}`);
    assert.ok(history.valLoss.at(-1)! < 0.5, `validation loss ${history.valLoss.join(', ')}`);
  });

  it('scores injected outliers above normal rows (ROC AUC >= 0.9)', () => {
    const kernel = createScoringKernel(model);
    const { errors } = kernel.score(evalRows, evalN);
    kernel.dispose();
    const auc = rocAuc(errors, evalLabels);
    assert.ok(auc >= 0.9, `ROC AUC ${auc.toFixed(4)}`);
  });

  it('owes that to training: the untrained network is near chance on the same rows', async () => {
    // Outliers have normal-sized marginals, so only the learned correlations give them away.
    const untrained = await trainAutoencoder(normalOnly.rows, normalOnly.n, data.featureNames, { ...options, epochs: 0 });
    const kernel = createScoringKernel(untrained.model);
    const auc = rocAuc(kernel.score(evalRows, evalN).errors, evalLabels);
    kernel.dispose();
    disposeAutoencoder(untrained.model);
    assert.ok(auc < 0.75, `untrained ROC AUC ${auc.toFixed(4)}`);
  });

  it('the scoring kernel matches the layers API predict within 1e-5', () => {
    const kernel = createScoringKernel(model);
    const scored = kernel.score(evalRows, evalN);
    const reference = referenceScores(model, evalRows, evalN);
    assertClose(scored.errors, reference.errors, 1e-5, 'errors');
    assertClose(scored.featureErrors, reference.featureErrors, 1e-5, 'featureErrors');
    // A batch of one and a trailing partial read score the same rows the same way.
    const one = kernel.score(evalRows.subarray(5 * data.d), 1);
    assertClose(one.errors, scored.errors.subarray(5, 6), 1e-6, 'batch of one');
    assert.equal(kernel.score(evalRows, 0).errors.length, 0);
    assert.throws(() => kernel.score(evalRows.subarray(0, 10), 1), RangeError);
    kernel.dispose();
    assert.throws(() => kernel.score(evalRows, 1), /after dispose/);
  });

  it('the kernel keeps its own copy of the weights and leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const copy = buildNetwork(model.architecture, 1);
    copy.setWeights(model.network.getWeights());
    const standalone: Autoencoder = { ...model, network: copy };
    const kernel = createScoringKernel(standalone);
    const expected = kernel.score(evalRows, 50).errors;
    disposeAutoencoder(standalone);
    for (let i = 0; i < 5; i++) kernel.score(evalRows, 50);
    assert.deepEqual(kernel.score(evalRows, 50).errors, expected);
    kernel.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  for (const activation of ['relu', 'relu6', 'sigmoid', 'tanh', 'linear'] as Activation[]) {
    it(`the kernel matches predict for activation ${activation}`, () => {
      const d = data.d;
      const normalisation = fitNormalisation(data.rows, 500, d);
      const network = buildNetwork({ inputSize: d, hidden: [12], latent: 3, activation }, 3);
      const untrained: Autoencoder = { architecture: { inputSize: d, hidden: [12], latent: 3, activation }, featureNames: data.featureNames, normalisation, network };
      const kernel = createScoringKernel(untrained);
      assertClose(kernel.score(data.rows, 200).errors, referenceScores(untrained, data.rows, 200).errors, 1e-5, activation);
      kernel.dispose();
      disposeAutoencoder(untrained);
    });
  }

  it('explains a row by its top features', () => {
    const kernel = createScoringKernel(model);
    const result = kernel.score(evalRows, evalN);
    kernel.dispose();
    const row = Array.from(result.errors.keys()).reduce((best, i) => (result.errors[i]! > result.errors[best]! ? i : best), 0);
    const top = topFeatures(result, row, 3, data.featureNames);
    const all = Array.from(result.featureErrors.subarray(row * data.d, (row + 1) * data.d)).map((error, index) => ({ error, index })).sort((a, b) => b.error - a.error);
    assert.deepEqual(top.map((t) => t.index), all.slice(0, 3).map((t) => t.index));
    assert.deepEqual(top.map((t) => t.feature), all.slice(0, 3).map((t) => data.featureNames[t.index]));
    const total = all.reduce((s, t) => s + t.error, 0);
    assert.ok(Math.abs(top[0]!.share - all[0]!.error / total) < 1e-9);
    assert.equal(topFeatures(result, row, 0, data.featureNames).length, 0);
    assert.equal(topFeatures(result, row, 100, data.featureNames).length, data.d);
    assert.throws(() => topFeatures(result, evalN, 3, data.featureNames), RangeError);
  });

  it('is deterministic: the same seed gives identical weights and scores, another seed does not', async () => {
    const again = await trainAutoencoder(normalOnly.rows, normalOnly.n, data.featureNames, options);
    const other = await trainAutoencoder(normalOnly.rows, normalOnly.n, data.featureNames, { ...options, seed: 8 });
    assert.deepEqual(again.history, history);
    assert.ok(serialiseModel(again.model).weights.equals(serialiseModel(model).weights), 'same seed, same weights');
    assert.ok(!serialiseModel(other.model).weights.equals(serialiseModel(model).weights), 'another seed, other weights');
    const [a, b, c] = [model, again.model, other.model].map((m) => {
      const kernel = createScoringKernel(m);
      const { errors } = kernel.score(evalRows, evalN);
      kernel.dispose();
      return errors;
    });
    assert.deepEqual(b, a);
    assert.notDeepEqual(c, a);
    disposeAutoencoder(again.model);
    disposeAutoencoder(other.model);
  });

  it('normalises a constant column without producing NaN', async () => {
    const constant = syntheticRows({ seed: 5, rows: 600, features: 6, constantFeatures: [2] });
    const trained = await trainAutoencoder(constant.rows, constant.n, constant.featureNames, { ...options, epochs: 2, validationFraction: 0 });
    assert.equal(trained.model.normalisation.std[2], 1);
    assert.equal(trained.model.normalisation.mean[2], 42);
    assert.deepEqual(trained.history.valLoss, []);
    assert.ok(trained.history.loss.every(Number.isFinite));
    const probe = constant.rows.slice(0, 2 * constant.d);
    probe[constant.d + 2] = 43; // the constant feature moves in the second row
    const kernel = createScoringKernel(trained.model);
    const { errors, featureErrors } = kernel.score(probe, 2);
    kernel.dispose();
    assert.ok(Array.from(errors).every(Number.isFinite) && Array.from(featureErrors).every(Number.isFinite));
    assert.ok(featureErrors[constant.d + 2]! > featureErrors[2]!, 'the moved constant column is the one that errs');
    disposeAutoencoder(trained.model);
  });

  it('stops early once the validation loss stalls, keeping the best epoch\'s weights', async () => {
    const patience = 2;
    const stopped = await trainAutoencoder(normalOnly.rows, normalOnly.n, data.featureNames, { ...options, epochs: 200, learningRate: 0.02, patience });
    const { loss, valLoss, keptEpoch } = stopped.history;
    assert.ok(loss.length < 200, `ran all ${loss.length} epochs`);
    const best = valLoss.indexOf(Math.min(...valLoss));
    assert.equal(keptEpoch, best + 1);
    assert.equal(loss.length, keptEpoch + patience, 'stops after `patience` epochs without improvement');
    // The kept weights reproduce the best epoch's validation loss, not the last one's.
    const d = data.d;
    const nVal = Math.floor(normalOnly.n * options.validationFraction);
    const valRows = normalOnly.rows.subarray((normalOnly.n - nVal) * d, normalOnly.n * d);
    const target = normaliseRows(stopped.model.normalisation, valRows, nVal);
    const reconstruction = predictReconstruction(stopped.model, valRows, nVal);
    let sum = 0;
    for (let i = 0; i < target.length; i++) sum += (reconstruction[i]! - target[i]!) ** 2;
    const mse = sum / target.length;
    assert.ok(Math.abs(mse - valLoss[best]!) <= 1e-4 * valLoss[best]!, `kept weights give ${mse}, best epoch ${valLoss[best]}, last ${valLoss.at(-1)}`);
    disposeAutoencoder(stopped.model);
    assert.equal(history.keptEpoch, 8, 'without patience the last epoch is kept');
  });

  it('refuses bad training input with a reason', async () => {
    const d = data.d;
    await assert.rejects(trainAutoencoder(data.rows.subarray(0, 10 * d), 11, data.featureNames, options), /rows has 200 values, expected 11 rows/);
    const withNaN = data.rows.slice(0, 10 * d);
    withNaN[3 * d + 4] = Number.NaN;
    await assert.rejects(trainAutoencoder(withNaN, 10, data.featureNames, options), /row 3, feature "f04" is not finite/);
    await assert.rejects(trainAutoencoder(data.rows.subarray(0, 10 * d), 10, data.featureNames, { ...options, validationFraction: 1 }), /validationFraction/);
    await assert.rejects(trainAutoencoder(data.rows.subarray(0, 10 * d), 10, data.featureNames, { ...options, architecture: { latent: 0 } }), /latent must be a positive integer/);
    await assert.rejects(trainAutoencoder(data.rows.subarray(0, 10 * d), 10, data.featureNames, { ...options, patience: 0 }), /patience must be a positive integer/);
    await assert.rejects(trainAutoencoder(data.rows.subarray(0, 10 * d), 10, data.featureNames, { ...options, patience: 2, validationFraction: 0 }), /needs a validation split/);
  });
});
