import { z } from 'zod';
import { Identifier } from './transaction.ts';

export const LabelValue = z.enum(['fraud', 'legit']);
export type LabelValue = z.infer<typeof LabelValue>;

/**
 * Review labels come from analysts working the queue (feedback); chargeback labels arrive days later
 * from the issuer (delayed supervision). Training keeps them apart, so the source is part of the label.
 */
export const LabelSource = z.enum(['review', 'chargeback']);

/** A recorded label as it goes on the `labels` topic; `id` is its row in `labels`, the consumers' dedupe key. */
export const LabelSchema = z.object({
  id: z.number().int().positive(),
  transactionId: Identifier,
  label: LabelValue,
  analyst: z.string().min(1).max(128),
  note: z.string().max(4000).optional(),
  reasonCode: z.string().max(64).optional(),
  source: LabelSource.default('review'),
  labeledAt: z.iso.datetime({ offset: true }),
  /** The label this one corrects (same transaction); the latest label of a transaction counts. */
  corrects: z.number().int().positive().optional(),
});
export type Label = z.infer<typeof LabelSchema>;

/**
 * A delayed label as the issuer's feed sends it on the `chargebacks` topic: usually fraud, reported
 * days after the transaction. The trainer records it as a label with source `chargeback`.
 */
export const ChargebackMessageSchema = z.object({
  transactionId: Identifier,
  label: LabelValue.default('fraud'),
  reportedAt: z.iso.datetime({ offset: true }),
  reasonCode: z.string().min(1).max(64).optional(),
});
export type ChargebackMessage = z.infer<typeof ChargebackMessageSchema>;
