import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccountStateSchema } from '../../services/domain/index.ts';
import { emptyAccountState } from '../../services/features/account-state.ts';
import { addToDays, dayWindow, KEPT_DAYS } from '../../services/features/day-buckets.ts';
import { compileFeatureSpec } from '../../services/features/feature-spec.ts';
import { loadFeatureSpec } from '../../services/features/load-feature-spec.ts';
import { foldTransactions, transactionsFrom } from '../helpers/transactions.ts';

const T0 = Date.parse('2026-03-02T10:00:00Z'); // a Monday
const tx = transactionsFrom(T0);
const fold = foldTransactions;
const row = (spec: ReturnType<typeof compileFeatureSpec>, state = emptyAccountState(), t = tx(0)) =>
  Object.fromEntries(spec.names.map((name, i) => [name, spec.encode(state, t)[i]!]));

describe('feature spec', () => {
  it('names every output and versions by content', () => {
    const spec = compileFeatureSpec({ name: 'tiny', features: [{ kind: 'log-amount' }, { kind: 'cyclic', of: 'hour-of-day' }] });
    assert.deepEqual(spec.names, ['log_amount', 'hour_sin', 'hour_cos']);
    assert.match(spec.version, /^tiny-[0-9a-f]{12}$/);
    assert.equal(spec.version, compileFeatureSpec({ name: 'tiny', features: [{ kind: 'log-amount' }, { kind: 'cyclic', of: 'hour-of-day' }] }).version);
    assert.notEqual(spec.version, compileFeatureSpec({ name: 'tiny', features: [{ kind: 'log-amount' }] }).version);
  });

  it('refuses unknown kinds, bad fields and duplicate outputs', () => {
    assert.throws(() => compileFeatureSpec({ name: 'x', features: [{ kind: 'magic' }] }));
    assert.throws(() => compileFeatureSpec({ name: 'x', features: [{ kind: 'one-hot', field: 'ip', vocabulary: ['a'] }] }));
    assert.throws(() => compileFeatureSpec({ name: 'x', features: [{ kind: 'log-amount' }, { kind: 'log-amount' }] }), /duplicate feature names/);
  });

  it('puts unseen categories in the "other" slot', () => {
    const spec = compileFeatureSpec({ name: 'cat', features: [{ kind: 'one-hot', field: 'country', vocabulary: ['FR', 'DE'] }] });
    assert.deepEqual(row(spec), { 'country=FR': 1, 'country=DE': 0, 'country=other': 0 });
    assert.deepEqual(row(spec, undefined, tx(0, { country: 'JP' })), { 'country=FR': 0, 'country=DE': 0, 'country=other': 1 });
  });

  it('hashes ids stably into one bucket, and a missing optional id into none', () => {
    const spec = compileFeatureSpec({ name: 'h', features: [{ kind: 'hashed', field: 'deviceId', buckets: 8 }] });
    const a = spec.encode(emptyAccountState(), tx(0, { deviceId: 'dev-42' }));
    assert.equal(a.reduce((s, v) => s + v, 0), 1);
    assert.deepEqual(a, spec.encode(emptyAccountState(), tx(5, { deviceId: 'dev-42' })));
    assert.equal(spec.encode(emptyAccountState(), tx(0, { deviceId: undefined })).reduce((s, v) => s + v, 0), 0);
  });

  it('reads the clock in the transaction\'s own time zone', () => {
    const spec = compileFeatureSpec({ name: 'c', features: [{ kind: 'cyclic', of: 'hour-of-day' }, { kind: 'cyclic', of: 'day-of-week' }] });
    const utcMidnight = row(spec, undefined, tx(0, { timestamp: '2026-03-02T00:00:00Z' }));
    assert.ok(Math.abs(utcMidnight.hour_sin!) < 1e-6 && Math.abs(utcMidnight.hour_cos! - 1) < 1e-6);
    const sixLocal = row(spec, undefined, tx(0, { timestamp: '2026-03-02T06:00:00+06:00' }));
    assert.ok(Math.abs(sixLocal.hour_sin! - 1) < 1e-6, 'six in the morning local time');
    const sundayEvening = row(spec, undefined, tx(0, { timestamp: '2026-03-01T23:30:00-01:00' }));
    assert.ok(Math.abs(sundayEvening.weekday_sin!) < 1e-6 && Math.abs(sundayEvening.weekday_cos! - 1) < 1e-6, 'still Sunday locally');
  });

  it('flags weekends and the handbook\'s night (hours 0 to 6) on the clock as written', () => {
    const spec = compileFeatureSpec({ name: 'f', features: [{ kind: 'calendar-flag', flag: 'weekend' }, { kind: 'calendar-flag', flag: 'night' }] });
    assert.deepEqual(spec.names, ['is_weekend', 'is_night']);
    const at = (timestamp: string) => row(spec, undefined, tx(0, { timestamp }));
    assert.deepEqual(at('2026-03-02T00:00:00Z'), { is_weekend: 0, is_night: 1 }, 'Monday midnight');
    assert.deepEqual(at('2026-03-02T06:59:59Z'), { is_weekend: 0, is_night: 1 }, 'hour 6 is still night');
    assert.deepEqual(at('2026-03-02T07:00:00Z'), { is_weekend: 0, is_night: 0 });
    assert.deepEqual(at('2026-02-28T12:00:00Z'), { is_weekend: 1, is_night: 0 }, 'Saturday');
    assert.deepEqual(at('2026-03-01T23:59:59Z'), { is_weekend: 1, is_night: 0 }, 'Sunday, last second');
    assert.deepEqual(at('2026-03-01T23:30:00-01:00'), { is_weekend: 1, is_night: 0 }, 'Monday in UTC, still Sunday evening locally');
    assert.throws(() => compileFeatureSpec({ name: 'f', features: [{ kind: 'calendar-flag', flag: 'holiday' }] }));
  });

  it('counts windows at their edges, this transaction included', () => {
    const spec = compileFeatureSpec({
      name: 'w',
      features: ['10m', '1h', '1d', '7d', '30d'].map((window) => ({ kind: 'account-window', stat: 'count', window })),
    });
    const state = fold([tx(-600_000), tx(-599_999), tx(-3_600_000), tx(-86_400_000), tx(-86_399_999)]);
    const values = row(spec, state, tx(0)).valueOf() as Record<string, number>;
    const counts = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Math.round(Math.expm1(v))]));
    // 10 min: the event exactly 10 min old is outside; 1 h: the one exactly 1 h old is outside.
    assert.deepEqual(counts, { account_count_10m: 2, account_count_1h: 3, account_count_1d: 5, account_count_7d: 6, account_count_30d: 6 });
  });

  it('aligns 7- and 30-day windows to UTC days and forgets older days', () => {
    let days = addToDays([], T0, 10);
    days = addToDays(days, T0 - 6 * 86_400_000, 5);
    days = addToDays(days, T0 - 7 * 86_400_000, 7);
    assert.deepEqual(dayWindow(days, T0, 7), { count: 2, sum: 15 });
    assert.deepEqual(dayWindow(days, T0, 30), { count: 3, sum: 22 });
    days = addToDays(days, T0 + KEPT_DAYS * 86_400_000, 1);
    assert.equal(days.length, 1, 'a month later only the new day remains');
  });

  it('handles an account without history and missing optional fields', () => {
    const spec = compileFeatureSpec({
      name: 'm',
      features: [
        { kind: 'amount-to-account-mean' },
        { kind: 'time-since-last' },
        { kind: 'is-new', of: 'device' },
        { kind: 'is-new', of: 'merchant' },
        { kind: 'message', name: 'V1', default: -1 },
      ],
    });
    const first = row(spec, emptyAccountState(), tx(0, { deviceId: undefined }));
    assert.deepEqual(first, { log_amount_to_account_mean: 0, log_minutes_since_last: first.log_minutes_since_last, new_device: 0, new_merchant: 0, V1: -1 });
    assert.ok(first.log_minutes_since_last! > 10);
    const state = fold([tx(0)]);
    const later = row(spec, state, tx(60_000, { merchantId: 'merch-2', deviceId: 'dev-9', amount: 20, features: { V1: 2.5 } }));
    assert.equal(later.new_merchant, 1);
    assert.equal(later.new_device, 1);
    assert.equal(later.V1, 2.5);
    assert.ok(Math.abs(later.log_minutes_since_last! - Math.log1p(1)) < 1e-6);
    assert.ok(Math.abs(later.log_amount_to_account_mean!) < 1e-6);
    for (const value of Object.values(row(spec, emptyAccountState(), tx(0, { amount: 0 })))) assert.ok(Number.isFinite(value));
  });

  it('ships specs that compile, and account states stored before day buckets still load', async () => {
    for (const name of ['card-default', 'handbook', 'ulb-pca']) {
      const spec = await loadFeatureSpec(name);
      assert.ok(spec.names.length > 5, name);
    }
    await assert.rejects(loadFeatureSpec('no-such-spec'), /feature spec "no-such-spec" not found/);
    const old = { recent: [], lastTimestampMs: null, lastCountry: null, devices: [], countries: [], txCount: 0, amountMean: 0 };
    assert.deepEqual(AccountStateSchema.parse(old).days, []);
  });
});

