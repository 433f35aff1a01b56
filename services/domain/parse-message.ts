import type { z } from 'zod';

/**
 * A Kafka record's value as `schema`, or null when it is not JSON or not valid: for the internal
 * topics (labels, model-updates) whose consumers skip a bad record with a warning.
 */
export function parseMessage<T extends z.ZodType>(schema: T, value: Buffer | null): z.infer<T> | null {
  let json: unknown;
  try {
    json = JSON.parse(value?.toString('utf8') ?? '');
  } catch {
    return null;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : null;
}
