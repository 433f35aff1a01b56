import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32 } from '../../services/model/seeded-random.ts';
import {
  averagePrecision,
  cardPrecisionAtK,
  precisionAtK,
  rocAuc,
  utcDayIndex,
} from '../../services/evaluation/metrics.ts';

const close = (actual: number, expected: number, message?: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${message ?? ''} expected ${expected}, got ${actual}`);

/** Seeded, so a failing random case can be reproduced. */
const random = mulberry32;

// --- brute-force references, O(n²) or enumerating, written for clarity rather than speed ---

function bruteAuc(scores: number[], labels: number[]): number {
  let sum = 0;
  let pairs = 0;
  scores.forEach((sp, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((sn, j) => {
      if (labels[j] !== 0) return;
      pairs++;
      sum += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    });
  });
  return sum / pairs;
}

function bruteAp(scores: number[], labels: number[]): number {
  const positives = labels.filter((l) => l === 1).length;
  const thresholds = [...new Set(scores)].sort((a, b) => b - a);
  let previousRecall = 0;
  let ap = 0;
  for (const t of thresholds) {
    let tp = 0;
    let fp = 0;
    scores.forEach((s, i) => {
      if (s >= t) labels[i] === 1 ? tp++ : fp++;
    });
    const recall = tp / positives;
    ap += (recall - previousRecall) * (tp / (tp + fp));
    previousRecall = recall;
  }
  return ap;
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, at) => [...p.slice(0, at), n - 1, ...p.slice(at)]));
}

/** Precision@k averaged over every order of the items: a stable sort of each permutation breaks ties uniformly. */
function enumeratedPrecisionAtK(scores: number[], labels: number[], k: number): number {
  let sum = 0;
  const all = permutations(scores.length);
  for (const order of all) {
    const ranked = [...order].sort((a, b) => (scores[b] as number) - (scores[a] as number));
    sum += ranked.slice(0, k).filter((i) => labels[i] === 1).length / k;
  }
  return sum / all.length;
}

describe('rocAuc and averagePrecision', () => {
  it("match scikit-learn's documented example", () => {
    // roc_auc_score and average_precision_score docs: y_true [0,0,1,1], scores [0.1,0.4,0.35,0.8].
    close(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
    close(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.8333333333333333);
  });

  it('handle tied scores as worked out by hand', () => {
    const scores = [0.9, 0.8, 0.8, 0.8, 0.5, 0.1];
    const labels = [1, 1, 0, 0, 1, 0];
    // Pairs (fraud, legit): 0.9 beats all 3; 0.8 ties two (2 × ½) and beats 0.1; 0.5 beats 0.1 → 6 / 9.
    close(rocAuc(scores, labels), 6 / 9);
    // Thresholds 0.9: P=1 R=⅓; 0.8: P=2/4 R=⅔; 0.5: P=3/5 R=1 → (1 + 0.5 + 0.6) / 3.
    close(averagePrecision(scores, labels), 0.7);
  });

  it('give 1, 0 and ½ for perfect, reversed and uninformative scores', () => {
    close(rocAuc([3, 2, 1, 0], [1, 1, 0, 0]), 1);
    close(rocAuc([0, 1, 2, 3], [1, 1, 0, 0]), 0);
    close(rocAuc([5, 5, 5, 5], [1, 0, 1, 0]), 0.5);
    close(averagePrecision([3, 2, 1, 0], [1, 1, 0, 0]), 1);
    close(averagePrecision([5, 5, 5, 5], [1, 0, 1, 0]), 0.5);
    close(rocAuc([Infinity, -Infinity, 0, -0], [1, 0, 1, 0]), 0.875);
  });

  it('return NaN when a class is missing, and refuse malformed input', () => {
    assert.ok(Number.isNaN(rocAuc([1, 2], [1, 1])));
    assert.ok(Number.isNaN(rocAuc([1, 2], [0, 0])));
    assert.ok(Number.isNaN(rocAuc([], [])));
    assert.ok(Number.isNaN(averagePrecision([1, 2], [0, 0])));
    close(averagePrecision([1, 2], [1, 1]), 1);
    assert.throws(() => rocAuc([1, 2], [1]), /labels has 1 entries but scores has 2/);
    assert.throws(() => rocAuc([1, Number.NaN], [1, 0]), /scores\[1\] is NaN/);
    assert.throws(() => averagePrecision([1, 2], [1, 2]), /labels\[1\] is 2/);
  });

  it('agree with brute force on random data with many ties', () => {
    const next = random(7);
    for (let trial = 0; trial < 40; trial++) {
      const n = 5 + Math.floor(next() * 300);
      const levels = 1 + Math.floor(next() * 12); // few distinct scores → many ties
      const scores = Array.from({ length: n }, () => Math.floor(next() * levels) / levels);
      const labels = Array.from({ length: n }, () => (next() < 0.3 ? 1 : 0));
      if (!labels.includes(1) || !labels.includes(0)) continue;
      close(rocAuc(scores, labels), bruteAuc(scores, labels), `AUC trial ${trial}`);
      close(averagePrecision(Float64Array.from(scores), Uint8Array.from(labels)), bruteAp(scores, labels), `AP trial ${trial}`);
    }
  });
});

describe('precisionAtK', () => {
  const scores = [0.9, 0.8, 0.8, 0.8, 0.5, 0.1];
  const labels = [1, 1, 0, 0, 1, 0];

  it('counts the expected frauds of a tie group cut by k', () => {
    close(precisionAtK(scores, labels, 1), 1);
    close(precisionAtK(scores, labels, 2), (1 + 1 / 3) / 2); // one of three tied slots, one fraud among them
    close(precisionAtK(scores, labels, 3), (1 + 2 / 3) / 3);
    close(precisionAtK(scores, labels, 4), 2 / 4); // the whole tie group fits
    close(precisionAtK(scores, labels, 10), 3 / 10); // divides by k, as the handbook does
  });

  it('refuses a k that is not a positive integer', () => {
    assert.throws(() => precisionAtK(scores, labels, 0), /positive integer/);
    assert.throws(() => precisionAtK(scores, labels, 1.5), /positive integer/);
  });

  it('equals the average over every tie-breaking order on small random cases', () => {
    const next = random(11);
    for (let trial = 0; trial < 25; trial++) {
      const n = 2 + Math.floor(next() * 6);
      const scores = Array.from({ length: n }, () => Math.floor(next() * 3));
      const labels = Array.from({ length: n }, () => (next() < 0.4 ? 1 : 0));
      for (let k = 1; k <= n + 1; k++) {
        close(precisionAtK(scores, labels, k), enumeratedPrecisionAtK(scores, labels, k), `trial ${trial} k ${k}`);
      }
    }
  });
});

describe('cardPrecisionAtK', () => {
  // Three days, k = 2. Rows: [day, account, score, label], deliberately not in day order.
  const rows: [number, string, number, number][] = [
    [17_001, 'A', 0.95, 1],
    [17_000, 'A', 0.9, 0],
    [17_000, 'A', 0.2, 1], // A's day-0 card: max score 0.9, max label 1
    [17_000, 'B', 0.8, 0],
    [17_000, 'C', 0.7, 1],
    [17_000, 'D', 0.1, 0],
    [17_001, 'C', 0.6, 1],
    [17_001, 'E', 0.6, 0],
    [17_001, 'F', 0.3, 1],
    [17_002, 'C', 0.9, 0],
    [17_002, 'G', 0.5, 1],
    [17_002, 'H', 0.55, 0],
  ];
  const input = {
    days: rows.map((r) => r[0]),
    accounts: rows.map((r) => r[1]),
    scores: rows.map((r) => r[2]),
    labels: rows.map((r) => r[3]),
  };

  it('ranks cards by their daily maximum and removes cards found on earlier days', () => {
    const result = cardPrecisionAtK(input, 2);
    // Day 0: A(0.9, fraud), B(0.8) → ½; A is found.
    // Day 1: A removed; C and E tie at 0.6 and fill both slots → ½; C is found.
    // Day 2: C removed; H(0.55), G(0.5, fraud) → ½.
    assert.deepEqual(
      result.perDay.map((d) => [d.day, d.precision, d.cards, d.compromisedCards]),
      [
        [17_000, 0.5, 4, 2],
        [17_001, 0.5, 3, 2],
        [17_002, 0.5, 2, 1],
      ],
    );
    close(result.mean, 0.5);
    // Compromised cards 2, 2 and 1 of k = 2: at best 1, 1 and ½.
    close(result.ceiling, 2.5 / 3);
    assert.equal(result.k, 2);
  });

  it('keeps every card when asked not to remove detections, counting a cut tie group by expectation', () => {
    const result = cardPrecisionAtK(input, 2, { removeDetectedCards: false });
    // Day 1: A(0.95, fraud), then C/E tied for one slot → (1 + ½) / 2. Day 2: C(0.9, legit that day), H → 0.
    assert.deepEqual(
      result.perDay.map((d) => d.precision),
      [0.5, 0.75, 0],
    );
    close(result.mean, 1.25 / 3);
  });

  it('divides by k when a day has fewer than k cards, and is NaN with no days', () => {
    close(cardPrecisionAtK(input, 10).perDay[0]?.precision ?? Number.NaN, 2 / 10);
    assert.ok(Number.isNaN(cardPrecisionAtK({ scores: [], labels: [], accounts: [], days: [] }, 5).mean));
    assert.ok(Number.isNaN(cardPrecisionAtK({ scores: [], labels: [], accounts: [], days: [] }, 5).ceiling));
  });

  it('matches a direct port of the handbook algorithm on random data without ties', () => {
    const next = random(3);
    const n = 2_000;
    const days = Array.from({ length: n }, () => 100 + Math.floor(next() * 6));
    const accounts = Array.from({ length: n }, () => `acct-${Math.floor(next() * 150)}`);
    const scores = Array.from({ length: n }, () => next());
    const labels = Array.from({ length: n }, (_, i) => (next() < (scores[i] as number) * 0.2 ? 1 : 0));
    const k = 20;

    // card_precision_top_k(predictions_df, top_k, remove_detected_compromised_cards=True), step by step.
    const detected = new Set<string>();
    const expected: number[] = [];
    for (const day of [...new Set(days)].sort((a, b) => a - b)) {
      const cards = new Map<string, { score: number; label: number }>();
      days.forEach((d, i) => {
        const account = accounts[i] as string;
        if (d !== day || detected.has(account)) return;
        const card = cards.get(account) ?? { score: -Infinity, label: 0 };
        cards.set(account, { score: Math.max(card.score, scores[i] as number), label: Math.max(card.label, labels[i] as number) });
      });
      const top = [...cards].sort((a, b) => b[1].score - a[1].score).slice(0, k);
      const found = top.filter(([, card]) => card.label === 1).map(([account]) => account);
      found.forEach((account) => detected.add(account));
      expected.push(found.length / k);
    }

    const result = cardPrecisionAtK({ scores, labels, accounts, days }, k);
    assert.deepEqual(
      result.perDay.map((d) => d.precision),
      expected,
    );
    close(result.mean, expected.reduce((a, b) => a + b, 0) / expected.length);
  });

  it('numbers UTC days from the epoch', () => {
    assert.equal(utcDayIndex(Date.UTC(2018, 3, 1)), 17_622);
    assert.equal(utcDayIndex(Date.UTC(2018, 3, 1, 23, 59, 59, 999)), 17_622);
    assert.equal(utcDayIndex(Date.UTC(2018, 3, 2)), 17_623);
  });
});
