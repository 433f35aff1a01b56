import type { z } from 'zod';
import { ReviewError } from './errors.ts';

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ');
}

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new ReviewError('INVALID_BODY', describe(parsed.error));
  return parsed.data;
}

export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw new ReviewError('INVALID_QUERY', describe(parsed.error));
  return parsed.data;
}
