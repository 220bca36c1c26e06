import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fail, ok, type Result } from '../problem';
import { classifyOutcome } from './classify';
import { CircuitOpenError } from './errors';
import { ManualClock } from './manual-clock';
import type { CallContext } from './policy';
import { backoffDelay, type RetryOptions, RetryPolicy } from './retry';
import { RetryBudget } from './retry-budget';

const ctx: CallContext = { upstream: 'svc', idempotent: true, attempt: 1 };

/** A policy on a clock whose sleeps end at once, recording the delays asked for. */
function retry(overrides: Partial<RetryOptions> = {}) {
  const clock = new ManualClock();
  clock.sleep = async (ms: number) => {
    clock.slept.push(ms);
  };
  const policy = new RetryPolicy({
    attempts_max: 4,
    delay_ms_base: 100,
    delay_ms_max: 1000,
    classify: classifyOutcome,
    clock,
    random: () => 0.5,
    ...overrides,
  });
  return { policy, clock };
}

/** An operation that answers from a script, one entry per attempt. */
function scripted<T>(script: Array<T | Error>) {
  let attempts = 0;
  const op = async () => {
    const next = script[Math.min(attempts, script.length - 1)];
    attempts++;
    if (next instanceof Error) throw next;
    return next as T;
  };
  return { op, attempts: () => attempts };
}

describe('RetryPolicy', () => {
  it('retries an idempotent call on failures until it succeeds', async () => {
    const { policy } = retry();
    const s = scripted<string>([new Error('a'), new Error('b'), 'done']);
    await expect(policy.execute(ctx, s.op)).resolves.toBe('done');
    expect(s.attempts()).toBe(3);
  });

  it('never retries a call that is not declared idempotent', async () => {
    const { policy } = retry();
    const s = scripted<string>([new Error('a'), 'done']);
    await expect(policy.execute({ ...ctx, idempotent: false }, s.op)).rejects.toThrow('a');
    expect(s.attempts()).toBe(1);
  });

  it('stops after attempts_max and surfaces the last failure', async () => {
    const { policy } = retry({ attempts_max: 3 });
    const s = scripted<string>([new Error('down')]);
    await expect(policy.execute(ctx, s.op)).rejects.toThrow('down');
    expect(s.attempts()).toBe(3);
  });

  it('never retries a 4xx answer except 408 and 429', async () => {
    const { policy } = retry();
    for (const status of [400, 404, 409, 422]) {
      const s = scripted<Result<number>>([fail(status, 'no', 'no'), ok(1)]);
      await expect(policy.execute(ctx, s.op)).resolves.toMatchObject({ ok: false });
      expect(s.attempts()).toBe(1);
    }
    for (const status of [408, 429, 500, 502, 503, 504]) {
      const s = scripted<Result<number>>([fail(status, 'later', 'later'), ok(1)]);
      await expect(policy.execute(ctx, s.op)).resolves.toEqual(ok(1));
      expect(s.attempts()).toBe(2);
    }
  });

  it('does not retry an open circuit', async () => {
    const { policy } = retry();
    const s = scripted<string>([new CircuitOpenError('svc', 1000), 'done']);
    await expect(policy.execute(ctx, s.op)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(s.attempts()).toBe(1);
  });

  it('stops when the request budget is spent, across calls sharing it', async () => {
    const { policy } = retry({ attempts_max: 10 });
    const budget = new RetryBudget(3);
    const first = scripted<string>([new Error('down')]);
    await expect(policy.execute({ ...ctx, budget }, first.op)).rejects.toThrow('down');
    expect(first.attempts()).toBe(4); // 1 + the whole budget of 3
    const second = scripted<string>([new Error('down')]);
    await expect(policy.execute({ ...ctx, budget }, second.op)).rejects.toThrow('down');
    expect(second.attempts()).toBe(1); // nothing left for this request
  });

  it("waits at least the upstream's Retry-After", async () => {
    const { policy, clock } = retry();
    const s = scripted<Result<number>>([fail(503, 'busy', 'busy', { retryAfter: 0.8 }), ok(1)]);
    await policy.execute(ctx, s.op);
    expect(clock.slept).toEqual([800]);
  });

  it('gives up at once when Retry-After asks for more than the delay cap', async () => {
    const { policy, clock } = retry({ delay_ms_max: 1000 });
    const s = scripted<Result<number>>([fail(429, 'slow_down', 'slow', { retryAfter: 30 }), ok(1)]);
    await expect(policy.execute(ctx, s.op)).resolves.toMatchObject({ ok: false });
    expect(s.attempts()).toBe(1);
    expect(clock.slept).toEqual([]);
  });

  it('backs off exponentially with full jitter', async () => {
    const { policy, clock } = retry({ random: () => 0.999_999, attempts_max: 6 });
    const s = scripted<string>([new Error('down')]);
    await policy.execute(ctx, s.op).catch(() => {});
    expect(clock.slept).toEqual([99, 199, 399, 799, 999]);
  });
});

describe('backoffDelay', () => {
  it('is always within [0, min(cap, base * 2^(retry-1))]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retry, base, cap, r) => {
          const delay = backoffDelay(retry, base, cap, () => r);
          return delay >= 0 && delay <= Math.min(cap, base * 2 ** (retry - 1));
        },
      ),
    );
  });
});
