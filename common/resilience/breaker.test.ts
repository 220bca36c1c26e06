import { describe, expect, it } from 'vitest';
import { fail, ok } from '../problem';
import { type BreakerOptions, type BreakerState, CircuitBreaker } from './breaker';
import { classifyOutcome } from './classify';
import { BulkheadRejectedError, CircuitOpenError } from './errors';
import { ManualClock } from './manual-clock';
import type { CallContext } from './policy';

const ctx: CallContext = { upstream: 'svc', idempotent: false, attempt: 1 };

function breaker(overrides: Partial<BreakerOptions> = {}) {
  const clock = new ManualClock();
  const transitions: Array<[BreakerState, BreakerState]> = [];
  let calls = 0;
  const cb = new CircuitBreaker('svc', {
    consecutive_failures: 3,
    failure_rate: 0.5,
    calls_min: 10,
    window_ms: 10_000,
    open_ms: 5000,
    half_open_probes: 1,
    classify: classifyOutcome,
    clock,
    onTransition: (from, to) => transitions.push([from, to]),
    ...overrides,
  });
  const succeed = () =>
    cb.execute(ctx, async () => {
      calls++;
      return 'ok';
    });
  const failing = () =>
    cb
      .execute(ctx, async () => {
        calls++;
        throw new Error('upstream down');
      })
      .catch((e: unknown) => e);
  return { cb, clock, transitions, succeed, failing, calls: () => calls };
}

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures and then refuses without calling the upstream', async () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) await b.failing();
    expect(b.cb.state).toBe('open');
    const before = b.calls();
    const refused = await b.failing();
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect((refused as CircuitOpenError).retryAfter_ms).toBe(5000);
    expect(b.calls()).toBe(before);
    expect(b.transitions).toEqual([['closed', 'open']]);
  });

  it('a success resets the consecutive count', async () => {
    const b = breaker();
    await b.failing();
    await b.failing();
    await b.succeed();
    await b.failing();
    await b.failing();
    expect(b.cb.state).toBe('closed');
  });

  it('opens on the failure ratio over the window once the minimum volume is reached', async () => {
    const b = breaker({ consecutive_failures: 100 });
    // Alternating: never 2 failures in a row, 50% failures.
    for (let i = 0; i < 4; i++) {
      await b.succeed();
      await b.failing();
    }
    expect(b.cb.state).toBe('closed'); // 8 calls < calls_min
    await b.succeed();
    await b.failing(); // 10 calls, 5 failures
    expect(b.cb.state).toBe('open');
  });

  it('failures older than the window no longer count', async () => {
    const b = breaker({ consecutive_failures: 100, calls_min: 4 });
    await b.failing();
    await b.failing();
    await b.clock.advance(11_000);
    await b.succeed();
    await b.succeed();
    await b.succeed();
    await b.failing(); // window: 3 ok + 1 failure = 25%
    expect(b.cb.state).toBe('closed');
  });

  it('after open_ms it admits a bounded number of probes; their success closes it', async () => {
    const b = breaker({ half_open_probes: 2 });
    for (let i = 0; i < 3; i++) await b.failing();
    await b.clock.advance(5000);
    expect(b.cb.state).toBe('half-open');
    const hold: Array<() => void> = [];
    const probe = () =>
      b.cb.execute(ctx, () => new Promise<string>((resolve) => hold.push(() => resolve('ok'))));
    const probes = [probe(), probe()];
    await expect(b.succeed()).rejects.toBeInstanceOf(CircuitOpenError); // third call refused
    for (const release of hold) release();
    await Promise.all(probes);
    expect(b.cb.state).toBe('closed');
    expect(b.transitions).toEqual([
      ['closed', 'open'],
      ['open', 'half-open'],
      ['half-open', 'closed'],
    ]);
  });

  it('a failing probe opens it again for another open_ms', async () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) await b.failing();
    await b.clock.advance(5000);
    await b.failing();
    expect(b.cb.state).toBe('open');
    await b.clock.advance(4999);
    expect(await b.failing()).toBeInstanceOf(CircuitOpenError);
    await b.clock.advance(1);
    await b.succeed();
    expect(b.cb.state).toBe('closed');
  });

  it('a 4xx Result is an answer, a 5xx Result is a failure', async () => {
    const b = breaker();
    for (let i = 0; i < 5; i++) {
      await b.cb.execute(ctx, async () => fail(404, 'not_found', 'no such thing'));
    }
    expect(b.cb.state).toBe('closed');
    for (let i = 0; i < 3; i++) {
      await b.cb.execute(ctx, async () => fail(503, 'store_down', 'database unavailable'));
    }
    expect(b.cb.state).toBe('open');
  });

  it('refusals by the bulkhead inside do not count against the upstream', async () => {
    const b = breaker();
    for (let i = 0; i < 5; i++) {
      await b.cb
        .execute(ctx, async () => {
          throw new BulkheadRejectedError('svc', 'queue_full');
        })
        .catch(() => {});
    }
    expect(b.cb.state).toBe('closed');
    await expect(b.cb.execute(ctx, async () => ok(1))).resolves.toEqual(ok(1));
  });
});
