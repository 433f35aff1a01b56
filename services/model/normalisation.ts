// Per-feature standardisation learned from the training rows and saved with the weights: the
// network only ever sees (x - mean) / std, and reconstruction errors are measured in that space so
// that a feature in cents and a feature in {0, 1} weigh the same.

export interface Normalisation {
  mean: Float32Array;
  std: Float32Array;
}

/**
 * Mean and (population) standard deviation of each of the `d` columns of `rows` (n*d, row-major),
 * accumulated in float64. A column that is constant up to float32 precision gets std 1 rather than
 * ~0: dividing by a vanishing std would turn the first unseen value of a flag into an error of
 * 1e12 and drown every other feature. With std 1 that column's error is simply its raw deviation.
 */
export function fitNormalisation(rows: Float32Array, n: number, d: number): Normalisation {
  if (n < 1) throw new RangeError('cannot fit a normalisation on zero rows');
  const sum = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const base = i * d;
    for (let j = 0; j < d; j++) sum[j]! += rows[base + j]!;
  }
  const mean = new Float64Array(d);
  for (let j = 0; j < d; j++) mean[j] = sum[j]! / n;
  // Two-pass variance: no catastrophic cancellation for columns with a large mean.
  const squares = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const base = i * d;
    for (let j = 0; j < d; j++) {
      const delta = rows[base + j]! - mean[j]!;
      squares[j]! += delta * delta;
    }
  }
  const out: Normalisation = { mean: new Float32Array(d), std: new Float32Array(d) };
  for (let j = 0; j < d; j++) {
    const std = Math.sqrt(squares[j]! / n);
    out.mean[j] = mean[j]!;
    out.std[j] = std > 1e-6 * Math.max(1, Math.abs(mean[j]!)) ? std : 1;
  }
  return out;
}

/** (x - mean) / std for the first n rows, into `out` (n*d values, allocated when not given). */
export function normaliseRows(normalisation: Normalisation, rows: Float32Array, n: number, out?: Float32Array): Float32Array {
  const { mean, std } = normalisation;
  const d = mean.length;
  out ??= new Float32Array(n * d);
  if (rows.length < n * d || out.length < n * d) throw new RangeError(`expected ${n} rows of ${d} features`);
  for (let i = 0; i < n; i++) {
    const base = i * d;
    for (let j = 0; j < d; j++) out[base + j] = (rows[base + j]! - mean[j]!) / std[j]!;
  }
  return out;
}
