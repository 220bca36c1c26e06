import { describe, expect, it } from 'vitest';
import { Bulkhead, type BulkheadOptions } from './bulkhead';
import { BulkheadRejectedError, TimeoutError } from './errors';
import { flush, ManualClock } from './manual-clock';
import type { CallContext } from './policy';

const ctx: CallContext = { upstream: 'svc', idempotent: false, attempt: 1 };

function bulkhead(options: Partial<BulkheadOptions> = {}) {
  const clock = new ManualClock();
  const b = new Bulkhead({
    concurrency_max: 2,
    queue_max: 1,
    queue_wait_ms_max: 1000,
    poll_ms: 5,
    clock,
    ...options,
  });
  return { b, clock };
}

/** An operation the test finishes by hand, recording which calls started. */
function gate() {
  const started: number[] = [];
  const finishers: Array<() => void> = [];
  let n = 0;
  const op = () => {
    const id = n++;
    started.push(id);
    return new Promise<number>((resolve) => finishers.push(() => resolve(id)));
  };
  return { op, started, finish: (i: number) => finishers[i]?.() };
}

describe('Bulkhead', () => {
  it('runs at most concurrency_max at once; a queued call runs when a slot frees', async () => {
    const { b, clock } = bulkhead();
    const { op, started, finish } = gate();
    const calls = [1, 2, 3].map(() => b.execute(ctx, op));
    await flush();
    expect(started).toEqual([0, 1]);
    expect(b.active).toBe(2);
    expect(b.queued).toBe(1);
    finish(0);
    await clock.advance(5);
    expect(started).toEqual([0, 1, 2]);
    expect(b.active).toBe(2);
    finish(1);
    finish(2);
    await expect(Promise.all(calls)).resolves.toEqual([0, 1, 2]);
    expect(b.active).toBe(0);
  });

  it('refuses at once, without running the call, when slots and queue are full', async () => {
    const { b } = bulkhead({ concurrency_max: 1 });
    const { op, started } = gate();
    void b.execute(ctx, op);
    void b.execute(ctx, op);
    await expect(b.execute(ctx, op)).rejects.toMatchObject({
      name: 'BulkheadRejectedError',
      reason: 'queue_full',
    });
    expect(started).toEqual([0]);
  });

  it('a queued call is refused after queue_wait_ms_max and leaves the queue', async () => {
    const { b, clock } = bulkhead({ concurrency_max: 1, queue_wait_ms_max: 50 });
    const { op } = gate();
    void b.execute(ctx, op);
    const queued = b.execute(ctx, op).catch((e: unknown) => e);
    for (let t = 0; t < 60; t += 5) await clock.advance(5);
    const error = await queued;
    expect(error).toBeInstanceOf(BulkheadRejectedError);
    expect(error).toMatchObject({ reason: 'queue_timeout' });
    expect(b.queued).toBe(0);
  });

  it('a queued call whose deadline passes leaves the queue and never runs', async () => {
    const { b, clock } = bulkhead({ concurrency_max: 1 });
    const { op, started, finish } = gate();
    void b.execute(ctx, op);
    const deadline = new AbortController();
    const queued = b.execute({ ...ctx, signal: deadline.signal }, op).catch((e) => e);
    await flush();
    deadline.abort(new TimeoutError('svc', 5));
    expect(await queued).toBeInstanceOf(TimeoutError);
    expect(b.queued).toBe(0);
    finish(0);
    await clock.advance(5);
    expect(started).toEqual([0]);
    expect(b.active).toBe(0);
  });

  it('a waiter handed a slot that gives up returns the slot', async () => {
    const { b, clock } = bulkhead({ concurrency_max: 1 });
    const { op, finish } = gate();
    void b.execute(ctx, op);
    const deadline = new AbortController();
    const queued = b.execute({ ...ctx, signal: deadline.signal }, op).catch((e) => e);
    await flush();
    finish(0); // the slot is handed to the waiter…
    await flush();
    deadline.abort(new TimeoutError('svc', 5)); // …which gives up before noticing
    expect(await queued).toBeInstanceOf(TimeoutError);
    expect(b.active).toBe(0);
    await clock.advance(5);
    await expect(b.execute(ctx, async () => 'next')).resolves.toBe('next');
  });

  it('a failing call frees its slot', async () => {
    const { b } = bulkhead({ concurrency_max: 1, queue_max: 0 });
    await expect(
      b.execute(ctx, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(b.execute(ctx, async () => 'next')).resolves.toBe('next');
  });
});
