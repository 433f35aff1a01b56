import type { z } from 'zod';
import type { ValidationIssue } from './dead-letter.ts';
import { type Transaction, TransactionSchema } from './transaction.ts';

export interface TransactionLimits {
  maxMessageBytes: number;
  /** How far ahead of the receiver's clock a timestamp may be before it is treated as absurd. */
  maxFutureSkewMs: number;
  /** Earliest plausible event time; older data can still be replayed if this is set low enough. */
  earliestTimestampMs: number;
}

export type ParsedTransaction =
  | { ok: true; transaction: Transaction }
  | {
      ok: false;
      reason: 'oversized' | 'invalid_json' | 'invalid_transaction' | 'timestamp_out_of_range';
      issues: ValidationIssue[];
    };

export function issuesFromZod(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.length === 0 ? '(root)' : issue.path.join('.'),
    message: issue.message,
  }));
}

/** Turns the raw bytes of a `transactions` record into a Transaction, or says exactly why not. */
export function parseTransaction(bytes: Buffer | null, nowMs: number, limits: TransactionLimits): ParsedTransaction {
  if (bytes === null || bytes.length === 0) {
    return { ok: false, reason: 'invalid_json', issues: [{ path: '(root)', message: 'message has no value' }] };
  }
  if (bytes.length > limits.maxMessageBytes) {
    return {
      ok: false,
      reason: 'oversized',
      issues: [{ path: '(root)', message: `message is ${bytes.length} bytes, limit is ${limits.maxMessageBytes}` }],
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: 'invalid_json', issues: [{ path: '(root)', message: (error as Error).message }] };
  }
  const result = TransactionSchema.safeParse(json);
  if (!result.success) return { ok: false, reason: 'invalid_transaction', issues: issuesFromZod(result.error) };

  const eventMs = Date.parse(result.data.timestamp);
  if (eventMs > nowMs + limits.maxFutureSkewMs) {
    return {
      ok: false,
      reason: 'timestamp_out_of_range',
      issues: [{ path: 'timestamp', message: `is more than ${limits.maxFutureSkewMs} ms in the future` }],
    };
  }
  if (eventMs < limits.earliestTimestampMs) {
    return {
      ok: false,
      reason: 'timestamp_out_of_range',
      issues: [{ path: 'timestamp', message: `is before ${new Date(limits.earliestTimestampMs).toISOString()}` }],
    };
  }
  return { ok: true, transaction: result.data };
}
