import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { disposeAutoencoder, predictReconstruction, trainAutoencoder, type Autoencoder } from '../../services/model/autoencoder.ts';
import { selectBackend } from '../../services/model/backend.ts';
import { createScoringKernel } from '../../services/model/scoring-kernel.ts';
import { deserialiseModel, serialiseModel, type ModelManifest } from '../../services/model/serialise.ts';
import { syntheticRows } from '../../services/model/synthetic-data.ts';

const data = syntheticRows({ seed: 21, rows: 1200, features: 12, outlierFraction: 0.02, constantFeatures: [5] });

function scores(model: Autoencoder) {
  const kernel = createScoringKernel(model);
  try {
    return kernel.score(data.rows, data.n);
  } finally {
    kernel.dispose();
  }
}

/** What a jsonb + bytea round trip through Postgres does to the two halves. */
function throughPostgres({ manifest, weights }: { manifest: ModelManifest; weights: Buffer }): { manifest: unknown; weights: Buffer } {
  // pg hands back bytea as a Buffer that may sit at any offset of a larger pooled allocation.
  const pooled = Buffer.alloc(weights.length + 7);
  weights.copy(pooled, 3);
  return { manifest: JSON.parse(JSON.stringify(manifest)), weights: pooled.subarray(3, 3 + weights.length) };
}

describe('model serialisation', () => {
  let model: Autoencoder;
  before(async () => {
    await selectBackend('auto');
    ({ model } = await trainAutoencoder(data.rows, data.n, data.featureNames, { seed: 3, epochs: 3, batchSize: 32, learningRate: 0.01, validationFraction: 0.1, architecture: { hidden: [8], latent: 3, activation: 'tanh' } }));
  });
  after(() => disposeAutoencoder(model));

  it('round-trips to bit-identical scores', () => {
    const saved = serialiseModel(model);
    const stored = throughPostgres(saved);
    const loaded = deserialiseModel(stored.manifest, stored.weights);
    assert.deepEqual(loaded.architecture, model.architecture);
    assert.deepEqual(loaded.featureNames, model.featureNames);
    assert.deepEqual(loaded.normalisation, model.normalisation);
    const [original, reloaded] = [scores(model), scores(loaded)];
    assert.deepEqual(reloaded.errors, original.errors);
    assert.deepEqual(reloaded.featureErrors, original.featureErrors);
    assert.deepEqual(predictReconstruction(loaded, data.rows, 50), predictReconstruction(model, data.rows, 50));
    // Saving the loaded model gives the same bytes again.
    assert.ok(serialiseModel(loaded).weights.equals(saved.weights));
    disposeAutoencoder(loaded);
  });

  it('writes a readable manifest and a little-endian float32 buffer', () => {
    const { manifest, weights } = serialiseModel(model);
    const d = data.d;
    assert.equal(manifest.format, 'loupe-autoencoder/1');
    assert.deepEqual(manifest.tensors.map((t) => [t.name, t.shape]), [
      ['layer0/kernel', [d, 8]], ['layer0/bias', [8]],
      ['layer1/kernel', [8, 3]], ['layer1/bias', [3]],
      ['layer2/kernel', [3, 8]], ['layer2/bias', [8]],
      ['layer3/kernel', [8, d]], ['layer3/bias', [d]],
    ]);
    const params = d * 8 + 8 + 8 * 3 + 3 + 3 * 8 + 8 + 8 * d + d;
    assert.equal(weights.length, params * 4);
    assert.equal(manifest.byteLength, weights.length);
    const firstKernel = model.network.layers[0]!.getWeights()[0]!.dataSync();
    assert.equal(weights.readFloatLE(4), firstKernel[1]);
    assert.equal(manifest.normalisation.std[5], 1, 'the constant column is saved with std 1');
  });

  it('refuses corrupted or inconsistent input, saying what is wrong', () => {
    const { manifest, weights } = serialiseModel(model);
    const flipped = Buffer.from(weights);
    flipped[10]! ^= 1;
    assert.throws(() => deserialiseModel(manifest, flipped), /checksum/);
    assert.throws(() => deserialiseModel(manifest, weights.subarray(4)), /weights are \d+ bytes, manifest says \d+/);
    assert.throws(() => deserialiseModel({ ...manifest, format: 'other/9' }, weights), /invalid model manifest: format/);
    assert.throws(() => deserialiseModel({ ...manifest, featureNames: ['a'] }, weights), /names 1 features but the architecture takes 12/);
    const wrongShape = structuredClone(manifest);
    wrongShape.tensors[0]!.shape = [8, 12];
    assert.throws(() => deserialiseModel(wrongShape, weights), /tensor layer0\/kernel has shape \[8,12\], expected \[12,8\]/);
    assert.throws(() => deserialiseModel({ ...manifest, normalisation: { ...manifest.normalisation, std: manifest.normalisation.std.map(() => 0) } }, weights), /normalisation\.std/);
    assert.throws(() => deserialiseModel(null, weights), /invalid model manifest/);
  });
});
