import { z } from 'zod';
import { LabelValue } from './label.ts';

/** Request bodies of the review API (services/review/app.ts), validated once at the route. */

export const ROLES = ['analyst', 'lead', 'admin'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const Username = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_" or "-"');

export const SignInBody = z.object({
  username: Username,
  password: z.string().min(1).max(1024),
});
export type SignInBody = z.infer<typeof SignInBody>;

export const LabelBody = z.object({
  label: LabelValue,
  note: z.string().max(4000).optional(),
  reasonCode: z.string().min(1).max(64).optional(),
});
export type LabelBody = z.infer<typeof LabelBody>;

export const EscalateBody = z.object({ note: z.string().max(4000).optional() });
export type EscalateBody = z.infer<typeof EscalateBody>;

export const AssignBody = z.object({ analyst: Username });
export type AssignBody = z.infer<typeof AssignBody>;

export const ItemIdParam = z.coerce.number().int().positive();

export const REVIEW_STATUSES = ['open', 'claimed', 'labeled', 'escalated'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export const SearchQuery = z
  .object({
    transaction: z.string().min(1).max(128).optional(),
    account: z.string().min(1).max(128).optional(),
    status: z.enum(REVIEW_STATUSES).optional(),
  })
  .refine((q) => [q.transaction, q.account, q.status].filter((v) => v !== undefined).length === 1, 'give exactly one of transaction, account or status');
export type SearchQuery = z.infer<typeof SearchQuery>;

export const DashboardQuery = z.object({ hours: z.coerce.number().int().min(1).max(24 * 14).default(24) });

/** A review item as the API returns it. */
export interface ReviewItem {
  id: number;
  transactionId: string;
  accountId: string;
  status: ReviewStatus;
  priority: number;
  claimedBy: string | null;
  leaseExpiresAt: string | null;
  assignedTo: string | null;
  skippedBy: string | null;
  skipCount: number;
  escalatedBy: string | null;
  note: string | null;
  createdAt: string;
}
