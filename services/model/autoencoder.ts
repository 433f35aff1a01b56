// The autoencoder: a dense encoder (widths `hidden`, then `latent`) and a decoder that mirrors it,
// trained with Adam on mean squared error to reconstruct normalised rows of normal traffic. Anything
// it reconstructs badly is unlike what it was trained on. Training is deterministic given a seed:
// seeded initialisers, our own seeded shuffle (tfjs's is unseeded), and a validation split taken
// from the end because rows arrive in time order and the model must generalise forward in time.
import * as tf from '@tensorflow/tfjs';
import type { FeatureSpec } from '../features/feature-spec.ts';
import { fitNormalisation, normaliseRows, type Normalisation } from './normalisation.ts';
import { mulberry32, shuffledOrder } from './seeded-random.ts';

/** Activations that the scoring kernel can reproduce exactly (tanh as a separate op, the rest fused). */
export const activations = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'tanh'] as const;
export type Activation = (typeof activations)[number];

export interface AutoencoderArchitecture {
  inputSize: number;
  /** Encoder widths, outermost first; the decoder mirrors them. */
  hidden: number[];
  latent: number;
  /** Used by every layer except the output, which is linear. */
  activation: Activation;
}

export interface Autoencoder {
  architecture: AutoencoderArchitecture;
  featureNames: readonly string[];
  normalisation: Normalisation;
  /** Maps normalised rows to their reconstruction. */
  network: tf.LayersModel;
}

export interface EpochReport {
  epoch: number;
  loss: number;
  /** null when validationFraction is 0. */
  valLoss: number | null;
  seconds: number;
}

export interface TrainOptions {
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Fraction of the rows, taken from the end, held out for the validation loss (0 ≤ f < 1). */
  validationFraction: number;
  /**
   * Early stopping: stop once the validation loss has not improved for this many epochs in a row
   * and keep the weights of the best epoch, so `epochs` becomes a ceiling. Needs a validation split;
   * absent, every epoch runs and the last weights are kept.
   */
  patience?: number;
  architecture?: Partial<Omit<AutoencoderArchitecture, 'inputSize'>>;
  /**
   * Fine-tune this model instead of starting from random weights: its architecture, normalisation
   * and weights are the starting point (the trainer's periodic refresh on recent traffic).
   */
  start?: Autoencoder;
  onEpoch?: (report: EpochReport) => void;
}

export interface TrainingHistory {
  loss: number[];
  valLoss: number[];
  /** The epoch (1-based) whose weights the model has: the best one under early stopping, else the last. */
  keptEpoch: number;
}

/**
 * The network for a spec that declares none: compact, so the scorer's kernel stays well above a
 * million rows a second at batch 1024 (bench/scoring-kernel.ts). A spec fitted to other inputs names
 * its own (`network`): the handbook spec uses the handbook's 100 → 20 → 100 ReLU network.
 */
export const defaultArchitecture: Omit<AutoencoderArchitecture, 'inputSize'> = { hidden: [32, 16], latent: 8, activation: 'elu' };

/** The network a spec asks for, or the default. */
export function architectureFor(spec: FeatureSpec): Omit<AutoencoderArchitecture, 'inputSize'> {
  return spec.network ? { hidden: [...spec.network.hidden], latent: spec.network.latent, activation: spec.network.activation as Activation } : defaultArchitecture;
}

/**
 * A short schedule: 10 epochs of Adam at 1e-3 on batches of 256 (about 2,400 steps on a week of
 * the handbook's traffic). The handbook trains longer (1e-4, batches of 64, early stopping), and
 * with `patience` so can we, but a network this wide then comes close to the identity and ranks
 * fraud worse: on the handbook's validation week the short schedule gave a higher average precision
 * on each of seeds 1–8 (0.23 against 0.19 on average) and a higher mean card-precision@100, in
 * about a seventh of the training time.
 */
export const defaultTraining = { epochs: 10, batchSize: 256, learningRate: 1e-3, validationFraction: 0.1 } as const satisfies Omit<TrainOptions, 'seed'>;

