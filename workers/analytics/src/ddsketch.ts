/**
 * DDSketch (Masson, Rim, Lee, VLDB 2019): a quantile sketch with a relative
 * accuracy guarantee that merges exactly. A value x > 0 falls in bucket
 * i = ceil(log_γ x) with γ = (1 + α) / (1 - α); every value of bucket i is
 * within α of the bucket's representative 2γ^i / (γ + 1), so a quantile read
 * from the bucket counts is within α (relative) of the true quantile. Two
 * sketches with the same α merge by adding their bucket counts: the merge is
 * the sketch of the union, which is what lets the five-minute window be the
 * merge of five one-minute buckets.
 *
 * Bounded: at most `bins_max` buckets; beyond that the lowest buckets are
 * collapsed into one (the upper quantiles, p50 and p99 of latencies, keep
 * their guarantee). Values are non-negative (latencies); values below
 * `MIN_INDEXABLE` count as zero. Plain JSON in and out, for SQLite.
 */

export interface SketchJson {
  /** Relative accuracy α. */
  a: number;
  /** Count of values treated as zero. */
  z: number;
  /** [bucket index, count] pairs, ascending by index. */
  b: Array<[number, number]>;
  n: number;
  sum: number;
  min: number;
  max: number;
}

export const DEFAULT_ALPHA = 0.01;
export const DEFAULT_BINS_MAX = 2048;
const MIN_INDEXABLE = 1e-9;

export class DDSketch {
  readonly alpha: number;
  readonly binsMax: number;
  readonly #gamma: number;
  readonly #logGamma: number;
  readonly #bins = new Map<number, number>();
  #zero = 0;
  #count = 0;
  #sum = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;

  constructor(alpha = DEFAULT_ALPHA, binsMax = DEFAULT_BINS_MAX) {
    if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
    if (!(Number.isInteger(binsMax) && binsMax >= 2)) throw new RangeError('binsMax must be ≥ 2');
    this.alpha = alpha;
    this.binsMax = binsMax;
    this.#gamma = (1 + alpha) / (1 - alpha);
    this.#logGamma = Math.log(this.#gamma);
  }

  get count(): number {
    return this.#count;
  }
  get sum(): number {
    return this.#sum;
  }

  #index(value: number): number {
    return Math.ceil(Math.log(value) / this.#logGamma);
  }

  #representative(index: number): number {
    return (2 * this.#gamma ** index) / (this.#gamma + 1);
  }

  add(value: number, times = 1): this {
    if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`cannot add ${value}`);
    if (!(Number.isInteger(times) && times > 0)) throw new RangeError(`cannot add ${times} times`);
    if (value < MIN_INDEXABLE) this.#zero += times;
    else {
      const index = this.#index(value);
      this.#bins.set(index, (this.#bins.get(index) ?? 0) + times);
      this.#collapse();
    }
    this.#count += times;
    this.#sum += value * times;
    this.#min = Math.min(this.#min, value);
    this.#max = Math.max(this.#max, value);
    return this;
  }

  /** Adds `other` into this sketch (same α): afterwards this is the sketch of both inputs. */
  merge(other: DDSketch): this {
    if (other.alpha !== this.alpha)
      throw new RangeError(`cannot merge α=${other.alpha} into α=${this.alpha}`);
    for (const [index, n] of other.#bins) this.#bins.set(index, (this.#bins.get(index) ?? 0) + n);
    this.#collapse();
    this.#zero += other.#zero;
    this.#count += other.#count;
    this.#sum += other.#sum;
    this.#min = Math.min(this.#min, other.#min);
    this.#max = Math.max(this.#max, other.#max);
    return this;
  }

  /** Folds the lowest buckets into one until at most `binsMax` remain. */
  #collapse(): void {
    if (this.#bins.size <= this.binsMax) return;
    const indexes = [...this.#bins.keys()].sort((x, y) => x - y);
    const excess = indexes.length - this.binsMax;
    const into = indexes[excess];
    if (into === undefined) return;
    let moved = 0;
    for (const index of indexes.slice(0, excess)) {
      moved += this.#bins.get(index) ?? 0;
      this.#bins.delete(index);
    }
    this.#bins.set(into, (this.#bins.get(into) ?? 0) + moved);
  }

  /**
   * The q-quantile (0 ≤ q ≤ 1): the value of rank ⌊q·(n − 1)⌋ in sorted
   * order, within α relative error; undefined when empty.
   */
  quantile(q: number): number | undefined {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
    if (this.#count === 0) return undefined;
    const rank = Math.floor(q * (this.#count - 1));
    if (rank < this.#zero) return 0;
    let seen = this.#zero;
    const indexes = [...this.#bins.keys()].sort((x, y) => x - y);
    for (const index of indexes) {
      seen += this.#bins.get(index) ?? 0;
      if (seen > rank) return this.#clamp(this.#representative(index));
    }
    return this.#max;
  }

  /** Exact extremes bound the estimate: it never leaves [min, max]. */
  #clamp(value: number): number {
    return Math.min(this.#max, Math.max(this.#min, value));
  }

  toJSON(): SketchJson {
    const b = [...this.#bins.entries()].sort(([x], [y]) => x - y);
    return {
      a: this.alpha,
      z: this.#zero,
      b,
      n: this.#count,
      sum: this.#sum,
      min: this.#count ? this.#min : 0,
      max: this.#count ? this.#max : 0,
    };
  }

  static fromJSON(json: SketchJson, binsMax = DEFAULT_BINS_MAX): DDSketch {
    const sketch = new DDSketch(json.a, binsMax);
    for (const [index, n] of json.b) sketch.#bins.set(index, n);
    sketch.#collapse();
    sketch.#zero = json.z;
    sketch.#count = json.n;
    sketch.#sum = json.sum;
    if (json.n > 0) {
      sketch.#min = json.min;
      sketch.#max = json.max;
    }
    return sketch;
  }
}
