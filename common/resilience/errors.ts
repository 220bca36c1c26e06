/**
 * Why the resilience layer refused or cut short a call. Each names the rule
 * that stopped it, so callers map them to responses without string matching.
 */

export class ResilienceError extends Error {
  constructor(
    readonly upstream: string,
    message: string,
  ) {
    super(message);
    this.name = 'ResilienceError';
  }
}

/** The attempt missed its deadline. */
export class TimeoutError extends ResilienceError {
  constructor(
    upstream: string,
    readonly timeout_ms: number,
  ) {
    super(upstream, `${upstream} did not answer within ${timeout_ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** The upstream's concurrency cap and its queue are both full (or the queue wait ran out). */
export class BulkheadRejectedError extends ResilienceError {
  constructor(
    upstream: string,
    readonly reason: 'queue_full' | 'queue_timeout',
  ) {
    super(upstream, `${upstream} is saturated (${reason})`);
    this.name = 'BulkheadRejectedError';
  }
}

/** The upstream's breaker is open (or half-open with every probe slot taken). */
export class CircuitOpenError extends ResilienceError {
  constructor(
    upstream: string,
    /** How long until the breaker admits a probe. */
    readonly retryAfter_ms: number,
  ) {
    super(upstream, `${upstream} circuit is open`);
    this.name = 'CircuitOpenError';
  }
}

/** A fault an operator injected; it stands in for the upstream failing. */
export class InjectedFaultError extends ResilienceError {
  constructor(
    upstream: string,
    readonly kind: 'error' | 'drop',
  ) {
    super(upstream, `injected ${kind} fault for ${upstream}`);
    this.name = 'InjectedFaultError';
  }
}
