import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuantileSketch } from '../../services/model/quantile-sketch.ts';
import { mulberry32 } from '../../services/model/seeded-random.ts';

/** Lognormal draws spanning several orders of magnitude, like reconstruction errors. */
function lognormal(seed: number, n: number, sigma = 2): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));
}

/** Exact lower quantile with the sketch's convention: the value at rank ⌊q·(n-1)⌋. */
const exactQuantile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;
/** Exact fraction of observations ≤ v. */
function exactRank(sorted: number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo / sorted.length;
}

const qs = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

describe('QuantileSketch', () => {
  it('answers quantiles within relative error alpha of the exact ones', () => {
    for (const alpha of [0.01, 0.05]) {
      const values = lognormal(1, 50_000);
      const sketch = new QuantileSketch({ alpha });
      for (const v of values) sketch.add(v);
      const sorted = [...values].sort((a, b) => a - b);
      assert.equal(sketch.count, values.length);
      for (const q of qs) {
        const exact = exactQuantile(sorted, q);
        const estimate = sketch.quantile(q);
        assert.ok(Math.abs(estimate - exact) <= alpha * exact * (1 + 1e-9), `alpha ${alpha} q ${q}: ${estimate} vs exact ${exact}`);
      }
      assert.equal(sketch.quantile(0), sorted[0]);
      assert.equal(sketch.quantile(1), sorted.at(-1));
    }
  });

  it('bounds rank(v) between the exact fractions at v and v·γ', () => {
    const alpha = 0.01;
    const gamma = (1 + alpha) / (1 - alpha);
    const values = lognormal(2, 20_000);
    const sketch = new QuantileSketch({ alpha });
    for (const v of values) sketch.add(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const probe of [...lognormal(3, 500), 0, sorted[0]!, sorted.at(-1)!, 1e9]) {
      const rank = sketch.rank(probe);
      assert.ok(rank >= exactRank(sorted, probe) - 1e-12, `rank(${probe}) = ${rank} below exact ${exactRank(sorted, probe)}`);
      assert.ok(rank <= exactRank(sorted, probe * gamma * (1 + 1e-12)) + 1e-12, `rank(${probe}) = ${rank} above exact at v·γ`);
    }
    assert.equal(sketch.rank(sorted.at(-1)!), 1);
    assert.equal(sketch.rank(sorted[0]! / 2), 0);
    // quantile and rank agree: the median's rank is about one half.
    assert.ok(Math.abs(sketch.rank(sketch.quantile(0.5)) - 0.5) < 0.01);
  });

  it('counts zero and tiny values in a zero bucket', () => {
    const sketch = new QuantileSketch({ alpha: 0.01 });
    for (let i = 0; i < 300; i++) sketch.add(0);
    for (let i = 0; i < 100; i++) sketch.add(1e-15);
    for (let i = 0; i < 600; i++) sketch.add(1 + i / 100);
    assert.equal(sketch.count, 1000);
    assert.equal(sketch.quantile(0), 0);
    assert.ok(sketch.quantile(0.35) <= 1e-9);
    assert.equal(sketch.rank(0), 0.4, 'zero and 1e-15 share the zero bucket');
    assert.equal(sketch.rank(0.5), 0.4);
    const median = sketch.quantile(0.7); // exact: 1 + 299/100 = 3.99
    assert.ok(Math.abs(median - 3.99) <= 0.01 * 3.99, `got ${median}`);
    assert.ok(!Number.isNaN(sketch.rank(1e-300)));
  });

  it('merges to the same sketch as adding everything to one', () => {
    const values = lognormal(4, 10_000);
    const whole = new QuantileSketch();
    const left = new QuantileSketch();
    const right = new QuantileSketch();
    values.forEach((v, i) => {
      whole.add(v);
      (i % 3 === 0 ? left : right).add(v);
    });
    left.add(0);
    whole.add(0);
    left.merge(right);
    assert.deepEqual(left.toJSON(), whole.toJSON());
    assert.throws(() => left.merge(new QuantileSketch({ alpha: 0.02 })), /alpha/);
  });

  it('round-trips through JSON', () => {
    const sketch = new QuantileSketch({ alpha: 0.02, maxBuckets: 500 });
    for (const v of lognormal(5, 5_000)) sketch.add(v);
    sketch.add(0);
    const copy = QuantileSketch.fromJSON(JSON.parse(JSON.stringify(sketch)));
    assert.deepEqual(copy.toJSON(), sketch.toJSON());
    for (const q of qs) assert.equal(copy.quantile(q), sketch.quantile(q));
    for (const v of [0, 0.1, 1, 10]) assert.equal(copy.rank(v), sketch.rank(v));
    const empty = QuantileSketch.fromJSON(JSON.parse(JSON.stringify(new QuantileSketch())));
    assert.equal(empty.count, 0);
    assert.throws(() => QuantileSketch.fromJSON({ ...sketch.toJSON(), count: 1 }), /count does not match/);
    assert.throws(() => QuantileSketch.fromJSON({ ...sketch.toJSON(), bins: [-1] }), /non-negative/);
  });

  it('stays within maxBuckets by collapsing the lowest buckets, keeping high quantiles accurate', () => {
    const alpha = 0.01;
    // Spans about 1e-10..1e10, some 2,300 buckets at alpha 0.01; the 1,000 kept still cover q ≥ 0.9.
    const values = lognormal(6, 20_000, 6);
    const sketch = new QuantileSketch({ alpha, maxBuckets: 1000 });
    for (const v of values) sketch.add(v);
    const json = sketch.toJSON();
    assert.ok(json.bins.length <= 1000, `${json.bins.length} buckets`);
    assert.ok(sketch.quantile(0.01) > exactQuantile([...values].sort((a, b) => a - b), 0.01), 'the lowest buckets were collapsed');
    assert.equal(json.bins.reduce((a, b) => a + b, 0) + json.zeroCount, values.length);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.9, 0.95, 0.99, 0.999]) {
      const exact = exactQuantile(sorted, q);
      assert.ok(Math.abs(sketch.quantile(q) - exact) <= alpha * exact * (1 + 1e-9), `q ${q}`);
    }
    // A huge value arriving last folds everything below its window into one bucket.
    sketch.add(1e300);
    assert.ok(sketch.toJSON().bins.length <= 1000);
    assert.equal(sketch.count, values.length + 1);
    assert.equal(sketch.quantile(1), 1e300);
  });

  it('answers sensibly when empty and refuses bad values', () => {
    const sketch = new QuantileSketch();
    assert.ok(Number.isNaN(sketch.quantile(0.5)));
    assert.equal(sketch.rank(1), 0);
    assert.throws(() => sketch.add(-1), RangeError);
    assert.throws(() => sketch.add(Number.NaN), RangeError);
    assert.throws(() => sketch.add(Infinity), RangeError);
    assert.throws(() => sketch.quantile(1.5), RangeError);
    assert.throws(() => new QuantileSketch({ alpha: 0 }), RangeError);
  });
});
