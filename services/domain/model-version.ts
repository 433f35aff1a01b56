import { z } from 'zod';

/** Announcement of a promoted model on the `model-updates` topic; the weights stay in Postgres. */
export const ModelVersionSchema = z.object({
  id: z.string().min(1).max(128),
  parentId: z.string().nullable(),
  featureSpecVersion: z.string(),
  metrics: z.record(z.string(), z.number()),
  promotedAt: z.iso.datetime({ offset: true }).nullable(),
  reason: z.string(),
});
export type ModelVersion = z.infer<typeof ModelVersionSchema>;
