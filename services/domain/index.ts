import type { DeadLetter } from './dead-letter.ts';
import type { Decision } from './decision.ts';
import type { ChargebackMessage, Label } from './label.ts';
import type { ModelVersion } from './model-version.ts';
import type { Transaction } from './transaction.ts';

export * from './account-state.ts';
export * from './dead-letter.ts';
export * from './decision.ts';
export * from './decision-row.ts';
export * from './label.ts';
export * from './model-version.ts';
export * from './parse-message.ts';
export * from './parse-transaction.ts';
export * from './review.ts';
export * from './transaction.ts';

/** Logical topic names and the payload each carries. Physical names come from config (prefix + name). */
export interface TopicPayloads {
  transactions: Transaction;
  'transactions.dlq': DeadLetter;
  decisions: Decision;
  labels: Label;
  chargebacks: ChargebackMessage;
  'model-updates': ModelVersion;
}
export type TopicName = keyof TopicPayloads;
export const TOPIC_NAMES: readonly TopicName[] = [
  'transactions',
  'transactions.dlq',
  'decisions',
  'labels',
  'chargebacks',
  'model-updates',
];
