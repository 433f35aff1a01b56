import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { queueDepthSeries } from '../../services/review/dashboard.ts';
import { featureBaselines } from '../../services/review/feature-baselines.ts';
import { formatAge, formatAmount, formatNumber, leaseLeft, niceCeiling } from '../../ui/src/format.ts';
import { commandFor, SHORTCUTS } from '../../ui/src/keyboard.ts';

const press = (key: string, extra: Partial<Parameters<typeof commandFor>[0]> = {}) =>
  commandFor({ key, ctrlKey: false, metaKey: false, altKey: false, inTextField: false, ...extra });

describe('analyst keyboard', () => {
  it('maps each documented key, case-insensitively, and nothing else', () => {
    for (const shortcut of SHORTCUTS) assert.equal(press(shortcut.key), shortcut.command);
    assert.equal(press('F'), 'fraud');
    assert.equal(press('x'), null);
    assert.equal(new Set(SHORTCUTS.map((s) => s.key)).size, SHORTCUTS.length, 'no key bound twice');
  });
  it('leaves typing alone: in a text field only Esc is a command, and browser chords pass through', () => {
    assert.equal(press('f', { inTextField: true }), null);
    assert.equal(press('Escape', { inTextField: true }), 'leave-field');
    assert.equal(press('c', { ctrlKey: true }), null, 'Ctrl-C copies');
    assert.equal(press('l', { metaKey: true }), null);
  });
});

describe('UI formatting', () => {
  it('formats ages, amounts, feature values and lease time', () => {
    assert.deepEqual([formatAge(null), formatAge(5), formatAge(125), formatAge(7260), formatAge(90_000)], ['—', '5s', '2m 5s', '2h 1m', '1d 1h']);
    assert.equal(formatAmount(20003, 'EUR'), '€20,003.00');
    assert.match(formatAmount('12.5', 'XXZ'), /XXZ.*12\.50|12\.50.*XXZ/, 'an unknown currency is still shown');
    assert.equal(formatAmount('abc', 'EUR'), 'abc');
    assert.deepEqual([formatNumber(null), formatNumber(3.14159), formatNumber(0.00001234), formatNumber(12345.6)], ['—', '3.14', '1.2e-5', '12,300']);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(leaseLeft('2026-01-01T00:04:05Z', now), '4:05');
    assert.equal(leaseLeft('2025-12-31T23:59:59Z', now), null);
    assert.equal(leaseLeft(null, now), null);
  });
  it('picks readable chart tops', () => {
    assert.deepEqual([0, 1, 3, 7, 10, 11, 180, 501].map(niceCeiling), [1, 1, 5, 10, 10, 20, 200, 1000]);
  });
});

describe('dashboard and explanation logic', () => {
  it('queue depth is the starting depth plus what entered minus what left, per bucket', () => {
    assert.deepEqual(queueDepthSeries(3, [2, 0, 5], [1, 2, 0]), [4, 2, 7]);
  });
  it('shows each top feature against the account median and the training mean', () => {
    const names = ['log_amount', 'hour_sin', 'count_1h'];
    const rows = featureBaselines(
      [
        { feature: 'log_amount', error: 2.5 },
        { feature: 'unknown', error: 0.1 },
      ],
      names,
      [9.9, 0.5, 1],
      [
        [3, 0, 0],
        [4, 0, 0],
        [5, 0, 0],
        [100, 0, 0],
      ],
      [3.8, 0, 0.2],
    );
    assert.deepEqual(rows[0], { feature: 'log_amount', error: 2.5, value: 9.9, accountMedian: 4.5, accountSamples: 4, trainingMean: 3.8 });
    assert.deepEqual(rows[1], { feature: 'unknown', error: 0.1, value: null, accountMedian: null, accountSamples: 0, trainingMean: null });
    assert.equal(featureBaselines([{ feature: 'count_1h', error: 1 }], names, [1, 1, 1], [], null)[0]!.accountMedian, null, 'no history, no median');
  });
});

describe('UI source', () => {
  it('never turns strings into markup: no innerHTML, outerHTML, insertAdjacentHTML, document.write or eval', async () => {
    const root = new URL('../../ui/src/', import.meta.url).pathname;
    const files = (await readdir(root, { recursive: true })).filter((file) => file.endsWith('.ts'));
    assert.ok(files.length >= 8);
    for (const file of files) {
      const source = await readFile(join(root, file), 'utf8');
      assert.doesNotMatch(source, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(/, `${file} builds DOM from text only`);
    }
  });
});
