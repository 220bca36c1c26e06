/**
 * How a call the resilience layer refused or cut short is answered: always
 * 503 with `Retry-After`, with a rule name that says which mechanism spoke.
 */
import type { ProblemSpec } from '../problem';
import { BulkheadRejectedError, CircuitOpenError, TimeoutError } from './errors';

export function unavailableProblem(upstream: string, error: unknown): ProblemSpec {
  if (error instanceof CircuitOpenError) {
    return {
      status: 503,
      code: 'upstream_circuit_open',
      detail: `the ${upstream} service is failing; calls are suspended for a moment`,
      retryAfter: Math.max(1, Math.ceil(error.retryAfter_ms / 1000)),
    };
  }
  if (error instanceof BulkheadRejectedError) {
    return {
      status: 503,
      code: 'upstream_saturated',
      detail: `the ${upstream} service has too many calls in flight`,
      retryAfter: 1,
    };
  }
  if (error instanceof TimeoutError) {
    return {
      status: 503,
      code: 'upstream_timeout',
      detail: `the ${upstream} service did not answer in time`,
      retryAfter: 1,
    };
  }
  return {
    status: 503,
    code: 'upstream_unavailable',
    detail: `the ${upstream} service is unavailable`,
    retryAfter: 1,
  };
}
