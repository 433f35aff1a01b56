import type { CompiledFeatureSpec } from '../features/feature-spec.ts';
import { createSimulator, type SimulatorOptions } from '../simulator/index.ts';
import { createTrainingRowCollector, type TrainingRows } from './training-rows.ts';

/**
 * `count` simulated transactions, encoded in event-time order. The simulator knows which are fraud,
 * so those are left out of training and calibration (they still shape their accounts' history):
 * the model learns legitimate traffic only.
 */
export function simulatedTrainingRows(spec: CompiledFeatureSpec, options: SimulatorOptions, count: number): TrainingRows {
  const simulator = createSimulator(options);
  const collector = createTrainingRowCollector(spec, count);
  for (let i = 0; i < count; i++) {
    const { transaction, truth } = simulator.next();
    if (truth.fraud) collector.countExcludedFraud();
    collector.push(transaction, Date.parse(transaction.timestamp), !truth.fraud, truth.fraud ? 1 : 0);
  }
  return collector.finish();
}
