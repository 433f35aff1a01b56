// Encoded rows in, a registry record out: train the autoencoder, calibrate its errors, serialise it
// and name it. No I/O: the caller reads the rows and stores the record (services/registry).
import type { CompiledFeatureSpec } from '../features/feature-spec.ts';
import {
  architectureFor,
  type Autoencoder,
  createScoringKernel,
  deserialiseModel,
  disposeAutoencoder,
  QuantileSketch,
  type ScoringKernel,
  serialiseModel,
  trainAutoencoder,
  type TrainOptions,
} from '../model/index.ts';
import type { NewModelVersion } from '../registry/model-store.ts';

/** Training options, plus what the registry records about where the model came from. */
export interface BuildOptions extends TrainOptions {
  parentId: string | null;
  /** Where the rows came from, stored as is: `{ kind: 'csv', file, mapping }`, `{ kind: 'postgres', since, until }`, `{ kind: 'simulator', seed, count }`. */
  source: Record<string, unknown>;
  /** ISO timestamps of the training data's range, for the registry's training_from/training_to. */
  trainingFrom: string | null;
  trainingTo: string | null;
  /** The backend the caller selected (recorded, not chosen here). */
  backend: string;
}


/** The sketch's relative accuracy: a percentile is off by at most 1% of the error it names. */
const CALIBRATION_ALPHA = 0.01;
const SCORE_BATCH = 4096;
/** Rows re-scored through the deserialised model as a round-trip check before the record is returned. */
const ROUND_TRIP_ROWS = 1024;

/**
 * Trains an autoencoder on `n` encoded rows (`n * spec.names.length` values, row-major, event-time
 * order; labels are not used) and returns the registry record for it.
 *
 * Calibration: the design turns a reconstruction error into a percentile against recent legitimate
 * traffic. Unsupervised training has no labels, so every row passed in stands for that traffic and
 * the sketch is fitted on all of them (the validation tail included: it is the most recent part). A
 * small share of fraud among them shifts only the top percentiles, and only slightly. A caller that
 * has labels should pass only the legitimate rows; then the model learns and calibrates on normal
 * traffic alone.
 */
export async function buildModelVersion(rows: Float32Array, n: number, spec: CompiledFeatureSpec, options: BuildOptions): Promise<NewModelVersion> {
  if (!(Number.isInteger(options.epochs) && options.epochs >= 1)) throw new RangeError(`epochs must be a whole number ≥ 1, got ${options.epochs}`);
  const d = spec.names.length;
  if (rows.length < n * d) throw new RangeError(`expected ${n} rows of ${d} features (spec ${spec.version}), got ${rows.length} values`);
  const started = performance.now();
  const { model, history } = await trainAutoencoder(rows.subarray(0, n * d), n, spec.names, {
    seed: options.seed,
    epochs: options.epochs,
    batchSize: options.batchSize,
    learningRate: options.learningRate,
    validationFraction: options.validationFraction,
    architecture: options.architecture ?? architectureFor(spec.spec),
    ...(options.start ? { start: options.start } : {}),
    ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
  });
  try {
    const seconds = (performance.now() - started) / 1000;
    const kernel = createScoringKernel(model);
    let calibration: QuantileSketch;
    let sample: Float32Array;
    try {
      ({ calibration, sample } = calibrate(kernel, rows, n, d));
    } finally {
      kernel.dispose();
    }
    const { manifest, weights } = serialiseModel(model);
    checkRoundTrip(manifest, weights, rows, sample);

    const trainLoss = history.loss[history.loss.length - 1]!;
    const validationLoss = history.valLoss[history.valLoss.length - 1];
    const metrics: Record<string, number> = {
      trainLoss,
      // Absent when validationFraction is 0: there is no held-out loss to report.
      ...(validationLoss === undefined ? {} : { validationLoss }),
      trainingRows: n,
      calibrationP50: calibration.quantile(0.5),
      calibrationP99: calibration.quantile(0.99),
    };
    return {
      id: modelId(spec.spec.name, new Date(), manifest.sha256),
      parentId: options.parentId,
      featureSpec: spec.spec,
      featureSpecVersion: spec.version,
      manifest: manifest as unknown as Record<string, unknown>,
      normalisation: manifest.normalisation,
      head: null,
      gatedHead: null,
      weights,
      calibration: calibration.toJSON() as unknown as Record<string, unknown>,
      metrics,
      training: {
        source: options.source,
        rows: n,
        epochs: history.loss.length,
        loss: history.loss,
        valLoss: history.valLoss,
        seconds,
        backend: options.backend,
        architecture: model.architecture,
        seed: options.seed,
        batchSize: options.batchSize,
        learningRate: options.learningRate,
        validationFraction: options.validationFraction,
      },
      trainingFrom: options.trainingFrom,
      trainingTo: options.trainingTo,
      reason: null,
    };
  } finally {
    disposeAutoencoder(model);
  }
}

/** `ae-<spec name>-<UTC yyyymmddThhmmss>-<first 8 hex of the weights' sha256>`. */
function modelId(specName: string, at: Date, weightsSha256: string): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').slice(0, 15);
  return `ae-${specName}-${stamp}-${weightsSha256.slice(0, 8)}`;
}

/** Scores every row in batches into the sketch; also returns the first rows' errors for the round trip. */
function calibrate(kernel: ScoringKernel, rows: Float32Array, n: number, d: number): { calibration: QuantileSketch; sample: Float32Array } {
  const calibration = new QuantileSketch({ alpha: CALIBRATION_ALPHA });
  const sample = new Float32Array(Math.min(n, ROUND_TRIP_ROWS));
  for (let start = 0; start < n; start += SCORE_BATCH) {
    const size = Math.min(SCORE_BATCH, n - start);
    const { errors } = kernel.score(rows.subarray(start * d, (start + size) * d), size);
    for (let i = 0; i < size; i++) {
      const error = errors[i]!;
      // A diverged network (loss NaN or Infinity) must not reach the registry as a model.
      if (!Number.isFinite(error)) {
        throw new Error(`training diverged: row ${start + i} has reconstruction error ${error}; lower the learning rate or check the input features`);
      }
      calibration.add(error);
      if (start + i < sample.length) sample[start + i] = error;
    }
  }
  return { calibration, sample };
}

/**
 * The stored model must score exactly like the one that was calibrated, or every percentile the
 * scorer reports would be off. Loading it back and re-scoring a sample costs milliseconds and
 * stops a serialisation bug before it reaches the registry.
 */
function checkRoundTrip(manifest: unknown, weights: Buffer, rows: Float32Array, expected: Float32Array): void {
  let loaded: Autoencoder | undefined;
  let kernel: ScoringKernel | undefined;
  try {
    loaded = deserialiseModel(manifest, weights);
    kernel = createScoringKernel(loaded);
    const { errors } = kernel.score(rows, expected.length);
    for (let i = 0; i < expected.length; i++) {
      if (errors[i] !== expected[i]) throw new Error(`serialised model scores row ${i} as ${errors[i]}, the trained one as ${expected[i]}`);
    }
  } finally {
    kernel?.dispose();
    if (loaded) disposeAutoencoder(loaded);
  }
}

