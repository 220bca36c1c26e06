/**
 * A bound on retries for one unit of work (one incoming request, one queue
 * message): every upstream call it makes draws from the same budget, so a
 * request that fans out to several failing upstreams cannot multiply load.
 */
export class RetryBudget {
  #used = 0;
  constructor(readonly retries_max: number) {}

  /** Takes one retry from the budget; false when it is spent. */
  tryAcquire(): boolean {
    if (this.#used >= this.retries_max) return false;
    this.#used++;
    return true;
  }

  get used(): number {
    return this.#used;
  }
}
