/**
 * What a settled upstream call means. Services answer expected failures as
 * `Result` values: a 4xx `{ ok: false }` is an answer (the upstream is
 * healthy) and is never retried, except 408 and 429, which ask to come back
 * later; a 5xx `{ ok: false }` counts as a failure like a thrown error.
 *
 * What a client sent never counts against an upstream: a 4xx (answered or
 * thrown as a `Problem`) and an error raised on the caller's side before the
 * upstream did anything (`isCallerError`) are neither failures nor retried,
 * so no client can open a breaker for everyone else.
 */
import { core } from 'zod';
import { Problem } from '../problem';
import { BulkheadRejectedError, CircuitOpenError, ResilienceError, TimeoutError } from './errors';
import type { Outcome, Verdict } from './policy';

const RETRYABLE_4XX = new Set([408, 429]);

const SUCCESS: Verdict = { failure: false, retryable: false };

/** Verdict for an upstream that answered (or threw) with an HTTP-like status. */
export function verdictForStatus(status: number, retryAfter_s?: number): Verdict {
  const retryAfter_ms = retryAfter_s === undefined ? undefined : retryAfter_s * 1000;
  if (status >= 500) {
    // 501 says the operation does not exist; asking again cannot help.
    return { failure: true, retryable: status !== 501, retryAfter_ms };
  }
  if (RETRYABLE_4XX.has(status)) return { failure: false, retryable: true, retryAfter_ms };
  return SUCCESS;
}

/** The status (and Retry-After) of a `{ ok: false, problem }` Result, read defensively. */
function failedResult(value: unknown): { status: number; retryAfter_s?: number } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (!('ok' in value) || value.ok !== false || !('problem' in value)) return undefined;
  const problem = value.problem;
  if (typeof problem !== 'object' || problem === null || !('status' in problem)) return undefined;
  if (typeof problem.status !== 'number') return undefined;
  const retryAfter = 'retryAfter' in problem ? problem.retryAfter : undefined;
  return {
    status: problem.status,
    retryAfter_s: typeof retryAfter === 'number' ? retryAfter : undefined,
  };
}

/**
 * An error raised on the caller's side of a call, which says nothing about
 * the upstream: its arguments could not be serialised for RPC
 * (`DataCloneError`, e.g. a value that is not plain data) or a schema refused
 * the input before it was sent (a zod error).
 */
export function isCallerError(error: unknown): boolean {
  if (error instanceof core.$ZodError) return true;
  return error instanceof DOMException && error.name === 'DataCloneError';
}

export function classifyOutcome(outcome: Outcome<unknown>): Verdict {
  if (outcome.ok) {
    const failed = failedResult(outcome.value);
    return failed ? verdictForStatus(failed.status, failed.retryAfter_s) : SUCCESS;
  }
  const error = outcome.error;
  // Refusals by our own policies are not the upstream failing, and retrying
  // them would only add load where there is already too much.
  if (error instanceof CircuitOpenError || error instanceof BulkheadRejectedError) {
    return { failure: false, retryable: false };
  }
  if (isCallerError(error)) return { failure: false, retryable: false };
  if (error instanceof TimeoutError || error instanceof ResilienceError) {
    return { failure: true, retryable: true };
  }
  if (error instanceof Problem) return verdictForStatus(error.spec.status, error.spec.retryAfter);
  return { failure: true, retryable: true };
}
