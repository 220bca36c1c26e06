/**
 * Bulkhead: at most `concurrency_max` attempts run against one upstream at a
 * time, a few more wait in a short FIFO queue, and the rest are refused at
 * once, so one slow upstream cannot absorb every request the isolate holds.
 */
import { type Clock, systemClock } from './clock';
import { BulkheadRejectedError } from './errors';
import type { CallContext, Operation, Policy } from './policy';

export interface BulkheadOptions {
  concurrency_max: number;
  queue_max: number;
  /** Longest a call waits in the queue before it is refused. */
  queue_wait_ms_max: number;
  /** How often a queued call looks for the slot handed to it. */
  poll_ms?: number;
  clock?: Clock;
}

interface Waiter {
  admitted: boolean;
}

/**
 * A queued call is never woken by the call that frees a slot: on Workers the
 * continuation would run in the freeing request's context, and the waiting
 * request, left with no events of its own, is cancelled as hung. Instead the
 * freed slot is handed to the oldest waiter, which notices it on its own timer.
 */
export class Bulkhead implements Policy {
  #active = 0;
  readonly #queue: Waiter[] = [];
  readonly #clock: Clock;

  constructor(private readonly options: BulkheadOptions) {
    this.#clock = options.clock ?? systemClock;
  }

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#queue.length;
  }

  async execute<T>(ctx: CallContext, op: Operation<T>): Promise<T> {
    await this.#acquire(ctx);
    try {
      return await op(ctx);
    } finally {
      this.#release();
    }
  }

  async #acquire(ctx: CallContext): Promise<void> {
    if (this.#active < this.options.concurrency_max) {
      this.#active++;
      return;
    }
    if (this.#queue.length >= this.options.queue_max) {
      throw new BulkheadRejectedError(ctx.upstream, 'queue_full');
    }
    const waiter: Waiter = { admitted: false };
    this.#queue.push(waiter);
    const deadline = this.#clock.now() + this.options.queue_wait_ms_max;
    try {
      while (!waiter.admitted) {
        if (this.#clock.now() >= deadline) {
          throw new BulkheadRejectedError(ctx.upstream, 'queue_timeout');
        }
        await this.#clock.sleep(this.options.poll_ms ?? 5, ctx.signal);
      }
    } catch (error) {
      this.#leave(waiter);
      throw error;
    }
  }

  /** A waiter that gives up leaves the queue, or returns the slot it was handed. */
  #leave(waiter: Waiter): void {
    if (waiter.admitted) {
      this.#release();
      return;
    }
    const index = this.#queue.indexOf(waiter);
    if (index >= 0) this.#queue.splice(index, 1);
  }

  /** Hands the slot to the oldest waiter, or frees it. */
  #release(): void {
    const next = this.#queue.shift();
    if (next) next.admitted = true;
    else this.#active--;
  }
}
