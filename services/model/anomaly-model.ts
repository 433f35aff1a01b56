import type { Anomaly } from '../domain/index.ts';
import { type CompiledFeatureSpec, compileFeatureSpec } from '../features/feature-spec.ts';
import { QuantileSketch, type QuantileSketchJson } from './quantile-sketch.ts';
import { createScoringKernel, topFeatures } from './scoring-kernel.ts';
import { deserialiseModel } from './serialise.ts';
import { headFeatureNames, type SupervisedHead, SupervisedHeadSchema } from './supervised-head.ts';

/** What a stored model version holds that scoring needs (a subset of the registry row). */
export interface ModelArtifact {
  id: string;
  featureSpec: unknown;
  featureSpecVersion: string;
  manifest: unknown;
  weights: Uint8Array;
  calibration: unknown;
  /** The supervised head, if the version has one (null or absent: autoencoder and rules only). */
  head?: unknown;
}

/** A model version ready to score: its feature spec, its kernel and its calibration. */
export interface AnomalyModel {
  readonly version: string;
  readonly featureSpec: CompiledFeatureSpec;
  /** Trained on labels; when present the policy decides from its terms (services/policy/decide.ts). */
  readonly head: SupervisedHead | null;
  /** Anomaly of each of the first n rows (raw feature values, row-major), with its top features. */
  assess(rows: Float32Array, n: number): Anomaly[];
  dispose(): void;
}

/** A stored head, checked against the feature names of the model it sits on. */
export function parseModelHead(id: string, json: unknown, names: readonly string[]): SupervisedHead {
  const parsed = SupervisedHeadSchema.safeParse(json);
  if (!parsed.success) throw new Error(`model ${id}: invalid supervised head: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  if (parsed.data.kind === 'feedback-delayed' && parsed.data.feedback.featureNames.join(',') !== parsed.data.delayed.featureNames.join(',')) {
    throw new Error(`model ${id}: the two parts of its supervised head read different features`);
  }
  if (headFeatureNames(parsed.data).join(',') !== names.join(',')) throw new Error(`model ${id}: its supervised head was trained on other features than its spec`);
  return parsed.data;
}

/** How many features an explanation names. */
const TOP_FEATURES = 5;

/**
 * Rebuilds a stored model. The percentile of an error is its rank in the calibration sketch (errors
 * on the legitimate traffic the model was calibrated on), so a percentile means the same thing
 * whichever version produced it. Fails if the stored spec no longer hashes to the recorded version,
 * because the model would then be fed features it was not trained on.
 */
export function loadAnomalyModel(artifact: ModelArtifact): AnomalyModel {
  const featureSpec = compileFeatureSpec(artifact.featureSpec);
  if (featureSpec.version !== artifact.featureSpecVersion) {
    throw new Error(`model ${artifact.id}: feature spec hashes to ${featureSpec.version}, but the model records ${artifact.featureSpecVersion}`);
  }
  const model = deserialiseModel(artifact.manifest, artifact.weights);
  if (model.featureNames.join(',') !== featureSpec.names.join(',')) {
    throw new Error(`model ${artifact.id}: its feature names do not match its feature spec ${featureSpec.version}`);
  }
  const kernel = createScoringKernel(model);
  model.network.dispose();
  const calibration = QuantileSketch.fromJSON(artifact.calibration as QuantileSketchJson);
  const head = artifact.head === undefined || artifact.head === null ? null : parseModelHead(artifact.id, artifact.head, featureSpec.names);
  return {
    version: artifact.id,
    featureSpec,
    head,
    assess(rows, n) {
      const result = kernel.score(rows, n);
      return Array.from({ length: n }, (_, row) => {
        const error = result.errors[row]!;
        return {
          error,
          percentile: calibration.rank(error),
          topFeatures: topFeatures(result, row, TOP_FEATURES, featureSpec.names).map(({ feature, error: featureError }) => ({ feature, error: featureError })),
        };
      });
    },
    dispose: () => kernel.dispose(),
  };
}
