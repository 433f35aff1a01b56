import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTransaction, type TransactionLimits } from '../../services/domain/index.ts';

const NOW = Date.parse('2026-01-15T12:00:00Z');
const limits: TransactionLimits = { maxMessageBytes: 4096, maxFutureSkewMs: 86_400_000, earliestTimestampMs: Date.parse('2000-01-01T00:00:00Z') };
const valid = {
  id: 'tx-1',
  timestamp: '2026-01-15T11:59:00Z',
  accountId: 'acct-1',
  amount: '12.50',
  currency: 'EUR',
  merchantId: 'merch-1',
  merchantCategory: '5411',
  country: 'FR',
  channel: 'card_present',
};
const parse = (value: unknown) => parseTransaction(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), NOW, limits);
const reject = (value: unknown) => {
  const result = parse(value);
  assert.equal(result.ok, false, `expected rejection of ${JSON.stringify(value)}`);
  return result as Extract<typeof result, { ok: false }>;
};

describe('parseTransaction', () => {
  it('accepts a valid transaction and turns a decimal string amount into a number', () => {
    const result = parse(valid);
    assert.ok(result.ok);
    assert.equal(result.transaction.amount, 12.5);
    assert.equal(result.transaction.deviceId, undefined);
  });

  it('accepts optional device, ip, attributes and pre-engineered features', () => {
    const result = parse({ ...valid, amount: 3, deviceId: 'dev-1', ip: '2001:db8::1', attributes: { mcc_desc: 'grocery' }, features: { V1: -1.5 } });
    assert.ok(result.ok);
    assert.equal(result.transaction.features?.V1, -1.5);
  });

  it('names bad JSON, empty and oversized messages', () => {
    assert.equal(reject('{"id": ').reason, 'invalid_json');
    assert.equal(parseTransaction(null, NOW, limits).ok, false);
    assert.equal(parseTransaction(Buffer.alloc(0), NOW, limits).ok, false);
    const big = reject({ ...valid, attributes: { blob: 'x'.repeat(5000) } });
    assert.equal(big.reason, 'oversized');
    assert.match(big.issues[0]!.message, /limit is 4096/);
  });

  it('rejects missing fields and wrong types with the path of each problem', () => {
    const { id: _id, ...noId } = valid;
    const missing = reject(noId);
    assert.equal(missing.reason, 'invalid_transaction');
    assert.ok(missing.issues.some((issue) => issue.path === 'id'));
    const wrong = reject({ ...valid, country: 7, channel: 'telepathy' });
    assert.deepEqual(wrong.issues.map((issue) => issue.path).sort(), ['channel', 'country']);
    assert.equal(reject([valid]).reason, 'invalid_transaction');
  });

  it('rejects negative, non-finite, malformed and absurd amounts', () => {
    for (const amount of [-1, '-1.00', '1e3', 'NaN', '12.3456789', 1e13, '', null, true]) {
      const rejected = reject({ ...valid, amount });
      assert.ok(rejected.issues.some((issue) => issue.path === 'amount'), `amount ${JSON.stringify(amount)}`);
    }
    assert.match(reject({ ...valid, amount: -5 }).issues[0]!.message, /negative/);
  });

  it('rejects unknown currencies and badly formed codes', () => {
    assert.match(reject({ ...valid, currency: 'XYZ' }).issues[0]!.message, /not a known ISO 4217/);
    assert.ok(reject({ ...valid, currency: 'eur' }).issues.some((issue) => issue.path === 'currency'));
  });

  it('rejects timestamps absurdly in the future or before the earliest plausible date', () => {
    const future = reject({ ...valid, timestamp: '2026-01-17T12:00:00Z' });
    assert.equal(future.reason, 'timestamp_out_of_range');
    assert.ok(parse({ ...valid, timestamp: '2026-01-16T11:59:00Z' }).ok, 'within the allowed skew');
    assert.equal(reject({ ...valid, timestamp: '1999-12-31T23:59:59Z' }).reason, 'timestamp_out_of_range');
    assert.equal(reject({ ...valid, timestamp: '2026-01-15 11:59' }).reason, 'invalid_transaction');
  });

  it('rejects hostile identifiers and oversized fields', () => {
    assert.ok(reject({ ...valid, id: 'a b' }).issues.some((issue) => issue.path === 'id'));
    assert.ok(reject({ ...valid, accountId: 'x'.repeat(129) }).issues.some((issue) => issue.path === 'accountId'));
    assert.ok(reject({ ...valid, merchantId: '<script>\u0000' }).issues.some((issue) => issue.path === 'merchantId'));
    assert.ok(reject({ ...valid, features: { V1: 'a' } }).issues.some((issue) => issue.path.startsWith('features')));
  });
});