describe('row encoder', () => {
  it('encodes a stream row by row with each account carrying its own state', async () => {
    const { createRowEncoder } = await import('../../services/features/row-encoder.ts');
    const spec = compileFeatureSpec({ name: 'r', features: [{ kind: 'account-window', stat: 'count', window: '1h' }, { kind: 'is-new', of: 'merchant' }] });
    const encoder = createRowEncoder(spec, 1);
    const stream = [tx(0), tx(1000, { accountId: 'acct-2' }), tx(2000, { merchantId: 'merch-9' }), tx(3000)];
    assert.deepEqual(stream.map((t) => encoder.push(t)), [0, 1, 2, 3]);
    const rows = [...encoder.rows()];
    assert.equal(rows.length, 8, 'grew past its initial capacity');
    const counts = [0, 2, 4, 6].map((i) => Math.round(Math.expm1(rows[i]!)));
    assert.deepEqual(counts, [1, 1, 2, 3], 'acct-2 has a history of its own');
    assert.deepEqual([1, 3, 5, 7].map((i) => rows[i]), [0, 0, 1, 0]);
  });
});

describe('merchant features', () => {
  const spec = compileFeatureSpec({
    name: 'merchant',
    features: [
      { kind: 'merchant-window', window: '7d', delayDays: 7 },
      { kind: 'merchant-risk', window: '7d', delayDays: 7 },
    ],
  });
  const day = 86_400_000;

  it('uses a merchant\'s fraud labels only once the label delay has passed', async () => {
    const { createRowEncoder } = await import('../../services/features/row-encoder.ts');
    const encoder = createRowEncoder(spec);
    // Day 0: ten transactions at merch-1, two of them fraud.
    for (let i = 0; i < 10; i++) encoder.push(tx(i * 1000, { accountId: `acct-${i}` }), i < 2 ? 1 : 0);
    const probe = (days: number) => {
      const index = encoder.push(tx(days * day, { accountId: 'acct-probe', id: `probe-${days}` }), 0);
      const row = encoder.rows().subarray(index * 2, index * 2 + 2);
      return { count: Math.round(Math.expm1(row[0]!)), risk: row[1]! };
    };
    // Rows are float32; and each probe is itself a (legitimate) transaction at merch-1.
    assert.deepEqual(probe(6), { count: 0, risk: 0 }, 'on day 6 the day-0 labels are not known yet');
    assert.deepEqual(probe(7), { count: 10, risk: Math.fround(0.2) }, 'on day 7 they are');
    assert.deepEqual(probe(13), { count: 11, risk: Math.fround(2 / 11) }, 'day 0 plus the day-6 probe');
    assert.deepEqual(probe(14), { count: 2, risk: 0 }, 'day 0 has left the window; the two probes remain');
  });

  it('needs labels and merchant history, and says so', async () => {
    const { createRowEncoder } = await import('../../services/features/row-encoder.ts');
    assert.deepEqual(spec.labelHistoryDays, { merchant: 15, account: 0 });
    assert.throws(() => createRowEncoder(spec).push(tx(0)), /needs its label/);
    assert.throws(() => spec.encode(emptyAccountState(), tx(0)), /needs the merchant's labelled history/);
    assert.deepEqual(compileFeatureSpec({ name: 'plain', features: [{ kind: 'log-amount' }] }).labelHistoryDays, { merchant: 0, account: 0 });
  });

  it('counts an account\'s confirmed frauds once the delay has passed, apart from other accounts', async () => {
    const { createRowEncoder } = await import('../../services/features/row-encoder.ts');
    const accountSpec = compileFeatureSpec({ name: 'account-fraud', features: [{ kind: 'account-fraud', window: '7d', delayDays: 1 }] });
    assert.deepEqual(accountSpec.labelHistoryDays, { merchant: 0, account: 9 });
    const encoder = createRowEncoder(accountSpec);
    encoder.push(tx(0, { accountId: 'stolen' }), 1);
    encoder.push(tx(1000, { accountId: 'stolen' }), 1);
    encoder.push(tx(2000, { accountId: 'other' }), 0);
    const frauds = (accountId: string, days: number) => {
      const index = encoder.push(tx(days * day, { accountId }), 0);
      return Math.round(Math.expm1(encoder.rows()[index]!));
    };
    assert.equal(frauds('stolen', 0.5), 0, 'the same day: not known yet');
    assert.equal(frauds('stolen', 1), 2, 'a day later: both known');
    assert.equal(frauds('other', 1), 0, 'another account sees none of them');
    assert.equal(frauds('stolen', 9), 0, 'out of the 7-day window');
  });

  it('offers the raw amount and the account\'s average amount', () => {
    const raw = compileFeatureSpec({ name: 'raw', features: [{ kind: 'amount' }, { kind: 'account-window', stat: 'mean', window: '1d' }] });
    const state = fold([tx(-3_600_000, { amount: 10 }), tx(-1_800_000, { amount: 30 })]);
    assert.deepEqual([...raw.encode(state, tx(0, { amount: 50 }))], [50, 30]);
  });
});
