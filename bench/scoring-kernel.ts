// Rows/s of the shipped scoring path (createScoringKernel) for the default autoencoder, at batch
// sizes 1, 64 and 1024, beside two references measured in the same run on the same backend:
//  - raw: a bare chain of fused matrix products of the same shapes (upload, six fused matMuls,
//    download of the reconstruction): the ceiling any scoring path on this backend can reach;
//  - predict: the layers API's model.predict with batchSize = batch (and, at the largest batch,
//    with its default batchSize of 32, the trap the kernel exists to avoid).
// The methods are timed round-robin, best of N after warm-up, so a noisy shared machine slows all
// of them alike. With --training, also times a short training run on wasm and on cpu.
// Prints one JSON object.
//   node --import tsx bench/scoring-kernel.ts [--backend auto|wasm|cpu] [--rounds 25] [--training]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { defaultArchitecture, disposeAutoencoder, layerWidths, trainAutoencoder, type Autoencoder } from '../services/model/autoencoder.ts';
import { backendPreferences, selectBackend, type BackendPreference } from '../services/model/backend.ts';
import { normaliseRows } from '../services/model/normalisation.ts';
import { createScoringKernel } from '../services/model/scoring-kernel.ts';
import { syntheticRows } from '../services/model/synthetic-data.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    rounds: { type: 'string', default: '25' },
    features: { type: 'string', default: '36' },
    training: { type: 'boolean', default: false },
  },
});
const preference = values.backend as BackendPreference;
if (!backendPreferences.includes(preference)) throw new Error(`--backend must be one of ${backendPreferences.join(', ')}`);
const rounds = Number(values.rounds);
const d = Number(values.features);
const batches = [1, 64, 1024];
/**
 * Rows per timed block at each batch size: 10-30 ms each. Short blocks, many rounds: on a shared
 * machine the best block is the one no other process interrupted.
 */
const rowsPerBlock: Record<number, number> = { 1: 1_000, 64: 16_384, 1024: 49_152 };

const backend = await selectBackend(preference);
const data = syntheticRows({ seed: 1, rows: 4096, features: d, outlierFraction: 0.01 });
// A briefly trained model: realistic weights; the speed does not depend on their values.
const { model } = await trainAutoencoder(data.rows, data.n, data.featureNames, { seed: 1, epochs: 2, batchSize: 64, learningRate: 0.005, validationFraction: 0.1 });
const widths = layerWidths(model.architecture);
const parameters = widths.slice(1).reduce((sum, w, i) => sum + widths[i]! * w + w, 0);

/** The ceiling: the same fused products on already-normalised rows, no error computation. */
function rawChain(m: Autoencoder) {
  const layers = m.network.layers.map((layer) => {
    const [kernel, bias] = layer.getWeights();
    return { kernel: tf.clone(kernel!) as tf.Tensor2D, bias: tf.clone(bias!) as tf.Tensor1D, activation: layer.getConfig()['activation'] as 'elu' | 'linear' };
  });
  return {
    run(rows: Float32Array, n: number): Float32Array {
      const out = tf.tidy(() => {
        let h: tf.Tensor = tf.tensor2d(rows.subarray(0, n * d), [n, d]);
        for (const l of layers) h = tf.fused.matMul({ a: h, b: l.kernel, bias: l.bias, activation: l.activation });
        return h;
      });
      const values = out.dataSync() as Float32Array;
      out.dispose();
      return values;
    },
    dispose: () => layers.forEach((l) => tf.dispose([l.kernel, l.bias])),
  };
}

function predictWith(m: Autoencoder, batchSize: number | undefined) {
  return (rows: Float32Array, n: number): Float32Array => {
    const out = tf.tidy(() => m.network.predict(tf.tensor2d(rows.subarray(0, n * d), [n, d]), batchSize ? { batchSize } : {}) as tf.Tensor);
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  };
}

type Method = (rows: Float32Array, n: number) => unknown;

