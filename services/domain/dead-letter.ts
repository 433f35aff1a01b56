import { z } from 'zod';

export const ValidationIssueSchema = z.object({ path: z.string(), message: z.string() });
export type ValidationIssue = z.infer<typeof ValidationIssueSchema>;

/**
 * A message the scorer could not accept. The original bytes travel base64-encoded so that any input,
 * including invalid UTF-8, can be inspected and replayed exactly as it arrived.
 */
export const DeadLetterSchema = z.object({
  reason: z.enum(['oversized', 'invalid_json', 'invalid_transaction', 'timestamp_out_of_range']),
  issues: z.array(ValidationIssueSchema),
  source: z.object({
    topic: z.string(),
    partition: z.number().int(),
    offset: z.string(),
    key: z.string().nullable(),
    timestamp: z.string(),
  }),
  originalBase64: z.string(),
  originalBytes: z.number().int(),
  rejectedAt: z.iso.datetime({ offset: true }),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;
