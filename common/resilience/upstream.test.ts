import { describe, expect, it } from 'vitest';
import { fail, ok, type Result } from '../problem';
import { DEFAULT_UPSTREAM_CONFIG, type UpstreamConfig } from './config';
import { CircuitOpenError } from './errors';
import { FaultRules } from './faults';
import { type CallOutcome, Upstreams } from './upstream';

function config(overrides: Partial<UpstreamConfig['breaker']> = {}): UpstreamConfig {
  return {
    ...DEFAULT_UPSTREAM_CONFIG,
    timeout_ms: 200,
    breaker: { ...DEFAULT_UPSTREAM_CONFIG.breaker, consecutive_failures: 3, ...overrides },
    retry: { ...DEFAULT_UPSTREAM_CONFIG.retry, attempts_max: 5, delay_ms_base: 1, delay_ms_max: 5 },
  };
}

function observed() {
  const outcomes: CallOutcome[] = [];
  const retries: number[] = [];
  return {
    outcomes,
    retries,
    observer: {
      onCall: (_: string, outcome: CallOutcome) => outcomes.push(outcome),
      onRetry: (_: string, attempt: number) => retries.push(attempt),
    },
  };
}

describe('Upstreams', () => {
  it('an opening breaker stops the retries of the call that opened it', async () => {
    const o = observed();
    const upstreams = new Upstreams(config(), { observer: o.observer });
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('down');
    };
    const error = await upstreams.call('svc', failing, { idempotent: true }).catch((e) => e);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(calls).toBe(3); // the 4th attempt met the open breaker
    expect(o.outcomes).toEqual(['circuit_open']);
    expect(upstreams.status('svc').breaker).toBe('open');
  });

  it('each upstream has its own breaker and bulkhead', async () => {
    const upstreams = new Upstreams(config());
    for (let i = 0; i < 3; i++) {
      await upstreams.call('a', async () => Promise.reject(new Error('down'))).catch(() => {});
    }
    expect(upstreams.status('a').breaker).toBe('open');
    expect(upstreams.status('b').breaker).toBe('closed');
    await expect(upstreams.call('b', async () => 'fine')).resolves.toBe('fine');
  });

  it('a fallback answers a failed call, but not an answered one', async () => {
    const upstreams = new Upstreams(config());
    const stale = () => ok('stale copy');
    const failed = await upstreams.call<Result<string>>(
      'svc',
      async () => fail(503, 'store_down', 'down'),
      { fallback: stale },
    );
    expect(failed).toEqual(ok('stale copy'));
    const answered = await upstreams.call<Result<string>>(
      'svc',
      async () => fail(404, 'not_found', 'gone'),
      { fallback: stale },
    );
    expect(answered).toMatchObject({ ok: false, problem: { status: 404 } });
  });

  it('a fallback that has nothing lets the failure stand', async () => {
    const upstreams = new Upstreams(config());
    const run = upstreams.call('svc', async () => Promise.reject(new Error('down')), {
      fallback: () => undefined,
    });
    await expect(run).rejects.toThrow('down');
  });

  it('injected faults reach the breaker like real failures', async () => {
    const now = Date.now();
    const faults = new FaultRules(
      async () => ({
        version: 1,
        rules: [{ target: 'svc', kind: 'error', rate: 1, createdAt: now, expiresAt: now + 60_000 }],
      }),
      { cache_ms: 1000 },
    );
    let reached = 0;
    const upstreams = new Upstreams(config(), { faults });
    for (let i = 0; i < 3; i++) {
      await upstreams
        .call('svc', async () => {
          reached++;
          return 'real';
        })
        .catch(() => {});
    }
    expect(reached).toBe(0);
    expect(upstreams.status('svc').breaker).toBe('open');
    await expect(upstreams.call('other', async () => 'real')).resolves.toBe('real');
  });

  it('a slow attempt times out and its retry succeeds', async () => {
    const o = observed();
    const upstreams = new Upstreams(config(), { observer: o.observer });
    let attempt = 0;
    const result = await upstreams.call(
      'svc',
      () => (++attempt === 1 ? new Promise<string>(() => {}) : Promise.resolve('second')),
      { idempotent: true, timeout_ms: 20 },
    );
    expect(result).toBe('second');
    expect(o.retries).toEqual([2]);
    expect(o.outcomes).toEqual(['ok']);
  });

  it('a call that waits without a bulkhead slot leaves every slot to other calls', async () => {
    const upstreams = new Upstreams({ ...config(), concurrency_max: 1, queue_max: 0 });
    let release = () => {};
    const waiting = upstreams.call(
      'svc',
      () => new Promise<string>((resolve) => (release = () => resolve('woken'))),
      { bulkhead: false },
    );
    expect(upstreams.status('svc').inFlight).toBe(0);
    await expect(upstreams.call('svc', async () => 'served')).resolves.toBe('served');
    // The same wait inside the bulkhead holds its only slot: the next call is refused.
    const holding = upstreams.call('svc', () => new Promise((r) => setTimeout(r, 50)));
    await expect(upstreams.call('svc', async () => 'refused')).rejects.toThrow(/saturated/);
    release();
    await expect(waiting).resolves.toBe('woken');
    await holding;
  });
});
