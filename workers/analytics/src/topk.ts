/**
 * Top SKUs by quantity in bounded space: the Space-Saving summary (Metwally,
 * Agrawal, El Abbadi 2005). It keeps at most `capacity` SKUs; a new SKU in a
 * full summary replaces the smallest, inheriting its count as `error`. The
 * guarantees: any SKU whose true quantity exceeds total / capacity is kept,
 * and a kept count overestimates the truth by at most its `error` (≤ total /
 * capacity). Summaries merge by adding counts and keeping the largest
 * (Agarwal et al., "Mergeable summaries", 2012), so the five-minute window
 * is the merge of its one-minute buckets. Exact while fewer SKUs than
 * `capacity` were seen, which is the common case of a catalog's best sellers.
 */

export interface TopEntry {
  sku: string;
  quantity: number;
  /** Upper bound of the overestimate (0 = exact). */
  error: number;
}

export const DEFAULT_TOPK_CAPACITY = 100;

export class TopK {
  readonly capacity: number;
  readonly #entries = new Map<string, TopEntry>();

  constructor(capacity = DEFAULT_TOPK_CAPACITY) {
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new RangeError('capacity must be ≥ 1');
    this.capacity = capacity;
  }

  add(sku: string, quantity: number): this {
    if (!(Number.isInteger(quantity) && quantity > 0))
      throw new RangeError(`quantity must be a positive integer, got ${quantity}`);
    const found = this.#entries.get(sku);
    if (found) found.quantity += quantity;
    else if (this.#entries.size < this.capacity)
      this.#entries.set(sku, { sku, quantity, error: 0 });
    else {
      const smallest = this.#smallest();
      this.#entries.delete(smallest.sku);
      this.#entries.set(sku, {
        sku,
        quantity: smallest.quantity + quantity,
        error: smallest.quantity,
      });
    }
    return this;
  }

  /**
   * Adds `other` into this summary. A SKU missing from a full summary may
   * have been counted there up to that summary's smallest count, so it gets
   * that much added (as quantity and error): counts stay overestimates.
   */
  merge(other: TopK): this {
    const ownFloor = this.#floor();
    const otherFloor = other.#floor();
    const merged = new Map<string, TopEntry>();
    for (const e of this.#entries.values()) {
      const theirs = other.#entries.get(e.sku) ?? { quantity: otherFloor, error: otherFloor };
      merged.set(e.sku, {
        sku: e.sku,
        quantity: e.quantity + theirs.quantity,
        error: e.error + theirs.error,
      });
    }
    for (const e of other.#entries.values()) {
      if (merged.has(e.sku)) continue;
      merged.set(e.sku, {
        sku: e.sku,
        quantity: e.quantity + ownFloor,
        error: e.error + ownFloor,
      });
    }
    this.#entries.clear();
    for (const e of rank([...merged.values()]).slice(0, this.capacity)) this.#entries.set(e.sku, e);
    return this;
  }

  /** What a SKU this summary does not list may have been counted: 0 unless full. */
  #floor(): number {
    return this.#entries.size < this.capacity ? 0 : this.#smallest().quantity;
  }

  /** The `n` largest, by quantity then SKU (a stable order for equal quantities). */
  top(n: number): TopEntry[] {
    return rank([...this.#entries.values()])
      .slice(0, Math.max(0, n))
      .map((e) => ({ ...e }));
  }

  #smallest(): TopEntry {
    let smallest: TopEntry | undefined;
    for (const e of this.#entries.values()) {
      if (!smallest || e.quantity < smallest.quantity) smallest = e;
    }
    if (!smallest) throw new Error('topk: no entry to replace');
    return smallest;
  }

  toJSON(): TopEntry[] {
    return this.top(this.capacity);
  }

  static fromJSON(entries: readonly TopEntry[], capacity = DEFAULT_TOPK_CAPACITY): TopK {
    const topk = new TopK(capacity);
    for (const e of entries.slice(0, capacity)) topk.#entries.set(e.sku, { ...e });
    return topk;
  }
}

/** Largest quantity first; equal quantities by SKU, so the order is stable. */
function rank(entries: TopEntry[]): TopEntry[] {
  return entries.sort((a, b) => b.quantity - a.quantity || a.sku.localeCompare(b.sku));
}
