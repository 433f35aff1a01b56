// The model core: backend choice, autoencoder build/train, the shipped scoring kernel, the
// percentile sketch and (de)serialisation. Pure: tensors in, numbers out; no I/O edges.
// (The sketch alone, for the policy, is cheaper to import from './quantile-sketch.ts': no tfjs.)
export * from './anomaly-model.ts';
export * from './autoencoder.ts';
export * from './backend.ts';
export * from './normalisation.ts';
export * from './quantile-sketch.ts';
export * from './scoring-kernel.ts';
export * from './serialise.ts';
