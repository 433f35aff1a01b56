// Public API of the transaction simulator: pure and deterministic, no I/O. Producers (the Kafka CLI)
// build on createSimulator and decide themselves how event time maps to wall-clock time.
export { createSimulator, SimulatorOptionsError, SimulatorOptionsSchema } from './simulate.ts';
export { RISKY_MCCS } from './reference-data.ts';
export {
  FRAUD_PATTERNS,
  type AccountProfile,
  type FraudPattern,
  type GroundTruth,
  type MerchantProfile,
  type RetailChannel,
  type SimulatedTransaction,
  type Simulator,
  type SimulatorOptions,
} from './types.ts';
