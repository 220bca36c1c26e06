/**
 * The shape every resilience policy shares: a policy runs an operation and
 * may refuse, delay, repeat or cut it short. Policies compose into one chain,
 * outermost first, so each sees what the inner ones produce.
 */
import type { Logger } from '../log';
import type { RetryBudget } from './retry-budget';

/** What one call carries through the chain. */
export interface CallContext {
  /** The upstream's name (`catalog`, `inventory`, …): keys breakers, bulkheads and fault rules. */
  readonly upstream: string;
  /** Only calls declared idempotent are ever retried. */
  readonly idempotent: boolean;
  /** Per-attempt deadline for this call; the upstream's default when absent. */
  readonly timeout_ms?: number;
  /** Shared by every call of one incoming request, so fan-out cannot multiply retries. */
  readonly budget?: RetryBudget;
  readonly log?: Logger;
  /** Aborted when the attempt's deadline passes; inner waits stop early. */
  readonly signal?: AbortSignal;
  /** 1 for the first attempt. */
  readonly attempt: number;
}

export type Operation<T> = (ctx: CallContext) => Promise<T>;

export interface Policy {
  execute<T>(ctx: CallContext, op: Operation<T>): Promise<T>;
}

/** How a settled attempt went, before anyone throws. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * What an outcome means to the policies: `failure` counts against the
 * circuit breaker, `retryable` lets an idempotent call try again, after at
 * least `retryAfter_ms` when the upstream said so.
 */
export interface Verdict {
  failure: boolean;
  retryable: boolean;
  retryAfter_ms?: number;
}

export type Classifier = (outcome: Outcome<unknown>) => Verdict;

export async function settle<T>(work: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work };
  } catch (error) {
    return { ok: false, error };
  }
}

export function unwrapOutcome<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw outcome.error;
}

/**
 * Chains policies: `compose([retry, breaker, bulkhead, timeout])` runs retry
 * outermost and timeout closest to the operation.
 */
export function compose(policies: readonly Policy[]): Policy {
  return {
    execute<T>(ctx: CallContext, op: Operation<T>): Promise<T> {
      const run = (index: number, current: CallContext): Promise<T> => {
        const policy = policies[index];
        if (!policy) return op(current);
        return policy.execute(current, (next) => run(index + 1, next));
      };
      return run(0, ctx);
    },
  };
}
