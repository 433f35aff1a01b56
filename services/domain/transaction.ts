import { z } from 'zod';
import { CURRENCY_CODES } from './currencies.ts';

/** Identifiers are opaque printable ASCII (no spaces or control characters), bounded in length. */
export const Identifier = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** Largest accepted amount in major units. Larger values are producer bugs, and doubles stay exact to the cent. */
export const MAX_AMOUNT = 1_000_000_000_000;

const DecimalString = /^\d{1,13}(\.\d{1,6})?$/;

const Amount = z.union([z.number(), z.string()]).transform((raw, ctx) => {
  const value = typeof raw === 'number' ? raw : DecimalString.test(raw) ? Number(raw) : Number.NaN;
  if (typeof raw === 'string' && raw.trim().startsWith('-')) {
    ctx.addIssue({ code: 'custom', message: 'amount must not be negative' });
    return z.NEVER;
  }
  if (!Number.isFinite(value)) {
    ctx.addIssue({ code: 'custom', message: 'amount must be a finite number or a decimal string like "12.34"' });
    return z.NEVER;
  }
  if (value < 0) {
    ctx.addIssue({ code: 'custom', message: 'amount must not be negative' });
    return z.NEVER;
  }
  if (value > MAX_AMOUNT) {
    ctx.addIssue({ code: 'custom', message: `amount must be at most ${MAX_AMOUNT}` });
    return z.NEVER;
  }
  return value;
});

export const CHANNELS = ['card_present', 'contactless', 'ecommerce', 'moto', 'atm', 'recurring', 'transfer'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

const MAX_ATTRIBUTES_JSON_BYTES = 4096;
const MAX_FEATURES = 512;

export const TransactionSchema = z.object({
  id: Identifier,
  timestamp: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone' }),
  accountId: Identifier,
  amount: Amount,
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code')
    .refine((code) => CURRENCY_CODES.has(code), 'is not a known ISO 4217 currency'),
  merchantId: Identifier,
  merchantCategory: z.string().regex(/^\d{4}$/, 'must be a four-digit merchant category code (MCC)'),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code'),
  channel: Channel,
  deviceId: Identifier.optional(),
  ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  attributes: z
    .record(z.string().max(64), z.unknown())
    .refine((value) => JSON.stringify(value).length <= MAX_ATTRIBUTES_JSON_BYTES, {
      message: `must serialise to at most ${MAX_ATTRIBUTES_JSON_BYTES} bytes`,
    })
    .optional(),
  features: z
    .record(z.string().min(1).max(64), z.number().refine(Number.isFinite, 'must be a finite number'))
    .refine((value) => Object.keys(value).length <= MAX_FEATURES, `must have at most ${MAX_FEATURES} entries`)
    .optional(),
});

export type Transaction = z.infer<typeof TransactionSchema>;
/** What a producer may send: amount as a number or a decimal string. */
export type TransactionInput = z.input<typeof TransactionSchema>;
