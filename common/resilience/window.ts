/**
 * Outcome counts over a sliding time window, kept in a ring of fixed
 * buckets: O(buckets) memory whatever the traffic, and old outcomes fall
 * out bucket by bucket as time moves.
 */
interface Bucket {
  start: number;
  successes: number;
  failures: number;
}

export interface WindowTotals {
  calls: number;
  failures: number;
}

export class SlidingWindow {
  readonly #buckets: Bucket[];
  readonly #bucket_ms: number;

  constructor(
    readonly window_ms: number,
    buckets = 10,
  ) {
    this.#bucket_ms = Math.max(1, Math.ceil(window_ms / buckets));
    this.#buckets = Array.from({ length: buckets }, () => ({
      start: Number.NEGATIVE_INFINITY,
      successes: 0,
      failures: 0,
    }));
  }

  record(failure: boolean, now: number): void {
    const start = now - (now % this.#bucket_ms);
    const index = Math.floor(now / this.#bucket_ms) % this.#buckets.length;
    const bucket = this.#buckets[index];
    if (!bucket) return;
    if (bucket.start !== start) {
      bucket.start = start;
      bucket.successes = 0;
      bucket.failures = 0;
    }
    if (failure) bucket.failures++;
    else bucket.successes++;
  }

  totals(now: number): WindowTotals {
    let calls = 0;
    let failures = 0;
    for (const bucket of this.#buckets) {
      if (now - bucket.start >= this.window_ms) continue;
      calls += bucket.successes + bucket.failures;
      failures += bucket.failures;
    }
    return { calls, failures };
  }

  reset(): void {
    for (const bucket of this.#buckets) bucket.start = Number.NEGATIVE_INFINITY;
  }
}