/** Best-of-`rounds` rows/s for each method, timed round-robin after one warm-up block each. */
function measure(methods: Record<string, Method>, rows: Float32Array, batch: number, blockRows: number): Record<string, number> {
  const calls = Math.max(1, Math.round(blockRows / batch));
  const best: Record<string, number> = {};
  const block = (method: Method) => {
    const started = performance.now();
    for (let c = 0; c < calls; c++) method(rows.subarray(((c * batch) % (data.n - batch + 1)) * d), batch);
    return (performance.now() - started) / 1000;
  };
  for (const method of Object.values(methods)) block(method);
  for (let r = 0; r < rounds; r++) {
    for (const [name, method] of Object.entries(methods)) {
      const seconds = block(method);
      best[name] = Math.max(best[name] ?? 0, (calls * batch) / seconds);
    }
  }
  return Object.fromEntries(Object.entries(best).map(([k, v]) => [k, Math.round(v)]));
}

const kernel = createScoringKernel(model);
const raw = rawChain(model);
const normalised = normaliseRows(model.normalisation, data.rows, data.n);
const results = batches.map((batch) => {
  // The kernel reads raw rows (it normalises); the raw chain reads pre-normalised ones.
  const rates = measure(
    {
      kernel: (rows, n) => kernel.score(rows, n),
      raw: (_rows, n) => raw.run(normalised, n),
      predict: predictWith(model, batch),
    },
    data.rows,
    batch,
    rowsPerBlock[batch]!,
  );
  return {
    batch,
    kernelRowsPerSec: rates['kernel']!,
    rawRowsPerSec: rates['raw']!,
    kernelRawRatio: Number((rates['kernel']! / rates['raw']!).toFixed(3)),
    predictRowsPerSec: rates['predict']!,
  };
});
const predictDefault = measure({ predict: predictWith(model, undefined) }, data.rows, 1024, 8_192)['predict']!;
kernel.dispose();
raw.dispose();
disposeAutoencoder(model);

const at1024 = results.find((r) => r.batch === 1024)!;
const output: Record<string, unknown> = {
  benchmark: 'scoring-kernel',
  date: new Date().toISOString(),
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  backend: {
    name: backend.name,
    package: backend.package,
    version: backend.version,
    ...(backend.tfBackend === 'wasm'
      ? { simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), threads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') }
      : {}),
    attempts: backend.attempts,
  },
  architecture: { ...defaultArchitecture, inputSize: d, widths: widths.join('-'), parameters },
  rounds,
  results,
  predictDefaultBatchSize1024RowsPerSec: predictDefault,
  scoringRowsPerSec: at1024.kernelRowsPerSec,
  scoringRawRatio: at1024.kernelRawRatio,
  bars: {
    rowsPerSecAt1024: 1_000_000,
    rawRatio: 0.6,
    met: at1024.kernelRowsPerSec >= 1_000_000 && at1024.kernelRawRatio >= 0.6,
  },
};

if (values.training) {
  // Training speed of the same architecture per embedded backend: which one the trainer should use.
  const train = syntheticRows({ seed: 2, rows: 20_000, features: d });
  const training: Record<string, unknown> = {};
  for (const name of ['wasm', 'cpu'] as const) {
    await selectBackend(name);
    const epochSeconds: number[] = [];
    const { model: trained, history } = await trainAutoencoder(train.rows, train.n, train.featureNames, {
      seed: 1,
      epochs: 3,
      batchSize: 256,
      learningRate: 0.005,
      validationFraction: 0.1,
      onEpoch: (e) => epochSeconds.push(e.seconds),
    });
    disposeAutoencoder(trained);
    const bestEpoch = Math.min(...epochSeconds);
    training[name] = { rows: train.n, batchSize: 256, epochSeconds: epochSeconds.map((s) => Number(s.toFixed(3))), rowsPerSec: Math.round((train.n * 0.9) / bestEpoch), finalLoss: Number(history.loss.at(-1)!.toFixed(5)) };
  }
  output['training'] = training;
  await selectBackend(preference);
}

process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
