import { describe, expect, it } from 'vitest';
import { TimeoutError } from './errors';
import type { CallContext } from './policy';
import { TimeoutPolicy, withTimeout } from './timeout';

const ctx: CallContext = { upstream: 'svc', idempotent: false, attempt: 1 };

describe('TimeoutPolicy', () => {
  it('an attempt that misses its deadline rejects with TimeoutError and aborts its signal', async () => {
    const policy = new TimeoutPolicy({ timeout_ms: 20 });
    let seen: AbortSignal | undefined;
    const started = Date.now();
    const run = policy.execute(ctx, ({ signal }) => {
      seen = signal;
      return new Promise<string>(() => {});
    });
    await expect(run).rejects.toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(TimeoutError);
  });

  it('an answer within the deadline passes through untouched', async () => {
    const policy = new TimeoutPolicy({ timeout_ms: 1000 });
    await expect(policy.execute(ctx, async () => 'answer')).resolves.toBe('answer');
  });

  it("a call's own timeout_ms overrides the upstream default", async () => {
    const policy = new TimeoutPolicy({ timeout_ms: 10_000 });
    const run = policy.execute({ ...ctx, timeout_ms: 10 }, () => new Promise(() => {}));
    await expect(run).rejects.toMatchObject({ name: 'TimeoutError', timeout_ms: 10 });
  });

  it('an error thrown in time is the error, not a timeout', async () => {
    const policy = new TimeoutPolicy({ timeout_ms: 1000 });
    await expect(
      policy.execute(ctx, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });

  it('withTimeout bounds a plain promise', async () => {
    await expect(withTimeout('probe', 10, new Promise(() => {}))).rejects.toBeInstanceOf(
      TimeoutError,
    );
  });
});
