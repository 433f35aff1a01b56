// The shipped scoring path. The layers API's `predict` pays for its generality on every call
// (input standardisation, batching into slices of 32 by default, per-layer symbolic bookkeeping);
// the scorer calls this millions of times, so the trained kernels and biases are copied out once
// into plain tensors and a batch is scored as one chain of fused matrix products (matMul + bias +
// activation in a single backend op) inside one tidy. The output is the reconstruction error per
// row and per feature, both in normalised space: the per-feature errors are the explanation.
import * as tf from '@tensorflow/tfjs';
import type { Activation, Autoencoder } from './autoencoder.ts';

export interface ScoreResult {
  n: number;
  d: number;
  /** Mean squared reconstruction error of each row, over its features (normalised space). */
  errors: Float32Array;
  /** Squared error of each feature of each row, n*d row-major. */
  featureErrors: Float32Array;
}

export interface FeatureContribution {
  feature: string;
  index: number;
  /** Squared error of this feature in normalised space. */
  error: number;
  /** Share of the row's total squared error, 0..1. */
  share: number;
}

export interface ScoringKernel {
  readonly inputSize: number;
  readonly featureNames: readonly string[];
  /** Scores the first n rows of `rows` (raw feature values, n*d row-major). */
  score(rows: Float32Array, n: number): ScoreResult;
  dispose(): void;
}

type FusedActivation = 'linear' | 'relu' | 'relu6' | 'elu' | 'sigmoid';

interface KernelLayer {
  kernel: tf.Tensor2D;
  bias: tf.Tensor1D;
  /** Applied inside the fused op. */
  fused: FusedActivation;
  /** tanh has no fused form; it runs as its own op after a linear fused product. */
  tanh: boolean;
}

export function createScoringKernel(model: Autoencoder): ScoringKernel {
  const d = model.architecture.inputSize;
  const featureNames = [...model.featureNames];
  const dense = model.network.layers;
  if (dense.length === 0) throw new Error('the autoencoder network has no layers');
  // Copies, not references to the layer variables: the kernel must keep scoring with the weights it
  // was created from even if the network is trained further or disposed afterwards.
  const layers: KernelLayer[] = dense.map((layer, i) => {
    const [kernel, bias] = layer.getWeights();
    if (!kernel || !bias || kernel.rank !== 2) throw new Error(`layer ${i} (${layer.name}) is not a dense layer with a bias`);
    const activation = (layer.getConfig()['activation'] ?? 'linear') as Activation;
    return {
      kernel: tf.tensor2d(kernel.dataSync() as Float32Array, kernel.shape as [number, number]),
      bias: tf.tensor1d(bias.dataSync() as Float32Array),
      fused: activation === 'tanh' ? 'linear' : activation,
      tanh: activation === 'tanh',
    };
  });
  const mean = tf.tensor1d(model.normalisation.mean);
  const std = tf.tensor1d(model.normalisation.std);
  let disposed = false;

  return {
    inputSize: d,
    featureNames,
    score(rows, n) {
      if (disposed) throw new Error('scoring kernel used after dispose');
      if (!Number.isInteger(n) || n < 0 || rows.length < n * d) throw new RangeError(`expected ${n} rows of ${d} features, got ${rows.length} values`);
      if (n === 0) return { n, d, errors: new Float32Array(0), featureErrors: new Float32Array(0) };
      const [squared, perRow] = tf.tidy(() => {
        const x = tf.tensor2d(rows.subarray(0, n * d), [n, d]);
        const normalised = tf.div(tf.sub(x, mean), std);
        let h: tf.Tensor = normalised;
        for (const layer of layers) {
          h = tf.fused.matMul({ a: h, b: layer.kernel, bias: layer.bias, activation: layer.fused });
          if (layer.tanh) h = tf.tanh(h);
        }
        const sq = tf.squaredDifference(h, normalised);
        return [sq, tf.mean(sq, 1)] as const;
      });
      try {
        return { n, d, featureErrors: squared.dataSync() as Float32Array, errors: perRow.dataSync() as Float32Array };
      } finally {
        squared.dispose();
        perRow.dispose();
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const layer of layers) {
        layer.kernel.dispose();
        layer.bias.dispose();
      }
      mean.dispose();
      std.dispose();
    },
  };
}

/** The k features of `row` with the largest squared error, largest first. */
export function topFeatures(result: ScoreResult, row: number, k: number, featureNames: readonly string[]): FeatureContribution[] {
  const { d, featureErrors } = result;
  if (!(row >= 0 && row < result.n)) throw new RangeError(`row ${row} is outside 0..${result.n - 1}`);
  const base = row * d;
  let total = 0;
  for (let j = 0; j < d; j++) total += featureErrors[base + j]!;
  // Partial selection: k is small (3-5) and d a few dozen, so insertion into a short sorted list
  // beats sorting all d features.
  const top: FeatureContribution[] = [];
  const limit = Math.min(Math.max(0, Math.floor(k)), d);
  for (let j = 0; j < d && limit > 0; j++) {
    const error = featureErrors[base + j]!;
    if (top.length === limit && error <= top[limit - 1]!.error) continue;
    const entry = { feature: featureNames[j] ?? `#${j}`, index: j, error, share: total > 0 ? error / total : 0 };
    let at = top.length;
    while (at > 0 && top[at - 1]!.error < error) at--;
    top.splice(at, 0, entry);
    if (top.length > limit) top.pop();
  }
  return top;
}
