import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handbookSplit, handbookWindows, inWindow, recordsInWindow, toStartMs } from '../../services/evaluation/split.ts';

const day = (n: number, hour = 12) => Date.UTC(2018, 6, 11 + n, hour);
const iso = (ms: number) => new Date(ms).toISOString();

describe('time windows', () => {
  it('are half-open: from is in, to is out', () => {
    const window = { fromMs: 1_000, toMs: 2_000 };
    assert.equal(inWindow(999, window), false);
    assert.equal(inWindow(1_000, window), true);
    assert.equal(inWindow(1_999, window), true);
    assert.equal(inWindow(2_000, window), false);
    const records = [1_500, 999, 2_000, 1_000].map((timestampMs) => ({ timestampMs }));
    assert.deepEqual(
      recordsInWindow(records, window).map((r) => r.timestampMs),
      [1_500, 1_000],
    );
  });

  it('start at UTC midnight of a calendar date, and refuse impossible dates', () => {
    assert.equal(toStartMs('2018-07-11'), Date.UTC(2018, 6, 11));
    assert.equal(toStartMs(12_345), 12_345);
    assert.throws(() => toStartMs('2018-02-30'), /start must be a date/);
    assert.throws(() => toStartMs('11/07/2018'), /start must be a date/);
  });
});

describe('handbook protocol', () => {
  it('puts the validation week the handbook reports (2018-07-25…31) after a week of training and a week of delay', () => {
    const windows = handbookWindows({ trainStart: '2018-07-11' });
    assert.deepEqual([iso(windows.train.fromMs), iso(windows.train.toMs)], ['2018-07-11T00:00:00.000Z', '2018-07-18T00:00:00.000Z']);
    assert.deepEqual([iso(windows.delay.fromMs), iso(windows.delay.toMs)], ['2018-07-18T00:00:00.000Z', '2018-07-25T00:00:00.000Z']);
    assert.deepEqual([iso(windows.test.fromMs), iso(windows.test.toMs)], ['2018-07-25T00:00:00.000Z', '2018-08-01T00:00:00.000Z']);
    assert.equal(windows.testDays.length, 7);
    assert.equal(iso(windows.testDays[6]?.fromMs ?? 0), '2018-07-31T00:00:00.000Z');
    assert.throws(() => handbookWindows({ trainStart: '2018-07-11', testDays: 0 }), /testDays must be an integer ≥ 1/);
  });

  // Two training days (0, 1), one delay day (2), three test days (3, 4, 5).
  const options = { trainStart: '2018-07-11', trainDays: 2, delayDays: 1, testDays: 3 };
  const records = [
    { name: 'before start', timestampMs: day(-1), accountId: 'x', label: 1 as const },
    { name: 'a fraud in training', timestampMs: day(0), accountId: 'a', label: 1 as const },
    { name: 'd legit in training', timestampMs: day(1), accountId: 'd', label: 0 as const },
    { name: 'b fraud in the delay', timestampMs: day(2), accountId: 'b', label: 1 as const },
    { name: 'a on test day 0', timestampMs: day(3), accountId: 'a', label: 1 as const },
    { name: 'b on test day 0', timestampMs: day(3), accountId: 'b', label: 0 as const },
    { name: 'c fraud on test day 0', timestampMs: day(3), accountId: 'c', label: 1 as const },
    { name: 'no account, fraud', timestampMs: day(3), label: 1 as const },
    { name: 'b on test day 1', timestampMs: day(4), accountId: 'b', label: 1 as const },
    { name: 'c on test day 1', timestampMs: day(4), accountId: 'c', label: 1 as const },
    { name: 'c on test day 2', timestampMs: day(5), accountId: 'c', label: 1 as const },
    { name: 'd on test day 2', timestampMs: day(5, 23), accountId: 'd', label: 0 as const },
    { name: 'after the test', timestampMs: day(6, 0), accountId: 'd', label: 0 as const },
  ];

  it('removes from each test day the accounts whose fraud is known by then, as get_train_test_set does', () => {
    const split = handbookSplit(records, options);
    assert.deepEqual(
      split.train.map((r) => r.name),
      ['a fraud in training', 'd legit in training'],
    );
    // Test day d knows frauds on days ≤ trainDays + d − 1: a (day 0) always; b (day 2) from test day 1;
    // c (day 3) from test day 2.
    assert.deepEqual(
      split.test.map((r) => r.name),
      ['b on test day 0', 'c fraud on test day 0', 'no account, fraud', 'c on test day 1', 'd on test day 2'],
    );
    assert.equal(split.removedFromTest, 3);
  });

  it('keeps every test record when removal is off', () => {
    const split = handbookSplit(records, { ...options, removeKnownCompromised: false });
    assert.equal(split.test.length, 8);
    assert.equal(split.removedFromTest, 0);
  });
});
