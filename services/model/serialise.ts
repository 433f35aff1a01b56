// A trained model as two values Postgres can hold: a JSON manifest (jsonb: architecture, feature
// names, normalisation, the shape and place of each weight tensor, a checksum) and one
// little-endian float32 byte buffer with every weight (bytea). Float32 values survive both JSON
// (a float32 widened to a double prints and parses back exactly) and the buffer bit for bit, so a
// loaded model scores exactly like the saved one.
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { activations, buildNetwork, layerWidths, validateArchitecture, type Autoencoder } from './autoencoder.ts';

export const MODEL_FORMAT = 'loupe-autoencoder/1';

const ManifestSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  architecture: z.object({
    inputSize: z.number().int().positive(),
    hidden: z.array(z.number().int().positive()),
    latent: z.number().int().positive(),
    activation: z.enum(activations),
  }),
  featureNames: z.array(z.string()),
  normalisation: z.object({ mean: z.array(z.number()), std: z.array(z.number().positive()) }),
  tensors: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), byteOffset: z.number().int().nonnegative() })),
  byteLength: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ModelManifest = z.infer<typeof ManifestSchema>;

export interface SerialisedModel {
  manifest: ModelManifest;
  weights: Buffer;
}

export function serialiseModel(model: Autoencoder): SerialisedModel {
  const tensors: ModelManifest['tensors'] = [];
  const values: Float32Array[] = [];
  let byteOffset = 0;
  model.network.layers.forEach((layer, i) => {
    const [kernel, bias] = layer.getWeights();
    if (!kernel || !bias) throw new Error(`layer ${i} (${layer.name}) has no kernel and bias`);
    for (const [name, tensor] of [[`layer${i}/kernel`, kernel], [`layer${i}/bias`, bias]] as const) {
      const data = tensor.dataSync() as Float32Array;
      tensors.push({ name, shape: [...tensor.shape], byteOffset });
      values.push(data);
      byteOffset += data.length * 4;
    }
  });
  const weights = Buffer.alloc(byteOffset);
  let at = 0;
  for (const data of values) {
    for (let k = 0; k < data.length; k++, at += 4) weights.writeFloatLE(data[k]!, at);
  }
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    architecture: { ...model.architecture, hidden: [...model.architecture.hidden] },
    featureNames: [...model.featureNames],
    normalisation: { mean: Array.from(model.normalisation.mean), std: Array.from(model.normalisation.std) },
    tensors,
    byteLength: weights.length,
    sha256: sha256(weights),
  };
  return { manifest, weights };
}

/** Rebuilds a model from `serialiseModel`'s output; refuses anything inconsistent, naming the problem. */
export function deserialiseModel(manifestJson: unknown, weights: Uint8Array): Autoencoder {
  const parsed = ManifestSchema.safeParse(manifestJson);
  if (!parsed.success) {
    throw new Error(`invalid model manifest: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const manifest = parsed.data;
  const { architecture } = manifest;
  validateArchitecture(architecture);
  const d = architecture.inputSize;
  if (manifest.featureNames.length !== d) throw new Error(`manifest names ${manifest.featureNames.length} features but the architecture takes ${d}`);
  if (manifest.normalisation.mean.length !== d || manifest.normalisation.std.length !== d) throw new Error(`manifest normalisation must have ${d} means and stds`);
  if (weights.byteLength !== manifest.byteLength) throw new Error(`weights are ${weights.byteLength} bytes, manifest says ${manifest.byteLength}`);
  if (sha256(weights) !== manifest.sha256) throw new Error('weights do not match the manifest checksum (corrupted or from another model)');

  const widths = layerWidths(architecture);
  const expected = widths.slice(1).flatMap((w, i) => [[widths[i]!, w], [w]]);
  if (manifest.tensors.length !== expected.length) throw new Error(`manifest lists ${manifest.tensors.length} tensors, the architecture needs ${expected.length}`);
  const view = new DataView(weights.buffer, weights.byteOffset, weights.byteLength);
  const arrays = manifest.tensors.map((entry, k) => {
    const shape = expected[k]!;
    if (entry.shape.join('x') !== shape.join('x')) throw new Error(`tensor ${entry.name} has shape [${entry.shape}], expected [${shape}]`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (entry.byteOffset + size * 4 > weights.byteLength) throw new Error(`tensor ${entry.name} runs past the end of the weights`);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = view.getFloat32(entry.byteOffset + i * 4, true);
    return { data, shape };
  });

  // The initial weights are overwritten at once; the seed only has to be valid.
  const network = buildNetwork(architecture, 0);
  const tensors = arrays.map(({ data, shape }) => tf.tensor(data, shape));
  try {
    network.setWeights(tensors);
  } catch (error) {
    network.dispose();
    throw error;
  } finally {
    for (const t of tensors) t.dispose();
  }
  return {
    architecture: { ...architecture, hidden: [...architecture.hidden] },
    featureNames: manifest.featureNames,
    normalisation: { mean: Float32Array.from(manifest.normalisation.mean), std: Float32Array.from(manifest.normalisation.std) },
    network,
  };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
