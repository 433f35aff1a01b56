import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccountStateSchema } from '../../services/domain/index.ts';
import { applyTransaction, deriveAccountFacts, deriveFacts, emptyAccountState, FACT_NAMES, factsOf } from '../../services/features/account-state.ts';
import { foldTransactions, transactionsFrom } from '../helpers/transactions.ts';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const tx = transactionsFrom(T0);
const fold = foldTransactions;

describe('deriveFacts', () => {
  it('describes a first transaction without history', () => {
    const facts = deriveFacts(emptyAccountState(), tx(0));
    assert.equal(facts.txCount1m, 1);
    assert.equal(facts.accountTxCount, 0);
    assert.equal(facts.isNewDevice, false, 'a first device is not "new" for an account with no history');
    assert.equal(facts.isNewCountry, false);
    assert.equal(facts.travelSpeedKmh, 0);
    assert.equal(facts.lastCountry, '');
    assert.equal(facts.amountToAccountMean, 1);
    assert.equal(facts.hourOfDayUtc, 10);
  });

  it('counts window edges: an event exactly one window old is outside it', () => {
    const state = fold([tx(0), tx(30_000)]);
    const atTenMinutes = deriveFacts(state, tx(600_000));
    assert.equal(atTenMinutes.txCount10m, 2, 'the event at 0 is exactly 10 min old and falls out; the one at 30 s stays');
    assert.equal(atTenMinutes.txCount1h, 3);
    const justInside = deriveFacts(state, tx(599_999));
    assert.equal(justInside.txCount10m, 3);
    assert.equal(deriveFacts(state, tx(60_000)).txCount1m, 2);
  });

  it('counts small amounts for card testing and sums amounts within the hour', () => {
    const state = fold([tx(0, { amount: 1 }), tx(10_000, { amount: 2 }), tx(20_000, { amount: 500 })]);
    const facts = deriveFacts(state, tx(30_000, { amount: 0.5 }));
    assert.equal(facts.smallAmountCount10m, 3);
    assert.equal(facts.amountSum1h, 503.5);
  });

  it('ignores out-of-order events later than the one being decided', () => {
    const state = fold([tx(600_000)]);
    const facts = deriveFacts(state, tx(0));
    assert.equal(facts.txCount10m, 1);
    assert.equal(facts.minutesSinceLast, 0);
  });

  it('flags a new device and a new country only against known history', () => {
    const state = fold([tx(0), tx(60_000)]);
    const facts = deriveFacts(state, tx(120_000, { deviceId: 'dev-2', country: 'JP' }));
    assert.equal(facts.isNewDevice, true);
    assert.equal(facts.isNewCountry, true);
    assert.equal(facts.knownDeviceCount, 1);
    const noDevice = deriveFacts(state, tx(120_000, { deviceId: undefined }));
    assert.equal(noDevice.isNewDevice, false);
    assert.equal(noDevice.deviceId, '');
  });

  it('measures impossible travel between countries, and none between unknown ones', () => {
    const state = fold([tx(0, { country: 'FR' })]);
    const tokyo = deriveFacts(state, tx(30 * 60_000, { country: 'JP' }));
    assert.ok(tokyo.travelSpeedKmh > 15_000, `speed ${tokyo.travelSpeedKmh}`);
    const dayLater = deriveFacts(state, tx(24 * 3_600_000, { country: 'JP' }));
    assert.ok(dayLater.travelSpeedKmh < 1000);
    assert.equal(deriveFacts(state, tx(60_000, { country: 'FR' })).travelSpeedKmh, 0);
    assert.equal(deriveFacts(state, tx(60_000, { country: 'ZZ' })).travelSpeedKmh, 0);
    const sameSecond = deriveFacts(state, tx(0, { country: 'BE' }));
    assert.ok(Number.isFinite(sameSecond.travelSpeedKmh) && sameSecond.travelSpeedKmh > 0);
  });

  it('splits into the account facts a row stores and the transaction\'s own fields, and joins back to the same facts', () => {
    const state = fold([tx(0), tx(60_000, { country: 'FR', deviceId: 'dev-2' })]);
    const next = tx(120_000, { amount: 3 });
    const account = deriveAccountFacts(state, next);
    const facts = deriveFacts(state, next);
    assert.deepEqual(factsOf(next, account), facts);
    assert.deepEqual(new Set([...Object.keys(account), 'transactionId', 'accountId', 'merchantId', 'merchantCategory', 'country', 'channel', 'currency', 'amount', 'deviceId']), FACT_NAMES);
    assert.equal('merchantId' in account || 'amount' in account, false, 'the account facts leave out what the transaction states');
    assert.deepEqual(factsOf(next, facts), facts, 'a row that stored every fact reads back the same');
    assert.equal(factsOf({ ...next, deviceId: undefined }, account).deviceId, '', 'a transaction without a device has the empty device, as rules saw it');
  });

  it('compares the amount with the account running mean', () => {
    const state = fold([tx(0, { amount: 10 }), tx(1, { amount: 30 })]);
    assert.equal(deriveFacts(state, tx(2, { amount: 400 })).amountToAccountMean, 20);
  });
});

describe('applyTransaction', () => {
  it('does not change its input and produces a state the stored schema accepts', () => {
    const before = emptyAccountState();
    const after = applyTransaction(before, tx(0));
    assert.deepEqual(before, emptyAccountState());
    assert.equal(after.txCount, 1);
    assert.ok(AccountStateSchema.safeParse(JSON.parse(JSON.stringify(after))).success);
  });

  it('stays bounded: old events leave the window and known lists are capped', () => {
    const many = Array.from({ length: 2000 }, (_, i) => tx(i * 1000, { deviceId: `dev-${i}`, country: i % 2 ? 'FR' : 'DE' }));
    const state = fold(many);
    assert.ok(state.recent.length <= 500);
    assert.ok(state.devices.length <= 32);
    assert.equal(state.devices.at(-1), 'dev-1999', 'most recent device is last');
    const muchLater = applyTransaction(state, tx(3 * 86_400_000));
    assert.equal(muchLater.recent.length, 1, 'a day-old window is forgotten');
    assert.equal(muchLater.txCount, 2001);
  });

  it('keeps the latest country when an older event arrives late', () => {
    const state = fold([tx(60_000, { country: 'DE' }), tx(0, { country: 'FR' })]);
    assert.equal(state.lastCountry, 'DE');
    assert.equal(state.lastTimestampMs, T0 + 60_000);
  });
});
