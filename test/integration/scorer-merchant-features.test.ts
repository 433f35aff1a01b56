import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TransactionInput } from '../../services/domain/index.ts';
import { compileFeatureSpec } from '../../services/features/feature-spec.ts';
import { recordLabel } from '../../services/labels/record-label.ts';
import type { AnomalyModel } from '../../services/model/anomaly-model.ts';
import { withTransaction } from '../../services/platform/postgres.ts';
import { type PipelineFixture, setUpPipeline } from '../helpers/pipeline.ts';
import { produceTransactions } from '../helpers/transactions.ts';

const spec = compileFeatureSpec({
  name: 'merchant-test',
  features: [
    { kind: 'log-amount' },
    { kind: 'merchant-window', window: '7d', delayDays: 0 },
    { kind: 'merchant-risk', window: '7d', delayDays: 0 },
    { kind: 'merchant-risk', window: '7d', delayDays: 1 },
    { kind: 'account-fraud', window: '7d', delayDays: 0 },
  ],
});
const ACCOUNT_FRAUDS = spec.names.indexOf('account_frauds_7d_delay0d');
const RISK_NOW = spec.names.indexOf('merchant_risk_7d_delay0d');
const RISK_DELAYED = spec.names.indexOf('merchant_risk_7d_delay1d');

/** A model that only encodes: these tests look at the feature vectors the scorer stores. */
function encodingOnlyModel(): AnomalyModel {
  return {
    version: 'encoding-only',
    featureSpec: spec,
    head: null,
    assess: (_rows, n) => Array.from({ length: n }, () => ({ error: 0, percentile: 0.5, topFeatures: [] })),
    dispose: () => undefined,
  };
}

const DAY0 = Date.parse('2026-03-02T00:00:00Z');
const at = (day: number, hour: number) => new Date(DAY0 + day * 86_400_000 + hour * 3_600_000).toISOString();
let seq = 0;
const tx = (merchantId: string, timestamp: string, accountId = `acct-${seq % 7}`): TransactionInput => ({
  id: `m-${++seq}`,
  timestamp,
  accountId,
  amount: '25.00',
  currency: 'EUR',
  merchantId,
  merchantCategory: '5411',
  country: 'FR',
  channel: 'card_present',
});

describe('label-derived merchant and account features in the live scorer', () => {
  let fixture: PipelineFixture;
  const history: TransactionInput[] = [];
  let frauds: TransactionInput[] = [];
  before(async () => {
    fixture = await setUpPipeline({ LOUPE_EARLIEST_TIMESTAMP: '2026-01-01T00:00:00Z' });
    // Two days of traffic at two merchants, from seven accounts (so from both partitions).
    for (let day = 0; day < 2; day++) {
      for (let i = 0; i < 10; i++) history.push(tx('shop-a', at(day, 8 + i)));
      for (let i = 0; i < 5; i++) history.push(tx('shop-b', at(day, 9 + i)));
    }
    await produceTransactions(fixture.producer, fixture.config.topics.transactions, history);
    await fixture.scoreAll({ model: encodingOnlyModel() });
    // Analysts confirm four of shop-a's day-1 transactions as fraud at 18:00 that day; one of them
    // is corrected to legitimate on day 3 at 06:00.
    const dayOneShopA = history.filter((t) => t.merchantId === 'shop-a' && t.timestamp.startsWith(at(1, 0).slice(0, 10)));
    frauds = dayOneShopA.slice(0, 4);
    await withTransaction(fixture.db.pool, async (client) => {
      for (const t of frauds) {
        await recordLabel(client, { transactionId: t.id, label: 'fraud', analyst: 'ana', source: 'review', labeledAt: new Date(at(1, 18)) });
      }
      await recordLabel(client, { transactionId: dayOneShopA[0]!.id, label: 'legit', analyst: 'lea', source: 'review', labeledAt: new Date(at(3, 6)) });
    });
  });
  after(() => fixture.teardown());

  /** Scores one transaction on its own and returns its stored feature vector. */
  async function featuresOf(transaction: TransactionInput): Promise<number[]> {
    await produceTransactions(fixture.producer, fixture.config.topics.transactions, [transaction]);
    await fixture.scoreAll({ model: encodingOnlyModel() });
    const { rows } = await fixture.db.pool.query<{ feature_vector: number[] }>('SELECT feature_vector FROM decisions WHERE transaction_id = $1', [transaction.id]);
    return rows[0]!.feature_vector;
  }
  const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual}, expected ${expected}`);

  it('counts a merchant’s transactions across partitions, exactly once', async () => {
    const { rows } = await fixture.db.pool.query<{ merchant_id: string; n: number }>('SELECT merchant_id, sum(count)::int AS n FROM merchant_days GROUP BY 1 ORDER BY 1');
    assert.deepEqual(rows, [
      { merchant_id: 'shop-a', n: 20 },
      { merchant_id: 'shop-b', n: 10 },
    ]);
    const partitions = await fixture.db.pool.query(`SELECT DISTINCT source_partition FROM decisions WHERE transaction->>'merchantId' = 'shop-a'`);
    assert.equal(partitions.rowCount, 2, 'the merchant’s traffic came from both partitions');
  });

  it('never sees a label before it became known', async () => {
    // Arrives late: it happened at 17:00 on day 1, an hour before the frauds were confirmed.
    const early = await featuresOf(tx('shop-a', at(1, 17)));
    assert.equal(early[RISK_NOW], 0);
    const later = await featuresOf(tx('shop-a', at(1, 19)));
    // 21 shop-a transactions in the window before this one (20 + the late one), 4 confirmed frauds.
    close(later[RISK_NOW]!, 4 / 21, 'risk after the confirmation');
    close(later[RISK_DELAYED]!, 0, 'the window ending a day earlier holds day 0 only, which had no fraud');
    const elsewhere = await featuresOf(tx('shop-b', at(1, 20)));
    assert.equal(elsewhere[RISK_NOW], 0, 'frauds at one merchant say nothing about another');
  });

  it('counts an account’s confirmed frauds from when they became known', async () => {
    const account = frauds[1]!.accountId;
    const expected = frauds.slice(1).filter((t) => t.accountId === account).length + (frauds[0]!.accountId === account ? 1 : 0);
    const before = await featuresOf(tx('shop-b', at(1, 16), account));
    assert.equal(before[ACCOUNT_FRAUDS], 0, 'not known at 16:00');
    const after = await featuresOf(tx('shop-b', at(1, 22), account));
    close(Math.expm1(after[ACCOUNT_FRAUDS]!), expected, 'frauds of this account known by 22:00');
    const clean = history.find((t) => !frauds.some((f) => f.accountId === t.accountId))!.accountId;
    assert.equal((await featuresOf(tx('shop-b', at(1, 23), clean)))[ACCOUNT_FRAUDS], 0, 'another account sees none');
  });

  it('applies a correction from when it became known', async () => {
    const beforeCorrection = await featuresOf(tx('shop-a', at(3, 5)));
    close(beforeCorrection[RISK_NOW]!, 4 / 22, 'before the correction');
    const afterCorrection = await featuresOf(tx('shop-a', at(3, 7)));
    close(afterCorrection[RISK_NOW]!, 3 / 23, 'after the correction');
    close(afterCorrection[RISK_DELAYED]!, 3 / 22, 'the delayed window ends on day 2: days 0 and 1, and the day-1 transactions');
  });
});
