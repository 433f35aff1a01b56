// A DDSketch (Masson, Rim & Lee, VLDB 2019) for non-negative values: reconstruction errors of
// recent legitimate traffic, turned into percentiles so a score means the same thing across model
// versions. Bucket i holds the values in (γ^(i-1), γ^i] with γ = (1+α)/(1-α), so any quantile is
// answered within relative error α, in bounded memory, and two sketches merge by adding counts.
//
// Buckets live in one dense array over a contiguous index range. When the range would exceed
// `maxBuckets`, the lowest buckets are collapsed into the lowest kept one: accuracy is given up at
// the bottom, never at the top, which is where fraud scores live. Values at or below
// `zeroThreshold` (0 included) are counted in a separate zero bucket.

export interface QuantileSketchOptions {
  /** Relative accuracy, 0 < α < 1. Default 0.01. */
  alpha?: number;
  /** Upper bound on the number of buckets (memory). Default 2048. */
  maxBuckets?: number;
  /** Values ≤ this count as zero. Default 1e-9. */
  zeroThreshold?: number;
}

export interface QuantileSketchJson {
  alpha: number;
  maxBuckets: number;
  zeroThreshold: number;
  count: number;
  zeroCount: number;
  min: number | null;
  max: number | null;
  /** Bucket index of bins[0]. */
  offset: number;
  bins: number[];
}

export class QuantileSketch {
  readonly alpha: number;
  readonly maxBuckets: number;
  readonly zeroThreshold: number;
  private readonly lnGamma: number;
  private readonly gamma: number;
  private zeroCount = 0;
  private total = 0;
  private minValue = Infinity;
  private maxValue = -Infinity;
  /** Dense counts; bins[k] is bucket `offset + k`. Occupied indexes are lo..hi. */
  private bins = new Float64Array(0);
  private offset = 0;
  private lo = 0;
  private hi = -1;
  /** cumulative[k] = zeroCount + counts of buckets lo..lo+k; rebuilt lazily after adds. */
  private cumulative: Float64Array | null = null;

  constructor(options: QuantileSketchOptions = {}) {
    const { alpha = 0.01, maxBuckets = 2048, zeroThreshold = 1e-9 } = options;
    if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
    if (!(Number.isInteger(maxBuckets) && maxBuckets >= 2)) throw new RangeError(`maxBuckets must be an integer ≥ 2, got ${maxBuckets}`);
    if (!(zeroThreshold >= 0 && Number.isFinite(zeroThreshold))) throw new RangeError(`zeroThreshold must be a finite non-negative number, got ${zeroThreshold}`);
    this.alpha = alpha;
    this.maxBuckets = maxBuckets;
    this.zeroThreshold = zeroThreshold;
    this.gamma = (1 + alpha) / (1 - alpha);
    this.lnGamma = Math.log(this.gamma);
  }

  get count(): number {
    return this.total;
  }

  /** Smallest and largest value added (exact), or NaN when empty. */
  get min(): number {
    return this.total > 0 ? this.minValue : NaN;
  }

  get max(): number {
    return this.total > 0 ? this.maxValue : NaN;
  }

  add(value: number, weight = 1): void {
    if (!(value >= 0) || value === Infinity) throw new RangeError(`quantile sketch takes finite non-negative values, got ${value}`);
    if (!(weight > 0 && Number.isFinite(weight))) throw new RangeError(`weight must be positive and finite, got ${weight}`);
    this.total += weight;
    if (value < this.minValue) this.minValue = value;
    if (value > this.maxValue) this.maxValue = value;
    if (value <= this.zeroThreshold) this.zeroCount += weight;
    else this.addToBucket(this.indexOf(value), weight);
    this.cumulative = null;
  }

  /**
   * The q-quantile (0 ≤ q ≤ 1): within relative error α of the exact value at rank ⌊q·(count-1)⌋
   * of the sorted observations (absolute error zeroThreshold below it). NaN when empty.
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
    if (this.total === 0) return NaN;
    // The extremes are tracked exactly.
    if (q === 0) return this.minValue;
    if (q === 1) return this.maxValue;
    const rank = q * (this.total - 1);
    // Inside the zero bucket: the exact minimum is within zeroThreshold of the answer.
    if (rank < this.zeroCount) return this.minValue;
    const cumulative = this.prefix();
    // Binary search for the first bucket whose cumulative count exceeds the rank.
    let left = 0;
    let right = cumulative.length - 1;
    while (left < right) {
      const mid = (left + right) >>> 1;
      if (cumulative[mid]! > rank) right = mid;
      else left = mid + 1;
    }
    const estimate = (2 * Math.exp((this.lo + left) * this.lnGamma)) / (this.gamma + 1);
    // The true quantile lies within [min, max]; clamping only moves the estimate towards it.
    return Math.min(Math.max(estimate, this.minValue), this.maxValue);
  }

  /**
   * Fraction of observations ≤ value: the percentile fed to the policy. Counts the whole bucket that
   * holds `value`, so F(value) ≤ rank(value) ≤ F(value·γ) for the exact distribution F (except
   * below buckets collapsed to respect maxBuckets, where it undercounts). 0 when empty.
   */
  rank(value: number): number {
    if (Number.isNaN(value)) throw new RangeError('rank of NaN');
    if (this.total === 0) return 0;
    if (value < this.minValue) return 0;
    if (value >= this.maxValue) return 1;
    if (value <= this.zeroThreshold || this.hi < this.lo) return this.zeroCount / this.total;
    const index = this.indexOf(value);
    if (index < this.lo) return this.zeroCount / this.total;
    const cumulative = this.prefix();
    return cumulative[Math.min(index, this.hi) - this.lo]! / this.total;
  }

