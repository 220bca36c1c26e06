/**
 * Bulkhead: at most `concurrency_max` attempts run against one upstream at a
 * time, a few more wait in a short FIFO queue, and the rest are refused at
 * once, so one slow upstream cannot absorb every request the isolate holds.
 */
import { abortReason, type Clock, systemClock } from './clock';
import { BulkheadRejectedError } from './errors';
import type { CallContext, Operation, Policy } from './policy';

export interface BulkheadOptions {
  concurrency_max: number;
  queue_max: number;
  /** Longest a call waits in the queue before it is refused. */
  queue_wait_ms_max: number;
  clock?: Clock;
}

interface Waiter {
  admit(): void;
  reject(error: unknown): void;
}

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

  #acquire(ctx: CallContext): Promise<void> {
    if (this.#active < this.options.concurrency_max) {
      this.#active++;
      return Promise.resolve();
    }
    if (this.#queue.length >= this.options.queue_max) {
      return Promise.reject(new BulkheadRejectedError(ctx.upstream, 'queue_full'));
    }
    return this.#enqueue(ctx);
  }

  #enqueue(ctx: CallContext): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wait = new AbortController();
      const leave = (error: unknown) => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        wait.abort();
        reject(error);
      };
      const waiter: Waiter = {
        admit: () => {
          wait.abort();
          resolve();
        },
        reject: leave,
      };
      this.#queue.push(waiter);
      const onAbort = () => ctx.signal && leave(abortReason(ctx.signal));
      ctx.signal?.addEventListener('abort', onAbort, { once: true });
      wait.signal.addEventListener('abort', () => ctx.signal?.removeEventListener('abort', onAbort));
      this.#clock.sleep(this.options.queue_wait_ms_max, wait.signal).then(
        () => leave(new BulkheadRejectedError(ctx.upstream, 'queue_timeout')),
        () => {},
      );
    });
  }

  /** Hands the slot straight to the oldest waiter, or frees it. */
  #release(): void {
    const next = this.#queue.shift();
    if (next) next.admit();
    else this.#active--;
  }
}
