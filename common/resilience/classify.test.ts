import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fail, ok, problem } from '../problem';
import { classifyOutcome } from './classify';
import {
  BulkheadRejectedError,
  CircuitOpenError,
  InjectedFaultError,
  TimeoutError,
} from './errors';

const value = (v: unknown) => classifyOutcome({ ok: true, value: v });
const thrown = (e: unknown) => classifyOutcome({ ok: false, error: e });

describe('classifyOutcome', () => {
  it('a success and a 4xx answer are not failures; only 408/429 may be retried', () => {
    expect(value(ok(1))).toEqual({ failure: false, retryable: false });
    expect(value('plain value')).toEqual({ failure: false, retryable: false });
    expect(value(fail(404, 'x', 'x'))).toEqual({ failure: false, retryable: false });
    expect(value(fail(429, 'x', 'x', { retryAfter: 2 }))).toEqual({
      failure: false,
      retryable: true,
      retryAfter_ms: 2000,
    });
  });

  it('a 5xx answer is a failure, retryable unless 501', () => {
    expect(value(fail(503, 'x', 'x'))).toMatchObject({ failure: true, retryable: true });
    expect(value(fail(501, 'x', 'x'))).toMatchObject({ failure: true, retryable: false });
  });

  it('thrown errors and timeouts are retryable failures; our own refusals are neither', () => {
    expect(thrown(new Error('rpc broke'))).toEqual({ failure: true, retryable: true });
    expect(thrown(new TimeoutError('s', 1))).toEqual({ failure: true, retryable: true });
    expect(thrown(new InjectedFaultError('s', 'error'))).toEqual({
      failure: true,
      retryable: true,
    });
    expect(thrown(new CircuitOpenError('s', 1))).toEqual({ failure: false, retryable: false });
    expect(thrown(new BulkheadRejectedError('s', 'queue_full'))).toEqual({
      failure: false,
      retryable: false,
    });
  });

  it('a thrown Problem is judged by its status', () => {
    expect(thrown(problem(400, 'bad', 'bad'))).toEqual({ failure: false, retryable: false });
    expect(thrown(problem(502, 'bad', 'bad'))).toMatchObject({ failure: true, retryable: true });
  });

  it('an error the caller raised before the upstream acted is not the upstream failing', () => {
    const refused = z.object({ sku: z.string() }).safeParse({ sku: () => 1 });
    if (refused.success) throw new Error('the schema accepted a function');
    expect(thrown(refused.error)).toEqual({ failure: false, retryable: false });
    const notPlainData = new DOMException('Could not serialize object', 'DataCloneError');
    expect(thrown(notPlainData)).toEqual({ failure: false, retryable: false });
    // Any other thrown error is still the upstream's: a bug there must open the breaker.
    expect(thrown(new TypeError('x is not a function'))).toEqual({
      failure: true,
      retryable: true,
    });
  });
});