/** Layer widths from input to output: [d, ...hidden, latent, ...hidden reversed, d]. */
export function layerWidths(architecture: AutoencoderArchitecture): number[] {
  const { inputSize, hidden, latent } = architecture;
  return [inputSize, ...hidden, latent, ...[...hidden].reverse(), inputSize];
}

export function validateArchitecture(architecture: AutoencoderArchitecture): void {
  const problems: string[] = [];
  const positiveInt = (value: unknown) => Number.isInteger(value) && (value as number) > 0;
  if (!positiveInt(architecture.inputSize)) problems.push(`inputSize must be a positive integer, got ${architecture.inputSize}`);
  if (!Array.isArray(architecture.hidden) || !architecture.hidden.every(positiveInt)) problems.push('hidden must be an array of positive integers');
  if (!positiveInt(architecture.latent)) problems.push(`latent must be a positive integer, got ${architecture.latent}`);
  if (!activations.includes(architecture.activation)) problems.push(`activation must be one of ${activations.join(', ')}, got ${architecture.activation}`);
  if (problems.length > 0) throw new RangeError(`invalid autoencoder architecture: ${problems.join('; ')}`);
}

/**
 * The network for an architecture. Each layer's kernel gets its own seed drawn from `seed`, so the
 * same seed always gives the same initial weights; biases start at zero.
 */
export function buildNetwork(architecture: AutoencoderArchitecture, seed: number): tf.LayersModel {
  validateArchitecture(architecture);
  const widths = layerWidths(architecture);
  const random = mulberry32(seed);
  const model = tf.sequential();
  for (let i = 1; i < widths.length; i++) {
    const last = i === widths.length - 1;
    model.add(
      tf.layers.dense({
        ...(i === 1 ? { inputShape: [widths[0]!] } : {}),
        units: widths[i]!,
        activation: last ? 'linear' : architecture.activation,
        kernelInitializer: tf.initializers.glorotUniform({ seed: Math.floor(random() * 2 ** 31) }),
        biasInitializer: 'zeros',
      }),
    );
  }
  return model;
}

/**
 * Learns the normalisation from the training part of `rows` (n*d, row-major, time order) and
 * trains a fresh network on it, or, with `options.start`, fine-tunes that model on the rows with
 * its normalisation kept (so its percentiles stay comparable). Rows must be finite.
 */
export async function trainAutoencoder(rows: Float32Array, n: number, featureNames: readonly string[], options: TrainOptions): Promise<{ model: Autoencoder; history: TrainingHistory }> {
  const d = featureNames.length;
  checkTrainingInput(rows, n, featureNames, options);
  const { start } = options;
  if (start && start.featureNames.join(',') !== featureNames.join(',')) throw new Error('fine-tuning needs rows of the same features as the model it starts from');
  const architecture: AutoencoderArchitecture = start ? start.architecture : { ...defaultArchitecture, ...options.architecture, inputSize: d };
  const nVal = Math.floor(n * options.validationFraction);
  const nTrain = n - nVal;
  const normalisation = start ? start.normalisation : fitNormalisation(rows, nTrain, d);
  const trainRows = normaliseRows(normalisation, rows.subarray(0, nTrain * d), nTrain);
  const network = buildNetwork(architecture, options.seed);
  if (start) network.setWeights(start.network.getWeights());
  network.compile({ optimizer: tf.train.adam(options.learningRate), loss: 'meanSquaredError' });

  const validation = nVal > 0 ? tf.tensor2d(normaliseRows(normalisation, rows.subarray(nTrain * d, n * d), nVal), [nVal, d]) : undefined;
  const shuffle = mulberry32(options.seed ^ 0x5eed5eed);
  const order = new Uint32Array(nTrain);
  const shuffled = new Float32Array(nTrain * d);
  const history: TrainingHistory = { loss: [], valLoss: [], keptEpoch: 0 };
  const { patience } = options;
  // Copies, not the layer variables: training goes on updating those after the best epoch.
  let best: { valLoss: number; epoch: number; weights: tf.Tensor[] } | undefined;
  let sinceBest = 0;
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const started = performance.now();
      shuffledOrder(order, shuffle);
      for (let i = 0; i < nTrain; i++) shuffled.set(trainRows.subarray(order[i]! * d, order[i]! * d + d), i * d);
      const x = tf.tensor2d(shuffled, [nTrain, d]);
      try {
        const result = await network.fit(x, x, {
          epochs: 1,
          batchSize: options.batchSize,
          shuffle: false,
          verbose: 0,
          ...(validation ? { validationData: [validation, validation] as [tf.Tensor, tf.Tensor] } : {}),
        });
        const loss = Number(result.history['loss']?.[0]);
        const valLoss = validation ? Number(result.history['val_loss']?.[0]) : null;
        history.loss.push(loss);
        if (valLoss !== null) history.valLoss.push(valLoss);
        options.onEpoch?.({ epoch: epoch + 1, loss, valLoss, seconds: (performance.now() - started) / 1000 });
        if (patience !== undefined && valLoss !== null) {
          if (best === undefined || valLoss < best.valLoss) {
            for (const w of best?.weights ?? []) w.dispose();
            best = { valLoss, epoch: epoch + 1, weights: network.getWeights().map((w) => w.clone()) };
            sinceBest = 0;
          } else if (++sinceBest >= patience) {
            break;
          }
        }
      } finally {
        x.dispose();
      }
    }
    history.keptEpoch = history.loss.length;
    if (best !== undefined) {
      network.setWeights(best.weights);
      history.keptEpoch = best.epoch;
    }
  } catch (error) {
    network.dispose();
    throw error;
  } finally {
    validation?.dispose();
    for (const w of best?.weights ?? []) w.dispose();
  }
  return { model: { architecture, featureNames: [...featureNames], normalisation, network }, history };
}

