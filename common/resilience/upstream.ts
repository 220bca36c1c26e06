/**
 * The one upstream-call layer. Each named upstream gets its own chain, from
 * the outside in: retry → circuit breaker → bulkhead → timeout → fault
 * injection → the call. Retry is outermost so that every attempt is seen by
 * the breaker (an opening breaker stops the retries at once); the timeout is
 * per attempt and holds the bulkhead slot at most that long; injection is
 * innermost so that an injected fault looks like the upstream itself failing.
 *
 * State (breakers, bulkheads) lives in this object, i.e. per isolate: that is
 * how breakers work on Workers — each isolate learns on its own, within a few
 * calls, that an upstream is failing.
 */

import type { Logger } from '../log';
import { type BreakerState, CircuitBreaker } from './breaker';
import { Bulkhead } from './bulkhead';
import { classifyOutcome } from './classify';
import type { Clock } from './clock';
import type { UpstreamConfig } from './config';
import { BulkheadRejectedError, CircuitOpenError, TimeoutError } from './errors';
import { FaultInjectionPolicy, type FaultKind, type FaultRules } from './faults';
import {
  type CallContext,
  type Classifier,
  compose,
  type Outcome,
  type Policy,
  settle,
  unwrapOutcome,
} from './policy';
import { RetryPolicy } from './retry';
import type { RetryBudget } from './retry-budget';
import { TimeoutPolicy } from './timeout';

/** How a call ended, as counted in metrics. */
export type CallOutcome = 'ok' | 'failed' | 'timeout' | 'circuit_open' | 'bulkhead_full';

export interface UpstreamObserver {
  onCall?(upstream: string, outcome: CallOutcome, duration_ms: number): void;
  onRetry?(upstream: string, attempt: number, delay_ms: number): void;
  onTransition?(upstream: string, from: BreakerState, to: BreakerState): void;
  onFault?(target: string, kind: FaultKind): void;
  onFallback?(upstream: string): void;
}

export interface UpstreamsOptions {
  /** Rules to inject; none when fault injection is disabled. */
  faults?: FaultRules;
  observer?: UpstreamObserver;
  classify?: Classifier;
  clock?: Clock;
  random?: () => number;
}

export interface CallOptions<T> {
  /** Only idempotent calls are retried. Defaults to false. */
  idempotent?: boolean;
  /** Per-attempt deadline; the upstream's default when absent. */
  timeout_ms?: number;
  budget?: RetryBudget;
  log?: Logger;
  /**
   * Whether the call takes a slot of the upstream's bulkhead (default true).
   * A long-poll, which waits for an event rather than for work, passes false
   * and is capped by its caller instead (per principal), so waiters never
   * hold the slots other calls need. Breaker, timeout and faults still apply.
   */
  bulkhead?: boolean;
  /**
   * Answer to use when the call fails (thrown, timed out, refused, or a 5xx
   * Result): return a value to serve it, or undefined to let the failure stand.
   */
  fallback?: (reason: unknown) => T | undefined | Promise<T | undefined>;
}

export interface UpstreamStatus {
  breaker: BreakerState;
  inFlight: number;
  queued: number;
}

interface UpstreamPolicies {
  breaker: CircuitBreaker;
  bulkhead: Bulkhead;
  chain: Policy;
  /** The same chain without the bulkhead, for calls that wait rather than work. */
  unbounded: Policy;
}

export class Upstreams {
  readonly #byName = new Map<string, UpstreamPolicies>();
  readonly #classify: Classifier;

  constructor(
    readonly config: UpstreamConfig,
    private readonly options: UpstreamsOptions = {},
  ) {
    this.#classify = options.classify ?? classifyOutcome;
  }

  /** Runs `call` against `upstream` through its policy chain. */
  async call<T>(
    upstream: string,
    call: (ctx: CallContext) => Promise<T>,
    { idempotent = false, timeout_ms, budget, log, fallback, bulkhead = true }: CallOptions<T> = {},
  ): Promise<T> {
    const policies = this.#policies(upstream);
    const chain = bulkhead ? policies.chain : policies.unbounded;
    const started = Date.now();
    const ctx: CallContext = { upstream, idempotent, timeout_ms, budget, log, attempt: 1 };
    const outcome = await settle(chain.execute(ctx, call));
    const verdict = this.#classify(outcome);
    this.options.observer?.onCall?.(
      upstream,
      outcomeLabel(outcome, verdict.failure),
      Date.now() - started,
    );
    if (fallback && (!outcome.ok || verdict.failure)) {
      const reason = outcome.ok ? outcome.value : outcome.error;
      const alternative = await fallback(reason);
      if (alternative !== undefined) {
        this.options.observer?.onFallback?.(upstream);
        log?.warn('upstream.fallback', { upstream });
        return alternative;
      }
    }
    return unwrapOutcome(outcome);
  }

  status(upstream: string): UpstreamStatus {
    const { breaker, bulkhead } = this.#policies(upstream);
    return { breaker: breaker.state, inFlight: bulkhead.active, queued: bulkhead.queued };
  }

  /** Every upstream this isolate has called (or asked about) so far. */
  names(): string[] {
    return [...this.#byName.keys()];
  }

  #policies(upstream: string): UpstreamPolicies {
    let found = this.#byName.get(upstream);
    if (!found) {
      found = this.#build(upstream);
      this.#byName.set(upstream, found);
    }
    return found;
  }

  #build(upstream: string): UpstreamPolicies {
    const { config } = this;
    const { observer, clock, random, faults } = this.options;
    const classify = this.#classify;
    const breaker = new CircuitBreaker(upstream, {
      ...config.breaker,
      classify,
      clock,
      onTransition: (from, to) => observer?.onTransition?.(upstream, from, to),
    });
    const limits = Object.hasOwn(config.limits, upstream) ? config.limits[upstream] : undefined;
    const bulkhead = new Bulkhead({
      concurrency_max: limits?.concurrency_max ?? config.concurrency_max,
      queue_max: limits?.queue_max ?? config.queue_max,
      queue_wait_ms_max: config.timeout_ms,
      clock,
    });
    const retry = new RetryPolicy({
      ...config.retry,
      classify,
      clock,
      random,
      onRetry: (attempt, delay_ms) => observer?.onRetry?.(upstream, attempt, delay_ms),
    });
    const inner: Policy[] = [new TimeoutPolicy({ timeout_ms: config.timeout_ms })];
    if (faults) {
      inner.push(
        new FaultInjectionPolicy(faults, {
          clock,
          random,
          onFault: (target, kind) => observer?.onFault?.(target, kind),
        }),
      );
    }
    return {
      breaker,
      bulkhead,
      chain: compose([retry, breaker, bulkhead, ...inner]),
      unbounded: compose([retry, breaker, ...inner]),
    };
  }
}

function outcomeLabel(outcome: Outcome<unknown>, failure: boolean): CallOutcome {
  if (outcome.ok) return failure ? 'failed' : 'ok';
  const error = outcome.error;
  if (error instanceof CircuitOpenError) return 'circuit_open';
  if (error instanceof BulkheadRejectedError) return 'bulkhead_full';
  if (error instanceof TimeoutError) return 'timeout';
  return failure ? 'failed' : 'ok';
}
