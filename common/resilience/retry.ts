/**
 * Retry, for idempotent calls only: exponential backoff with full jitter
 * (a random delay in [0, min(cap, base·2^n)]) so retries from many isolates
 * do not arrive in waves, at least the upstream's `Retry-After` when it gave
 * one, at most `attempts_max` attempts, and each retry drawn from the
 * request's budget. A non-retryable outcome (a 4xx answer, an open breaker,
 * a full bulkhead) returns at once.
 */
import { type Clock, systemClock } from './clock';
import {
  type CallContext,
  type Classifier,
  type Operation,
  type Policy,
  settle,
  unwrapOutcome,
} from './policy';

export interface RetryOptions {
  attempts_max: number;
  delay_ms_base: number;
  delay_ms_max: number;
  classify: Classifier;
  clock?: Clock;
  /** Random in [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
  onRetry?: (attempt: number, delay_ms: number) => void;
}

/** Full-jitter backoff before retry number `retry` (1-based). */
export function backoffDelay(
  retry: number,
  base_ms: number,
  cap_ms: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(cap_ms, base_ms * 2 ** Math.min(retry - 1, 30));
  return Math.floor(random() * ceiling);
}

export class RetryPolicy implements Policy {
  readonly #clock: Clock;

  constructor(private readonly options: RetryOptions) {
    this.#clock = options.clock ?? systemClock;
  }

  async execute<T>(ctx: CallContext, op: Operation<T>): Promise<T> {
    const { attempts_max, delay_ms_base, delay_ms_max, classify } = this.options;
    for (let attempt = 1; ; attempt++) {
      const outcome = await settle(op({ ...ctx, attempt }));
      if (!ctx.idempotent || attempt >= attempts_max) return unwrapOutcome(outcome);
      const verdict = classify(outcome);
      if (!verdict.retryable) return unwrapOutcome(outcome);
      const jitter = backoffDelay(attempt, delay_ms_base, delay_ms_max, this.options.random);
      const delay_ms = Math.max(jitter, verdict.retryAfter_ms ?? 0);
      // An upstream asking for a longer pause than we would wait gets it, from the client.
      if (delay_ms > delay_ms_max) return unwrapOutcome(outcome);
      if (ctx.budget && !ctx.budget.tryAcquire()) return unwrapOutcome(outcome);
      this.options.onRetry?.(attempt + 1, delay_ms);
      ctx.log?.warn('upstream.retry', { upstream: ctx.upstream, attempt: attempt + 1, delay_ms });
      await this.#clock.sleep(delay_ms, ctx.signal);
    }
  }
}