  /** Adds another sketch's observations into this one. Both must have the same alpha. */
  merge(other: QuantileSketch): void {
    if (other.alpha !== this.alpha) throw new RangeError(`cannot merge sketches with alpha ${other.alpha} and ${this.alpha}`);
    if (other.total === 0) return;
    this.total += other.total;
    this.zeroCount += other.zeroCount;
    this.minValue = Math.min(this.minValue, other.minValue);
    this.maxValue = Math.max(this.maxValue, other.maxValue);
    // Highest buckets first: collapsing then only ever folds already-merged low buckets.
    for (let index = other.hi; index >= other.lo; index--) {
      const c = other.bins[index - other.offset]!;
      if (c > 0) this.addToBucket(index, c);
    }
    this.cumulative = null;
  }

  toJSON(): QuantileSketchJson {
    const empty = this.total === 0;
    return {
      alpha: this.alpha,
      maxBuckets: this.maxBuckets,
      zeroThreshold: this.zeroThreshold,
      count: this.total,
      zeroCount: this.zeroCount,
      min: empty ? null : this.minValue,
      max: empty ? null : this.maxValue,
      offset: this.lo,
      bins: this.hi < this.lo ? [] : Array.from(this.bins.subarray(this.lo - this.offset, this.hi - this.offset + 1)),
    };
  }

  static fromJSON(json: QuantileSketchJson): QuantileSketch {
    const sketch = new QuantileSketch({ alpha: json.alpha, maxBuckets: json.maxBuckets, zeroThreshold: json.zeroThreshold });
    const finiteCount = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
    if (!Array.isArray(json.bins) || !json.bins.every(finiteCount)) throw new RangeError('sketch bins must be non-negative finite numbers');
    if (json.bins.length > json.maxBuckets) throw new RangeError(`sketch has ${json.bins.length} bins, more than maxBuckets ${json.maxBuckets}`);
    if (!Number.isInteger(json.offset)) throw new RangeError('sketch offset must be an integer');
    if (!finiteCount(json.zeroCount)) throw new RangeError('sketch zeroCount must be a non-negative number');
    const binTotal = json.bins.reduce((s, c) => s + c, 0);
    if (Math.abs(binTotal + json.zeroCount - json.count) > 1e-9 * Math.max(1, json.count)) throw new RangeError('sketch count does not match its bins');
    if (json.count > 0 && !(typeof json.min === 'number' && typeof json.max === 'number' && json.min <= json.max)) throw new RangeError('sketch min/max missing');
    sketch.total = json.count;
    sketch.zeroCount = json.zeroCount;
    if (json.count > 0) {
      sketch.minValue = json.min!;
      sketch.maxValue = json.max!;
    }
    json.bins.forEach((c, k) => {
      if (c > 0) sketch.addToBucket(json.offset + k, c);
    });
    return sketch;
  }

  private indexOf(value: number): number {
    return Math.ceil(Math.log(value) / this.lnGamma);
  }

  private addToBucket(index: number, weight: number): void {
    if (this.hi < this.lo) {
      this.lo = index;
      this.hi = index;
      this.layout(index, index);
      this.bins[index - this.offset]! += weight;
      return;
    }
    if (index > this.hi) {
      // Keep at most maxBuckets: fold lo..newLo-1 into newLo (which may lie beyond the old range).
      const newLo = Math.max(this.lo, index - this.maxBuckets + 1);
      let moved = 0;
      for (let i = this.lo; i < newLo && i <= this.hi; i++) {
        moved += this.bins[i - this.offset]!;
        this.bins[i - this.offset] = 0;
      }
      if (newLo > this.hi) this.hi = newLo - 1; // everything was folded; nothing left to copy
      this.lo = newLo;
      this.layout(newLo, index);
      this.hi = index;
      if (moved > 0) this.bins[newLo - this.offset]! += moved;
    } else if (index < this.lo) {
      // Below a full range: counted in the lowest kept bucket (that is the collapse).
      const floor = this.hi - this.maxBuckets + 1;
      if (index < floor) index = floor;
      this.layout(index, this.hi);
      this.lo = Math.min(this.lo, index);
    }
    this.bins[index - this.offset]! += weight;
  }

  /** Makes the dense array cover [from, to], keeping the occupied counts where they are. */
  private layout(from: number, to: number): void {
    if (from >= this.offset && to < this.offset + this.bins.length) return;
    const need = to - from + 1;
    const length = Math.min(this.maxBuckets, Math.max(need, 2 * this.bins.length, 64));
    // Centre the occupied range so growth in either direction does not re-layout at once.
    const offset = from - Math.floor((length - need) / 2);
    const bins = new Float64Array(length);
    if (this.bins.length > 0) {
      for (let i = Math.max(this.lo, offset, this.offset); i <= Math.min(this.hi, offset + length - 1, this.offset + this.bins.length - 1); i++) {
        bins[i - offset] = this.bins[i - this.offset]!;
      }
    }
    this.bins = bins;
    this.offset = offset;
  }

  private prefix(): Float64Array {
    if (this.cumulative) return this.cumulative;
    const length = Math.max(0, this.hi - this.lo + 1);
    const cumulative = new Float64Array(length);
    let running = this.zeroCount;
    for (let k = 0; k < length; k++) {
      running += this.bins[this.lo + k - this.offset]!;
      cumulative[k] = running;
    }
    this.cumulative = cumulative;
    return cumulative;
  }
}