/** Reconstruction of raw rows through the layers API: the reference the scoring kernel must match. */
export function predictReconstruction(model: Autoencoder, rows: Float32Array, n: number, batchSize = n): Float32Array {
  const d = model.architecture.inputSize;
  const input = tf.tensor2d(normaliseRows(model.normalisation, rows, n), [n, d]);
  try {
    const output = model.network.predict(input, { batchSize: Math.max(1, batchSize) }) as tf.Tensor;
    try {
      return output.dataSync() as Float32Array;
    } finally {
      output.dispose();
    }
  } finally {
    input.dispose();
  }
}

export function disposeAutoencoder(model: Autoencoder): void {
  model.network.dispose();
}

function checkTrainingInput(rows: Float32Array, n: number, featureNames: readonly string[], options: TrainOptions): void {
  const d = featureNames.length;
  if (d === 0) throw new RangeError('at least one feature is needed');
  if (new Set(featureNames).size !== d) throw new RangeError('feature names must be unique');
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`need at least 2 training rows, got ${n}`);
  if (rows.length !== n * d) throw new RangeError(`rows has ${rows.length} values, expected ${n} rows × ${d} features = ${n * d}`);
  if (!(options.validationFraction >= 0 && options.validationFraction < 1)) throw new RangeError('validationFraction must be in [0, 1)');
  if (n - Math.floor(n * options.validationFraction) < 1) throw new RangeError('no rows left to train on after the validation split');
  if (!(Number.isInteger(options.epochs) && options.epochs >= 0)) throw new RangeError('epochs must be a non-negative integer');
  if (!(Number.isInteger(options.batchSize) && options.batchSize > 0)) throw new RangeError('batchSize must be a positive integer');
  if (!(options.learningRate > 0)) throw new RangeError('learningRate must be positive');
  if (options.patience !== undefined) {
    if (!(Number.isInteger(options.patience) && options.patience >= 1)) throw new RangeError('patience must be a positive integer');
    if (Math.floor(n * options.validationFraction) < 1) throw new RangeError('early stopping (patience) needs a validation split: set validationFraction above 0');
  }
  for (let i = 0; i < rows.length; i++) {
    if (!Number.isFinite(rows[i]!)) throw new RangeError(`row ${Math.floor(i / d)}, feature "${featureNames[i % d]}" is not finite`);
  }
}
