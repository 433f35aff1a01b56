import { z } from 'zod';
import { auditError } from './errors.ts';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export interface Page {
  first: number;
  after?: string | null | undefined;
}

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const PageSchema = z.object({
  first: z.number().int().min(1, 'first must be at least 1').max(MAX_PAGE_SIZE, `first must be at most ${MAX_PAGE_SIZE}`),
  after: z.string().max(512).nullish(),
});

/** Checks page arguments; BAD_USER_INPUT names what is wrong. */
export function parsePage(args: { first?: number | null; after?: string | null }): Page {
  const parsed = PageSchema.safeParse({ first: args.first ?? DEFAULT_PAGE_SIZE, after: args.after });
  if (!parsed.success) throw auditError('BAD_USER_INPUT', parsed.error.issues.map((issue) => issue.message).join('; '));
  return parsed.data;
}

/**
 * Cursors are the sort key of the last row seen (keyset pagination): the next page starts strictly
 * after it, so rows inserted meanwhile never shift a page, repeat a row or skip one. Opaque to
 * clients, validated on the way back in.
 */
/** The cursor of a list ordered by a bigint id. */
export const IdCursor = z.tuple([z.string().regex(/^\d{1,19}$/)]);
/** The cursor of a list ordered by a timestamp, ties broken by a text key. */
export const TimeAndKeyCursor = z.tuple([z.iso.datetime(), z.string()]);

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<T extends z.ZodType>(cursor: string, shape: T): z.infer<T> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw auditError('BAD_USER_INPUT', 'after: not a cursor this API returned');
  }
  const parsed = shape.safeParse(json);
  if (!parsed.success) throw auditError('BAD_USER_INPUT', 'after: not a cursor of this list');
  return parsed.data;
}

/** Builds a page from up to `first + 1` rows (the extra row only says whether there is more). */
export function toConnection<T>(rows: readonly T[], page: Page, keyOf: (row: T) => readonly (string | number)[]): Connection<T> {
  const nodes = rows.slice(0, page.first);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > page.first, endCursor: edges.at(-1)?.cursor ?? null } };
}
