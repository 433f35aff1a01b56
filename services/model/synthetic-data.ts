// Seeded synthetic tabular data for model tests and benchmarks: "normal" rows lie near a
// low-dimensional subspace (d features driven by a few latent factors plus noise, on varied scales
// and offsets), and outliers have per-feature marginals of the same size but break the correlation
// between features. An autoencoder that learned the subspace reconstructs normal rows well and
// outliers badly; one that learned nothing better than the marginals cannot tell them apart.
import { mulberry32 } from './seeded-random.ts';

export interface SyntheticOptions {
  seed: number;
  rows: number;
  features: number;
  /** Number of latent factors driving the normal rows. */
  factors?: number;
  /** Noise standard deviation relative to the signal. */
  noise?: number;
  /** Fraction of rows replaced by outliers (0..1). */
  outlierFraction?: number;
  /** Feature indexes held constant (exercises the normalisation's std floor). */
  constantFeatures?: number[];
}

export interface SyntheticData {
  rows: Float32Array;
  n: number;
  d: number;
  featureNames: string[];
  /** 1 for an injected outlier, 0 for a normal row. */
  labels: Uint8Array;
}

export function syntheticRows(options: SyntheticOptions): SyntheticData {
  const { seed, rows: n, features: d, factors = 4, noise = 0.1, outlierFraction = 0, constantFeatures = [] } = options;
  const random = mulberry32(seed);
  const gaussian = (): number => {
    // Box-Muller; 1 - u keeps the logarithm finite.
    const u = 1 - random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const mixing = Array.from({ length: d }, () => Array.from({ length: factors }, gaussian));
  const scale = Array.from({ length: d }, () => Math.exp(gaussian() * 1.5));
  const offset = Array.from({ length: d }, () => gaussian() * 10);
  // Per-feature standard deviation of the normal rows, so outliers match the marginals.
  const spread = mixing.map((weights) => Math.sqrt(weights.reduce((s, w) => s + w * w, 0) + noise * noise));
  const constant = new Set(constantFeatures);
  const data = new Float32Array(n * d);
  const labels = new Uint8Array(n);
  const z = new Float64Array(factors);
  for (let i = 0; i < n; i++) {
    const outlier = random() < outlierFraction;
    labels[i] = outlier ? 1 : 0;
    for (let k = 0; k < factors; k++) z[k] = gaussian();
    for (let j = 0; j < d; j++) {
      let value: number;
      if (outlier) value = gaussian() * spread[j]!;
      else {
        value = noise * gaussian();
        const weights = mixing[j]!;
        for (let k = 0; k < factors; k++) value += weights[k]! * z[k]!;
      }
      data[i * d + j] = constant.has(j) ? 42 : offset[j]! + scale[j]! * value;
    }
  }
  return { rows: data, n, d, featureNames: Array.from({ length: d }, (_, j) => `f${String(j).padStart(2, '0')}`), labels };
}
